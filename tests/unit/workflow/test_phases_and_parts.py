"""The continuous and post-failback rules in the state machine, and parts that cannot be read."""

from __future__ import annotations

from failback_operator.api.resources import Action
from failback_operator.api.status import FailbackPlanStatus as PlanStatus
from failback_operator.api.vocabulary import Operation, Phase, Progression
from failback_operator.facts import DiskPlacement, ReplicationGroup
from failback_operator.rules.model import ObjectRef, Severity, failed
from failback_operator.workflow import Observation, StartOperation, decide

from .world import approval, item, job, later, observe, request, shutdown_tasks

NOW = later(0)
SINGLE = (ReplicationGroup(name="apps", items=("vm-a",)),)
POWERED_ON = failed(
    "FB031",
    Severity.BLOCK,
    ObjectRef(kind="ProtectedItem", name="vm-a"),
    "on-premises VM VM-A is poweredOn after reprotect",
    "power the on-premises VM off",
)
LINUX_ADVICE = failed(
    "FB033",
    Severity.INFO,
    ObjectRef(kind="ProtectedItem", name="vm-a"),
    "Linux VM vm-a comes back without the network manager package",
    "reinstall the network manager package",
)


def _condition(status: PlanStatus, kind: str) -> tuple[str, str, str] | None:
    found = next((c for c in status.conditions or () if c.type == kind), None)
    return (found.status.value, found.reason, found.message) if found else None


def test_a_powered_on_vm_blocks_failover_with_its_rule_and_remedy() -> None:
    protected = observe(item("vm-a", "Protected"), approvals=(approval(),), continuous=(POWERED_ON,))
    decision = decide(request(Action.FAILBACK, groups=SINGLE), PlanStatus(), protected, NOW)
    assert not [a for a in decision.actions if isinstance(a, StartOperation)]
    assert decision.status.progression == Progression.FAILBACK_BLOCKED
    assert "FB031" in (decision.status.message or "")
    assert "remedy: power the on-premises VM off" in (decision.status.message or "")
    prerequisites = _condition(decision.status, "PrerequisitesMet")
    assert prerequisites is not None
    assert prerequisites[0] == "False"
    assert "FB031" in prerequisites[2]

    # Powered off again: the same look fails back.
    cleared = observe(item("vm-a", "Protected"), approvals=(approval(),))
    after = decide(request(Action.FAILBACK, groups=SINGLE), decision.status, cleared, later(1))
    assert [a.operation for a in after.actions if isinstance(a, StartOperation)] == [Operation.FAILOVER]


def test_a_breach_while_syncing_is_said_once_and_does_not_change_the_step() -> None:
    syncing = observe(item("vm-a", "Syncing"))
    first = decide(request(Action.FAILBACK, groups=SINGLE), PlanStatus(), syncing, NOW)
    assert _condition(first.status, "PrerequisitesMet")[0] == "True"  # type: ignore[index]
    breached = observe(item("vm-a", "Syncing"), continuous=(POWERED_ON,))
    second = decide(request(Action.FAILBACK, groups=SINGLE), first.status, breached, later(1))
    assert second.status.progression == Progression.WAITING_FOR_SYNC
    assert "failback will be blocked: FB031" in (second.status.message or "")
    assert [e.reason for e in second.events] == ["PrerequisitesNotMet"]
    third = decide(request(Action.FAILBACK, groups=SINGLE), second.status, breached, later(2))
    assert third.events == ()


def test_continuous_rules_are_not_read_before_reprotect() -> None:
    before = observe(item("vm-a", "FailedOverToAzure"), reserved=True, continuous=(POWERED_ON,))
    decision = decide(request(Action.REPROTECT, groups=SINGLE), PlanStatus(), before, NOW)
    assert [a.operation for a in decision.actions if isinstance(a, StartOperation)] == [Operation.REPROTECT]


