"""One status entry per rule: the worst finding decides, passes still show."""

from __future__ import annotations

from failback_operator.rules import CheckPhase, Outcome, evaluate, rule_statuses
from tests.unit.rules.worlds import NOW, WORLDS, patched


def test_one_entry_per_rule_with_the_worst_outcome() -> None:
    world = patched(
        WORLDS["before-reprotect"](),
        {
            "vcenter.on_premises_vms.0.snapshots": [{"name": "a"}],
            "vcenter.on_premises_vms.1.snapshots": [{"name": "b"}],
            "vcenter.master_target_vm.tools_running_status": "guestToolsNotRunning",
        },
    )
    findings = evaluate(world, CheckPhase.PRE_REPROTECT, NOW)
    statuses = {status.rule: status for status in rule_statuses(findings)}
    assert list(statuses) == sorted({f.rule for f in findings})
    assert statuses["FB023"].outcome is Outcome.BLOCK
    assert "guestToolsNotRunning" in statuses["FB023"].message
    assert statuses["FB023"].remedy
    # FB006: the master target passes, two VMs have snapshots (info): info is the worst, counted once.
    assert statuses["FB006"].outcome is Outcome.INFO
    assert statuses["FB006"].message.endswith("(and 1 more)")
    assert statuses["FB006"].objects == (
        "ProtectedItem/V2A-W2K12-203-new",
        "ProtectedItem/V2A-W2K16-201-new",
    )
    assert statuses["FB001"].outcome is Outcome.PASS
    assert statuses["FB001"].as_dict()["outcome"] == "pass"
