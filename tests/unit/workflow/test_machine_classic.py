"""The classic round trip through the state machine: reprotect, sync, failback, commit."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from failback_operator.api.conditions import find_condition
from failback_operator.api.resources import Action, AfterCommit, CommitMode
from failback_operator.api.status import FailbackPlanStatus as PlanStatus
from failback_operator.api.status import ItemStatus
from failback_operator.api.vocabulary import ConditionType, ItemStage, Operation, Phase, Progression
from failback_operator.facts import Job, JobError, JobTask, ReplicationGroup
from failback_operator.rules.model import Finding, ObjectRef, Severity, failed, passed
from failback_operator.workflow import (
    CallOutcome,
    Decision,
    Observation,
    ReleaseDiskSlots,
    ReserveDiskSlots,
    StartOperation,
    decide,
    record_outcome,
)

from .world import NOW, SETTINGS, approval, item, job, later, observe, request, shutdown_tasks


def _item(status: PlanStatus, name: str) -> ItemStatus:
    found = next((i for i in status.items or () if i.name == name), None)
    assert found is not None, name
    return found


def _condition(status: PlanStatus, kind: ConditionType) -> tuple[str, str]:
    found = find_condition(status.conditions or (), kind)
    assert found is not None, kind
    return found.status.value, found.reason


def test_first_look_reserves_disk_slots_before_any_reprotect() -> None:
    decision = decide(
        request(),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=False),
        NOW,
    )
    assert decision.status.phase == Phase.REPROTECTING
    assert decision.status.progression == Progression.RESERVING_DISK_SLOTS
    [reserve] = decision.actions
    assert isinstance(reserve, ReserveDiskSlots)
    # Azure's temporary disk takes no slot on the master target (FB027).
    assert reserve.disks_by_item == (("vm-a", 2), ("vm-b", 2))
    assert decision.requeue_after == timedelta(0)  # the reservation is ours: the next step follows at once
    assert all(i.intent is None for i in decision.status.items)


def test_reprotect_goes_item_by_item_one_intent_per_look() -> None:
    world = observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True)
    first = decide(request(), PlanStatus(), world, NOW)
    [start] = [a for a in first.actions if isinstance(a, StartOperation)]
    assert (start.operation, start.items, start.recovery_plan) == (Operation.REPROTECT, ("vm-a",), None)
    vm_a, vm_b = _item(first.status, "vm-a"), _item(first.status, "vm-b")
    assert vm_a.intent is not None
    assert (vm_a.intent.operation, vm_a.intent.job_name, vm_a.intent.time) == (Operation.REPROTECT, None, NOW)
    # The second call waits for its own intent: a restart never finds an intent for a call not made.
    assert vm_b.intent is None
    assert first.requeue_after == timedelta(0)
    assert first.status.progression == Progression.STARTING_REPROTECT
    # Facts Site Recovery clears after reprotect are kept from before it.
    assert (vm_a.os_type, vm_a.os_version, vm_a.disk_count) == ("Windows", "Windows Server 2016", 2)
    recorded = record_outcome(first.status, start, CallOutcome(job_name="job-a"), NOW).status
    second = decide(request(), recorded, world, NOW)
    [next_start] = [a for a in second.actions if isinstance(a, StartOperation)]
    assert next_start.items == ("vm-b",)
    assert _item(second.status, "vm-a").intent is not None


def test_recorded_job_id_and_no_second_post_while_the_job_runs() -> None:
    first = decide(
        request(),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True),
        NOW,
    )
    status = first.status
    for action in first.actions:
        assert isinstance(action, StartOperation)
        recorded = record_outcome(status, action, CallOutcome(job_name=f"job-{action.items[0]}"), NOW)
        status = recorded.status
        assert recorded.events[-1].reason == "ReprotectStarted"
        assert f"job-{action.items[0]}" in recorded.events[-1].message
    # The second reprotect is made on the next look, one call per look.
    status = _both_reprotects_started()
    running = observe(
        item("vm-a", "Reprotecting"),
        item("vm-b", "Reprotecting"),
        jobs=(
            job("job-vm-a", "SwitchReplicationGroupProtection", "VM-A"),
            job("job-vm-b", "SwitchReplicationGroupProtection", "VM-B"),
        ),
    )
    again = decide(request(), status, running, later(1))
    assert not [a for a in again.actions if isinstance(a, StartOperation)]
    assert again.status.phase == Phase.REPROTECTING
    assert again.status.progression == Progression.WAITING_FOR_REPROTECT_JOBS
    vm_a = _item(again.status, "vm-a")
    assert vm_a is not None
    assert vm_a.current_job is not None
    assert (vm_a.current_job.name, vm_a.current_job.state) == ("job-vm-a", "InProgress")
    assert again.requeue_after == SETTINGS.active_poll


def _both_reprotects_started() -> PlanStatus:
    """Both reprotects called and recorded, one per look as the operator makes them."""
    status = PlanStatus()
    for _ in ("vm-a", "vm-b"):
        decision = decide(
            request(),
            status,
            observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True),
            NOW,
        )
        [action] = [a for a in decision.actions if isinstance(a, StartOperation)]
        outcome = CallOutcome(job_name=f"job-{action.items[0]}")
        status = record_outcome(decision.status, action, outcome, NOW).status
    return status


def _protected_status() -> PlanStatus:
    """A plan whose two items are reprotected and protected to on-premises."""
    status = _both_reprotects_started()
    jobs = (
        job("job-vm-a", "SwitchReplicationGroupProtection", "VM-A", state="Succeeded"),
        job("job-vm-b", "SwitchReplicationGroupProtection", "VM-B", state="Succeeded"),
    )
    syncing = decide(
        request(), status, observe(item("vm-a", "Syncing"), item("vm-b", "Syncing"), jobs=jobs), later(20)
    )
    return decide(
        request(),
        syncing.status,
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), jobs=jobs),
        later(60),
    ).status


def test_sync_then_protected_completes_a_reprotect_plan_and_releases_slots() -> None:
    status = _both_reprotects_started()
    jobs = (
        job("job-vm-a", "SwitchReplicationGroupProtection", "VM-A", state="Succeeded"),
        job("job-vm-b", "SwitchReplicationGroupProtection", "VM-B", state="Succeeded"),
    )
    syncing = decide(
        request(),
        status,
        observe(item("vm-a", "Syncing"), item("vm-b", "Protected"), jobs=jobs, reserved=True),
        later(20),
    )
    assert syncing.status.phase == Phase.SYNCING
    assert _condition(syncing.status, ConditionType.REPROTECTED) == ("True", "Done")
    assert _condition(syncing.status, ConditionType.PROTECTED) == ("False", "Partial")
    assert any(isinstance(a, ReleaseDiskSlots) for a in syncing.actions)
    assert "vm-a" in (syncing.status.message or "")
    done = decide(
        request(),
        syncing.status,
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), jobs=jobs),
        later(60),
    )
    assert done.status.phase == Phase.COMPLETED
    assert done.status.items_ready == "2/2"
    assert _condition(done.status, ConditionType.READY) == ("True", "Done")
    assert all(i.stage == ItemStage.PROTECTED_TO_ON_PREMISES for i in done.status.items or ())


def test_failback_waits_for_the_window_and_wakes_when_it_opens() -> None:
    early = later(-60)  # 21:30, the window opens at 22:00
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        early,
    )
    assert decision.status.phase == Phase.WAITING_FOR_WINDOW
    assert "FB040" in (decision.status.message or "")
    assert not decision.actions
    assert decision.requeue_after == SETTINGS.idle_poll  # 30 min to go, looked at every idle poll
    soon = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        later(-32),
    )
    assert soon.requeue_after is not None
    assert soon.requeue_after.total_seconds() == 2 * 60


def test_the_fb040_finding_does_not_hide_what_failback_waits_for() -> None:
    gate = failed(
        "FB040", Severity.BLOCK, ObjectRef(kind="FailbackPlan", name="windows-apps"), "no approval", "approve"
    )
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), pre_failback=(gate,)),
        NOW,
    )
    assert decision.status.phase == Phase.WAITING_FOR_APPROVAL
    assert decision.actions == ()


def test_failback_waits_for_an_approval_of_this_run() -> None:
    stale = approval("run-0")
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(stale,)),
        NOW,
    )
    assert decision.status.phase == Phase.WAITING_FOR_APPROVAL
    assert "run-1" in (decision.status.message or "")
    assert not decision.actions


def test_group_fails_back_through_its_recovery_plan_once() -> None:
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = [a for a in decision.actions if isinstance(a, StartOperation)]
    assert (start.operation, start.items, start.recovery_plan) == (
        Operation.FAILOVER,
        ("vm-a", "vm-b"),
        "rp-apps",
    )
    assert decision.status.phase == Phase.FAILING_BACK
    intents = {i.name: i.intent for i in decision.status.items or ()}
    assert all(
        i is not None and i.recovery_plan == "rp-apps" and i.operation == Operation.FAILOVER
        for i in intents.values()
    )


def _failed_back(
    shutdown_state: str = "Succeeded",
    req_action: Action = Action.FAILBACK,
    commit: CommitMode = CommitMode.MANUAL,
) -> tuple[Decision, Observation]:
    """Fail the group back through its recovery plan and look once the failover job has succeeded."""
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = [a for a in decision.actions if isinstance(a, StartOperation)]
    status = record_outcome(decision.status, start, CallOutcome(job_name="ufo-1"), NOW).status
    failover = job(
        "ufo-1", "UnplannedFailover", "rp-apps", state="Succeeded", tasks=shutdown_tasks(shutdown_state)
    )
    observation = observe(
        item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), jobs=(failover,), approvals=(approval(),)
    )
    return decide(request(req_action, commit=commit), status, observation, later(30)), observation


def test_manual_commit_waits_for_the_commit_action() -> None:
    status = _failed_back()[0].status
    assert status.phase == Phase.COMMITTING
    assert status.progression == Progression.WAITING_FOR_COMMIT_ACTION
    assert _condition(status, ConditionType.FAILED_BACK) == ("True", "Done")
    assert _condition(status, ConditionType.READY) == ("True", "Done")
    assert all(i.shutdown_confirmed for i in status.items or ())


def test_skipped_shutdown_pauses_before_commit() -> None:
    decision, observation = _failed_back("Other")
    commit = decide(request(Action.COMMIT), decision.status, observation, later(31))
    assert commit.status.phase == Phase.PAUSED
    assert commit.status.progression == Progression.SHUTDOWN_NOT_CONFIRMED
    assert "FB042" in (commit.status.message or "")
    assert not commit.actions


def test_commit_through_the_recovery_plan_then_completed() -> None:
    decision, observation = _failed_back()
    commit = decide(request(Action.COMMIT), decision.status, observation, later(31))
    [start] = commit.actions
    assert isinstance(start, StartOperation)
    assert (start.operation, start.recovery_plan) == (Operation.COMMIT, "rp-apps")
    status = record_outcome(commit.status, start, CallOutcome(job_name="commit-1"), later(31)).status
    done_job = job("commit-1", "CommitFailover", "rp-apps", state="Succeeded")
    done = decide(
        request(Action.COMMIT),
        status,
        observe(
            item("vm-a", "Committed"), item("vm-b", "Committed"), jobs=(done_job,), approvals=(approval(),)
        ),
        later(40),
    )
    assert done.status.phase == Phase.COMPLETED
    assert _condition(done.status, ConditionType.COMMITTED) == ("True", "Done")
    assert not done.actions


def test_after_commit_each_item_is_reprotected_to_azure() -> None:
    decision, observation = _failed_back()
    status = decide(request(Action.COMMIT), decision.status, observation, later(31)).status
    [vm_a, vm_b] = status.items or ()
    status = record_outcome(
        status,
        StartOperation(operation=Operation.COMMIT, items=("vm-a", "vm-b"), recovery_plan="rp-apps"),
        CallOutcome(job_name="c1"),
        later(31),
    ).status
    committed = observe(
        item("vm-a", "Committed"),
        item("vm-b", "Committed"),
        jobs=(job("c1", "CommitFailover", "rp-apps", state="Succeeded"),),
    )
    after = decide(
        request(Action.COMMIT, after_commit=AfterCommit.REPROTECT_TO_AZURE), status, committed, later(40)
    )
    status = after.status
    for name in ("vm-a", "vm-b"):
        [start] = [a for a in after.actions if isinstance(a, StartOperation)]
        assert (start.operation, start.items) == (Operation.REPROTECT_TO_AZURE, (name,))
        status = record_outcome(status, start, CallOutcome(job_name=f"r2a-{name}"), later(40)).status
        after = decide(
            request(Action.COMMIT, after_commit=AfterCommit.REPROTECT_TO_AZURE), status, committed, later(40)
        )
        status = after.status
    home = observe(
        item("vm-a", "ProtectedToAzure"),
        item("vm-b", "ProtectedToAzure"),
        jobs=tuple(
            job(f"r2a-{n}", "SwitchReplicationGroupProtection", n.upper(), state="Succeeded", start=later(40))
            for n in ("vm-a", "vm-b")
        ),
    )
    done = decide(
        request(Action.COMMIT, after_commit=AfterCommit.REPROTECT_TO_AZURE), status, home, later(90)
    )
    assert done.status.phase == Phase.COMPLETED, done.status.message
    assert all(i.completed_round_trip for i in done.status.items or ())
    assert vm_a.name == "vm-a"
    assert vm_b.name == "vm-b"


def test_auto_commit_commits_right_after_a_confirmed_failback() -> None:
    decision, _ = _failed_back(commit=CommitMode.AUTO)
    assert decision.status.progression == Progression.STARTING_COMMIT
    [start] = decision.actions
    assert isinstance(start, StartOperation)
    assert (start.operation, start.items, start.recovery_plan) == (
        Operation.COMMIT,
        ("vm-a", "vm-b"),
        "rp-apps",
    )


def test_blocking_prerequisite_stops_reprotect_and_names_the_rule() -> None:
    snapshot = failed(
        "FB006",
        Severity.BLOCK,
        ObjectRef(kind="MasterTarget", name="mt-win"),
        "master target mt-win has 1 snapshot: nightly",
        "delete the snapshot",
    )
    ok = passed(
        "FB024", Severity.BLOCK, ObjectRef(kind="MasterTarget", name="mt-win"), "disk.EnableUUID is TRUE"
    )
    decision = decide(
        request(),
        PlanStatus(),
        observe(
            item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), pre_reprotect=(snapshot, ok)
        ),
        NOW,
    )
    assert decision.status.phase == Phase.PREFLIGHT
    assert decision.status.progression == Progression.PREREQUISITES_BLOCKED
    assert not decision.actions
    status, reason = _condition(decision.status, ConditionType.PREREQUISITES_MET)
    assert (status, reason) == ("False", "Blocked")
    met = find_condition(decision.status.conditions or (), ConditionType.PREREQUISITES_MET)
    assert met is not None
    assert "FB006" in met.message
    assert "nightly" in met.message
    assert decision.events
    assert decision.events[0].type == "Warning"


def _retention_wait() -> Finding:
    return Finding(
        rule="FB021",
        severity=Severity.BLOCK,
        object=ObjectRef(kind="RetentionVolume", name="mt-win/G"),
        message="master target mt-win does not offer retention drive G; waiting until 23:15Z (FB022)",
        remedy="add a dedicated volume",
        waiting_until=NOW + timedelta(minutes=12),
    )


def test_a_retention_drive_being_waited_for_holds_reprotect_back_without_blocking_it() -> None:
    decision = decide(
        request(),
        PlanStatus(),
        observe(
            item("vm-a", "FailedOverToAzure"),
            item("vm-b", "FailedOverToAzure"),
            reserved=True,
            pre_reprotect=(_retention_wait(),),
        ),
        NOW,
    )
    assert decision.actions == ()
    assert decision.status.phase == Phase.PREFLIGHT
    assert decision.status.progression == Progression.WAITING_FOR_PREREQUISITES
    assert "reprotect waits: FB021 RetentionVolume/mt-win/G" in (decision.status.message or "")
    assert _condition(decision.status, ConditionType.PREREQUISITES_MET) == ("False", "Waiting")
    # Looked at again at the active pace, not the idle one: the volume may be listed any minute.
    assert decision.requeue_after == SETTINGS.active_poll


def test_a_real_failure_next_to_a_wait_blocks() -> None:
    snapshot = failed(
        "FB006", Severity.BLOCK, ObjectRef(kind="MasterTarget", name="mt-win"), "1 snapshot", "delete it"
    )
    decision = decide(
        request(),
        PlanStatus(),
        observe(
            item("vm-a", "FailedOverToAzure"),
            item("vm-b", "FailedOverToAzure"),
            reserved=True,
            pre_reprotect=(_retention_wait(), snapshot),
        ),
        NOW,
    )
    assert decision.status.progression == Progression.PREREQUISITES_BLOCKED
    assert _condition(decision.status, ConditionType.PREREQUISITES_MET) == ("False", "Blocked")


def test_preflight_action_reports_a_wait_as_waiting() -> None:
    decision = decide(
        request(Action.PREFLIGHT),
        PlanStatus(),
        observe(
            item("vm-a", "FailedOverToAzure"),
            item("vm-b", "FailedOverToAzure"),
            pre_reprotect=(_retention_wait(),),
        ),
        NOW,
    )
    assert decision.actions == ()
    assert (decision.status.phase, decision.status.progression) == (
        Phase.PREFLIGHT,
        Progression.WAITING_FOR_PREREQUISITES,
    )
    assert decision.requeue_after == SETTINGS.active_poll


def test_preflight_action_never_calls_site_recovery() -> None:
    decision = decide(
        request(Action.PREFLIGHT),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True),
        NOW,
    )
    assert decision.actions == ()
    assert decision.status.phase == Phase.COMPLETED
    assert decision.status.progression == Progression.PREFLIGHT_PASSED
    assert _condition(decision.status, ConditionType.READY) == ("True", "Done")


def test_items_not_failed_over_are_refused() -> None:
    decision = decide(request(), PlanStatus(), observe(item("vm-a", "ProtectedToAzure")), NOW)
    assert decision.status.progression == Progression.ITEMS_NOT_FOUND
    assert "vm-b (Missing)" in (decision.status.message or "")
    assert "vm-a (ProtectedToAzure)" in (decision.status.message or "")
    assert not decision.actions


def test_failover_to_azure_must_be_committed_first() -> None:
    decision = decide(
        request(),
        PlanStatus(),
        observe(item("vm-a", "PendingCommitInAzure"), item("vm-b", "FailedOverToAzure")),
        NOW,
    )
    assert decision.status.progression == Progression.PREREQUISITES_BLOCKED
    assert "vm-a is not committed" in (decision.status.message or "")
    assert not decision.actions


def test_multi_item_group_without_recovery_plan_cannot_fail_back() -> None:
    groups = (ReplicationGroup(name="apps", items=("vm-a", "vm-b")),)
    protected = observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),))
    decision = decide(request(Action.FAILBACK, groups=groups), PlanStatus(), protected, NOW)
    assert decision.status.progression == Progression.FAILBACK_BLOCKED
    assert "FB030" in (decision.status.message or "")
    assert not decision.actions


def test_single_item_fails_back_by_itself() -> None:
    groups = (ReplicationGroup(name="db", items=("vm-a",)),)
    decision = decide(
        request(Action.FAILBACK, groups=groups),
        PlanStatus(),
        observe(item("vm-a", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = decision.actions
    assert isinstance(start, StartOperation)
    assert (start.operation, start.items, start.recovery_plan) == (Operation.FAILOVER, ("vm-a",), None)


def test_conditions_carry_the_generation_and_keep_transition_times() -> None:
    first = decide(
        request(generation=7), PlanStatus(), observe(item("vm-a", "Syncing"), item("vm-b", "Syncing")), NOW
    )
    second = decide(
        request(generation=7),
        first.status,
        observe(item("vm-a", "Syncing"), item("vm-b", "Syncing")),
        later(5),
    )
    for before, after in zip(first.status.conditions or (), second.status.conditions or (), strict=True):
        assert after.observed_generation == 7
        assert after.last_transition_time == before.last_transition_time
    assert second.events == ()  # nothing changed, nothing posted
    assert second.status.observed_generation == 7


def test_sync_progress_is_shown_per_item_while_syncing() -> None:
    decision = decide(
        request(),
        PlanStatus(),
        observe(
            item("vm-a", "Syncing", sync_progress_percent=40),
            item("vm-b", "Protected", sync_progress_percent=100),
        ),
        NOW,
    )
    assert _item(decision.status, "vm-a").sync_progress_percent == 40
    assert _item(decision.status, "vm-b").sync_progress_percent is None  # protected: nothing to sync
    assert "vm-a (40%)" in (decision.status.message or "")
    wild = decide(
        request(),
        PlanStatus(),
        observe(item("vm-a", "Syncing", sync_progress_percent=140), item("vm-b", "Syncing")),
        NOW,
    )
    assert _item(wild.status, "vm-a").sync_progress_percent == 100
    assert _item(wild.status, "vm-b").sync_progress_percent is None


def test_a_recovery_plan_holding_another_machine_blocks_the_commit_fb046() -> None:
    decision, observation = _failed_back()
    foreign = failed(
        "FB046",
        Severity.BLOCK,
        ObjectRef(kind="ReplicationGroup", name="bring-apps-home/apps"),
        "recovery plan rp-apps holds vm-z, not in group apps: its failover and commit act on every machine",
        "in the vault, remove vm-z in recovery plan rp-apps",
    )
    blocked_observation = dataclasses.replace(observation, pre_failback=(foreign,))
    commit = decide(request(Action.COMMIT), decision.status, blocked_observation, later(31))
    assert not [a for a in commit.actions if isinstance(a, StartOperation)]
    assert commit.status.progression == Progression.FAILBACK_BLOCKED
    assert "FB046" in (commit.status.message or "")
    assert "vm-z" in (commit.status.message or "")
    # Without it, the same look commits through the recovery plan.
    [start] = decide(request(Action.COMMIT), decision.status, observation, later(31)).actions
    assert isinstance(start, StartOperation)
    assert start.operation == Operation.COMMIT


def test_before_commit_is_asked_status_and_event_say_that_commit_removes_the_azure_vms() -> None:
    decision = _failed_back()[0]
    assert decision.status.progression == Progression.WAITING_FOR_COMMIT_ACTION
    text = "commit removes the failed-over Azure VMs of the group"
    assert text in (decision.status.message or "")
    ready = find_condition(decision.status.conditions or (), ConditionType.READY)
    assert ready is not None
    assert text in ready.message
    assert any(text in e.message for e in decision.events if e.reason == "WaitingForCommitAction")


def test_a_lost_answer_through_a_recovery_plan_adopts_the_plans_job_not_a_machines_child_job() -> None:
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = [a for a in decision.actions if isinstance(a, StartOperation)]
    lost = record_outcome(decision.status, start, CallOutcome(), NOW).status  # the answer was lost
    plan_job = job("real-1", "UnplannedFailover", "rp-apps", start=later(1))
    # Listed too, and newer: the per-machine child jobs the plan job runs, on the same machines.
    children = tuple(
        job(f"child-{name}", "UnplannedFailover", name.upper(), start=later(2)) for name in ("vm-a", "vm-b")
    )
    looked = decide(
        request(Action.FAILBACK),
        lost,
        observe(
            item("vm-a", "FailingBack"),
            item("vm-b", "FailingBack"),
            jobs=(plan_job, *children),
            approvals=(approval(),),
        ),
        later(3),
    )
    assert {i.intent.job_name for i in looked.status.items or () if i.intent} == {"real-1"}


def test_a_machine_failing_in_a_plan_job_shows_its_child_jobs_error_on_each_item() -> None:
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = [a for a in decision.actions if isinstance(a, StartOperation)]
    status = record_outcome(decision.status, start, CallOutcome(job_name="plan-job"), NOW).status

    def machine(name: str, state: str) -> JobTask:
        return JobTask(
            id=f"task-{name}",
            name="Unknown",
            state=state,
            task_type="VirtualMachineTaskDetails",
            child_job_id=f"child-{name}",
            target_object_name=name.upper(),
        )

    boot = JobTask(
        id="Group1",
        name="Unknown",
        state="Failed",
        task_type="RecoveryPlanGroupTaskDetails",
        group_type="BootGroup",
        children=(machine("vm-a", "Succeeded"), machine("vm-b", "Failed")),
    )
    plan_job = dataclasses.replace(
        job("plan-job", "UnplannedFailover", "rp-apps", state="Failed"),
        target_instance_type="RecoveryPlan",
        tasks=(boot,),
        detailed=True,
    )
    error = JobError(code="8038", message="Failed to bring up the on-premises virtual machine")
    child = dataclasses.replace(
        job("child-vm-b", "UnplannedFailover", "VM-B", state="Failed"), errors=(error,), detailed=True
    )
    looked = decide(
        request(Action.FAILBACK),
        status,
        observe(
            item("vm-a", "Protected"),
            item("vm-b", "Protected"),
            jobs=(plan_job, child),
            approvals=(approval(),),
        ),
        later(10),
    )
    errors = {i.name: i.last_error for i in looked.status.items or ()}
    assert errors["vm-b"] is not None
    assert (errors["vm-b"].code, errors["vm-b"].rule_id) == ("8038", "FB044")
    assert errors["vm-a"] is not None
    assert errors["vm-a"].code == "8038"
    assert "on VM-B, in the same recovery plan job" in errors["vm-a"].message
    assert looked.status.progression == Progression.JOB_FAILED


def _failover_recorded() -> PlanStatus:
    decision = decide(
        request(Action.FAILBACK),
        _protected_status(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = [a for a in decision.actions if isinstance(a, StartOperation)]
    return record_outcome(decision.status, start, CallOutcome(job_name="ufo-1"), NOW).status


def test_a_jobs_list_behind_the_items_makes_commit_wait_for_the_failover_job_not_pause() -> None:
    """Items and jobs are read apart: the items may show FailedBack before the list shows the job (FB042)."""
    status = _failover_recorded()
    lagging = observe(item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), approvals=(approval(),))
    waiting = decide(request(Action.FAILBACK), status, lagging, NOW + timedelta(seconds=10))
    assert waiting.status.phase == Phase.FAILING_BACK, waiting.status.message
    assert not waiting.actions
    failover = job("ufo-1", "UnplannedFailover", "rp-apps", state="Succeeded", tasks=shutdown_tasks())
    listed = observe(
        item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), jobs=(failover,), approvals=(approval(),)
    )
    done = decide(request(Action.FAILBACK), waiting.status, listed, NOW + timedelta(seconds=12))
    assert (done.status.phase, done.status.progression) == (
        Phase.COMMITTING,
        Progression.WAITING_FOR_COMMIT_ACTION,
    )
    assert all(i.shutdown_confirmed for i in done.status.items or ())


def test_a_failover_job_never_listed_still_pauses_once_the_intent_grace_is_over() -> None:
    status = _failover_recorded()
    lagging = observe(item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), approvals=(approval(),))
    decision = decide(
        request(Action.FAILBACK), status, lagging, NOW + SETTINGS.intent_grace + timedelta(seconds=1)
    )
    assert (decision.status.phase, decision.status.progression) == (
        Phase.PAUSED,
        Progression.SHUTDOWN_NOT_CONFIRMED,
    )


# --- a failover that Site Recovery could not complete (recorded: UnplannedFailoverCompletionFailed) --


def _failover_failed_on_vm_b(jobs: tuple[Job, ...], status: PlanStatus, minutes: float) -> Decision:
    return decide(
        request(Action.FAILBACK),
        status,
        observe(
            item("vm-a", "Protected"), item("vm-b", "FailoverFailed"), jobs=jobs, approvals=(approval(),)
        ),
        later(minutes),
    )


def test_a_failover_left_incomplete_fails_the_plan_with_the_jobs_rule_not_as_changed_outside() -> None:
    status = _failover_recorded()
    failed_job = dataclasses.replace(
        job("ufo-1", "UnplannedFailover", "rp-apps", state="Failed"),
        errors=(JobError(code="8038", message="Failed to bring up the on-premises virtual machine"),),
        detailed=True,
    )
    looked = _failover_failed_on_vm_b((failed_job,), status, 10)
    assert (looked.status.phase, looked.status.progression) == (Phase.FAILED, Progression.JOB_FAILED)
    assert "FB044" in (looked.status.message or "")
    errors = {i.name: i.last_error for i in looked.status.items or ()}
    assert errors["vm-b"] is not None
    assert errors["vm-b"].code == "8038"


def test_a_failover_left_incomplete_without_its_job_is_reported_with_rule_and_remedy() -> None:
    """The job aged out of the list (or a new run looks): the item's own state must tell, not a wait."""
    status = _failover_recorded()
    looked = _failover_failed_on_vm_b((), status, 60 * 24)
    assert (looked.status.phase, looked.status.progression) == (Phase.FAILED, Progression.JOB_FAILED)
    message = looked.status.message or ""
    assert "78037" in message
    assert "FB042" in message
    assert "Failover couldn't be completed" in message
    error = {i.name: i.last_error for i in looked.status.items or ()}["vm-b"]
    assert error is not None
    assert (error.code, error.rule_id) == ("78037", "FB042")
    assert error.remedy
    # Still so at the next look, and with a new run: nothing is sent while the machine is in that state.
    again = _failover_failed_on_vm_b((), looked.status, 60 * 24 + 1)
    assert again.status.phase == Phase.FAILED
    assert not [a for a in again.actions if isinstance(a, StartOperation)]
    new_run = decide(
        request(Action.FAILBACK, run="run-2"),
        again.status,
        observe(item("vm-a", "Protected"), item("vm-b", "FailoverFailed"), approvals=(approval("run-2"),)),
        later(60 * 24 + 2),
    )
    assert new_run.status.phase == Phase.FAILED, new_run.status.message
    assert not [a for a in new_run.actions if isinstance(a, StartOperation)]