def test_post_failback_advice_is_a_condition_and_one_event() -> None:
    failover = job("ufo-1", "UnplannedFailover", "VM-A", state="Succeeded", tasks=shutdown_tasks())
    failed_back = observe(
        item("vm-a", "FailedBack"), jobs=(failover,), approvals=(approval(),), post_failback=(LINUX_ADVICE,)
    )
    decision = decide(request(Action.FAILBACK, groups=SINGLE), PlanStatus(), failed_back, NOW)
    advice = _condition(decision.status, "PostFailbackAdvice")
    assert advice is not None
    assert advice[:2] == ("True", "AdviceGiven")
    assert "FB033" in advice[2]
    assert "reinstall the network manager package" in advice[2]
    assert [e.reason for e in decision.events if e.reason == "PostFailbackAdvice"] == ["PostFailbackAdvice"]
    again = decide(request(Action.FAILBACK, groups=SINGLE), decision.status, failed_back, later(1))
    assert [e for e in again.events if e.reason == "PostFailbackAdvice"] == []


def test_no_advice_before_failback() -> None:
    protected = observe(item("vm-a", "Protected"), post_failback=(LINUX_ADVICE,))
    decision = decide(request(Action.REPROTECT, groups=SINGLE), PlanStatus(), protected, NOW)
    assert _condition(decision.status, "PostFailbackAdvice") is None


def test_the_master_target_disks_are_kept_when_reprotect_completes() -> None:
    placements = (
        DiskPlacement(disk="6000C29a-1", datastore="datastore1", file_name="[datastore1] mt/mt.vmdk"),
    )
    reprotecting = observe(item("vm-a", "Reprotecting"), master_target_disks=placements)
    first = decide(request(groups=SINGLE), PlanStatus(), reprotecting, NOW)
    assert first.status.master_target_disks is None
    syncing = observe(item("vm-a", "Syncing"), master_target_disks=placements)
    second = decide(request(groups=SINGLE), first.status, syncing, later(1))
    assert [(d.disk, d.datastore) for d in second.status.master_target_disks or ()] == [
        ("6000C29a-1", "datastore1")
    ]
    moved = (DiskPlacement(disk="6000C29a-1", datastore="DS-77", file_name="[DS-77] mt/mt.vmdk"),)
    third = decide(
        request(groups=SINGLE),
        second.status,
        observe(item("vm-a", "Protected"), master_target_disks=moved),
        later(2),
    )
    # What reprotect left is kept, not overwritten by where the disks are now (FB020 compares them).
    assert third.status.master_target_disks == second.status.master_target_disks


def test_an_unreadable_vault_shows_ready_unknown_with_the_part_and_one_event() -> None:
    problem = "Site Recovery vault PwsTestVault at https://127.0.0.1:1: connection refused"
    unreachable = Observation(vault=None, unreadable=(problem,))
    first = decide(request(groups=SINGLE), PlanStatus(), unreachable, NOW)
    assert first.status.observed_generation == 3
    assert first.status.phase == Phase.PENDING
    ready = _condition(first.status, "Ready")
    assert ready is not None
    assert ready[:2] == ("Unknown", "Unreachable")
    assert problem in ready[2]
    assert [(e.type.value, e.reason) for e in first.events] == [("Warning", "Unreachable")]
    second = decide(request(groups=SINGLE), first.status, unreachable, later(1))
    assert second.events == ()


def test_an_unreadable_vcenter_leaves_ready_unknown_with_the_reason() -> None:
    problem = "vCenter 127.0.0.1:1: connection refused"
    syncing = observe(item("vm-a", "Syncing"), unreadable=(problem,))
    decision = decide(request(Action.FAILBACK, groups=SINGLE), PlanStatus(), syncing, NOW)
    ready = _condition(decision.status, "Ready")
    assert ready is not None
    assert ready[:2] == ("Unknown", "Unreachable")
    assert problem in ready[2]
    assert "Unreachable" in [e.reason for e in decision.events]
