"""The modernized architecture passes its checks, and no combination of missing facts crashes a check."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from failback_operator.facts import Architecture
from failback_operator.rules import CATALOGUE, CheckPhase, RuleKind, applicable, evaluate
from failback_operator.rules.reprotect_input import resolve_reprotect_values
from tests.unit.rules.worlds import NOW, WORLDS, patched


def test_modernized_world_passes_every_pre_reprotect_check() -> None:
    world = WORLDS["modernized-before-reprotect"]()
    findings = evaluate(world, CheckPhase.PRE_REPROTECT, NOW)
    assert [f for f in findings if not f.passed] == []
    ran = {f.rule for f in findings}
    assert ran == {e.id for e in applicable(CheckPhase.PRE_REPROTECT, Architecture.MODERNIZED)}
    values = resolve_reprotect_values(world, world.plans[0])
    assert values.complete
    assert values.policy_id == world.vault.failback_policies[0].id  # type: ignore[union-attr]


def test_modernized_policy_values_are_not_the_classic_ones() -> None:
    world = WORLDS["modernized-before-reprotect"]()
    fb003 = [f for f in evaluate(world, CheckPhase.PRE_REPROTECT, NOW) if f.rule == "FB003"]
    assert len(fb003) == 1
    assert fb003[0].passed
    assert "appconsistency-policy-failback" in fb003[0].message


# Facts an adapter may fail to fill: any of them may be missing at once.
NULLABLE = [
    "vault",
    "vcenter",
    "vault.configuration_server",
    "vault.configuration_server.last_heartbeat",
    "vault.configuration_server.process_servers.0.last_heartbeat",
    "vault.configuration_server.process_servers.0.in_azure",
    "vault.configuration_server.master_targets.0.os_version",
    "vault.configuration_server.master_targets.0.os_type",
    "vault.configuration_server.master_targets.0.disk_count",
    "vault.protected_items.0.os_type",
    "vault.protected_items.0.os_version",
    "vault.protected_items.0.disk_count",
    "vault.protected_items.0.current_scenario",
    "vault.protected_items.1.agent_last_heartbeat",
    "vault.protected_items.1.source_vm_ram_mb",
    "vcenter.master_target_vm",
    "vcenter.master_target_host",
    "vcenter.master_target_vm.enable_uuid",
    "vcenter.master_target_vm.storage_drs_enabled",
    "vcenter.master_target_host.memory_usage_bytes",
    "vcenter.master_target_host.product_line_id",
    "vcenter.on_premises_vms.0.memory_mb",
    "vcenter.on_premises_vms.1.host",
    "master_target.os_type",
    "master_target.retention_drive",
    "plans.0.window",
    "plans.0.datastore",
    "plans.0.process_server",
    "plans.0.run",
]


def _exists(world: Any, path: str) -> bool:
    target = world
    for part in path.split("."):
        if target is None:
            return False
        if isinstance(target, tuple):
            index = int(part)
            if index >= len(target):
                return False
            target = target[index]
        else:
            target = getattr(target, part)
    return True


def _drop(paths: list[str]) -> dict[str, Any]:
    """Null the given paths, skipping those under an already nulled parent."""
    dropped: dict[str, Any] = {}
    for path in sorted(paths, key=len):
        if not any(path.startswith(parent + ".") for parent in dropped):
            dropped[path] = None
    return dropped


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["before-reprotect", "reprotected", "failing-back", "modernized-before-reprotect"]),
    st.lists(st.sampled_from(NULLABLE), max_size=6, unique=True),
    st.sampled_from(list(CheckPhase)),
)
def test_missing_facts_never_crash_and_every_check_reports(
    world: str, missing: list[str], phase: CheckPhase
) -> None:
    clean = WORLDS[world]()
    present = [path for path in missing if _exists(clean, path)]
    facts = patched(clean, _drop(present))
    findings = evaluate(facts, phase, NOW)
    ran = {f.rule for f in findings}
    expected = {e.id for e in applicable(phase, facts.master_target.architecture)}
    assert ran == expected
    for finding in findings:
        assert finding.message
        if not finding.passed:
            assert finding.remedy


def test_every_check_is_reachable_from_some_phase() -> None:
    checks = {e.id for e in CATALOGUE if e.kind is RuleKind.CHECK}
    reachable = {e.id for phase in CheckPhase for arch in Architecture for e in applicable(phase, arch)}
    assert checks == reachable