def test_an_unknown_job_error_on_a_failover_left_incomplete_is_reported_under_fb042_with_its_words() -> None:
    status = _failover_recorded()
    failed_job = dataclasses.replace(
        job("ufo-1", "UnplannedFailover", "rp-apps", state="Failed"),
        errors=(JobError(code="99123", message="The recovery VM could not be started"),),
        detailed=True,
    )
    looked = _failover_failed_on_vm_b((failed_job,), status, 10)
    # vm-a, whose failover the error does not explain, pauses the plan ("cannot tell" comes first);
    # vm-b's own state names the rule.
    assert looked.status.phase == Phase.PAUSED
    assert "FB042" in (looked.status.message or "")
    error = {i.name: i.last_error for i in looked.status.items or ()}["vm-b"]
    assert error is not None
    assert (error.code, error.rule_id) == ("78037", "FB042")
    assert "99123 The recovery VM could not be started" in error.message


def test_a_failover_left_incomplete_waits_for_its_jobs_own_error_while_the_job_is_still_to_be_read() -> None:
    """Items and jobs are read apart: the item may show the failed failover before its job is read."""
    status = _failover_recorded()
    listed_failed = job("ufo-1", "UnplannedFailover", "rp-apps", state="Failed")  # a list entry: no errors
    waiting = _failover_failed_on_vm_b((listed_failed,), status, 10)
    assert waiting.status.phase == Phase.FAILING_BACK, waiting.status.message
    assert not [a for a in waiting.actions if isinstance(a, StartOperation)]
    read = dataclasses.replace(
        listed_failed,
        errors=(JobError(code="8038", message="Failed to bring up the on-premises virtual machine"),),
        detailed=True,
    )
    judged = _failover_failed_on_vm_b((read,), waiting.status, 11)
    assert (judged.status.phase, judged.status.progression) == (Phase.FAILED, Progression.JOB_FAILED)
    assert "FB044" in (judged.status.message or "")


def test_a_failover_left_incomplete_whose_job_is_not_listed_yet_waits_only_within_the_intent_grace() -> None:
    status = _failover_recorded()
    soon = _failover_failed_on_vm_b((), status, 0.01)
    assert soon.status.phase == Phase.FAILING_BACK, soon.status.message
    late = _failover_failed_on_vm_b((), soon.status, 60)
    assert late.status.phase == Phase.FAILED
    assert "FB042" in (late.status.message or "")
