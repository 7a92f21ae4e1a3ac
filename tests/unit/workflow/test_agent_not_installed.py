"""FB028: "agent not installed" as a refused POST or as a failed job, its window counted from the failover."""

from __future__ import annotations

from datetime import timedelta

from failback_operator.api.status import FailbackPlanStatus as PlanStatus
from failback_operator.api.status import ItemStatus
from failback_operator.api.vocabulary import EventReason, Operation, Phase, Progression
from failback_operator.facts import Architecture, JobError, ProtectedItem, ReplicationGroup
from failback_operator.workflow import CallOutcome, Decision, StartOperation, decide, record_outcome

from .world import SETTINGS, item, job, later, observe, request

NOW = later(0)
SINGLE = (ReplicationGroup(name="apps", items=("vm-a",)),)
AGENT_MESSAGE = "Protection couldn't be enabled: the Mobility service agent is not installed on the VM"
WINDOW = SETTINGS.rules.agent_registration_window


def _item_status(decision: Decision) -> ItemStatus:
    return next(i for i in decision.status.items or () if i.name == "vm-a")


def _failed_over(minutes_ago: float, **extra: object) -> ProtectedItem:
    return item(
        "vm-a", "FailedOverToAzure", last_successful_failover=NOW - timedelta(minutes=minutes_ago), **extra
    )


def _started(vm: ProtectedItem) -> Decision:
    """A look that starts reprotect, with the job the call got recorded."""
    first = decide(request(groups=SINGLE), PlanStatus(), observe(vm, reserved=True), NOW)
    [start] = [a for a in first.actions if isinstance(a, StartOperation)]
    return record_outcome(first.status, start, CallOutcome(job_name="rp-1"), NOW)


def _failed_job(at: float) -> tuple:  # type: ignore[type-arg]
    return (
        job(
            "rp-1",
            "SwitchReplicationGroupProtection",
            "VM-A",
            state="Failed",
            start=NOW,
            errors=(JobError(code="", message=AGENT_MESSAGE),),
        ),
    )


def test_a_failed_reprotect_job_saying_agent_not_installed_is_retried_not_failed() -> None:
    vm = _failed_over(2)
    started = _started(vm)
    looked = decide(
        request(groups=SINGLE), started.status, observe(vm, jobs=_failed_job(1), reserved=True), later(1)
    )
    assert looked.status.phase == Phase.REPROTECTING
    assert looked.status.progression == Progression.WAITING_FOR_AGENT
    assert "FB028" in (looked.status.message or "")
    refusals = _item_status(looked).agent_refusals
    assert refusals is not None
    assert refusals.count == 1
    assert _item_status(looked).last_error is None
    # Retried once the backoff has passed, as a second attempt.
    retry = decide(
        request(groups=SINGLE), looked.status, observe(vm, jobs=_failed_job(1), reserved=True), later(3)
    )
    [start] = [a for a in retry.actions if isinstance(a, StartOperation)]
    assert (start.operation, start.attempt) == (Operation.REPROTECT, 2)


def _agent_events(decision: Decision) -> list[str]:
    return [e.message for e in decision.events if e.reason == EventReason.AGENT_NOT_INSTALLED]


def test_a_refusal_posts_one_agent_not_installed_event_whether_refused_at_the_post_or_by_the_job() -> None:
    vm = _failed_over(2)
    started = _started(vm)
    by_job = decide(
        request(groups=SINGLE), started.status, observe(vm, jobs=_failed_job(1), reserved=True), later(1)
    )
    first = decide(request(groups=SINGLE), PlanStatus(), observe(vm, reserved=True), NOW)
    [start] = [a for a in first.actions if isinstance(a, StartOperation)]
    at_post = record_outcome(first.status, start, CallOutcome(refused=True, message=AGENT_MESSAGE), NOW)
    [job_event] = _agent_events(by_job)
    [post_event] = _agent_events(at_post)
    # The same words; only the time of the next attempt differs.
    assert job_event.split(";")[0] == post_event.split(";")[0]
    assert job_event.startswith("item vm-a: ")
    assert job_event.endswith("(FB028)")
    # The next look, with the failed job still listed, is no new refusal: no second Event.
    again = decide(
        request(groups=SINGLE), by_job.status, observe(vm, jobs=_failed_job(1), reserved=True), later(1.5)
    )
    assert _agent_events(again) == []


def test_the_window_runs_from_the_failover_not_from_the_first_refusal() -> None:
    vm = _failed_over(WINDOW.total_seconds() / 60 + 1)  # booted in Azure more than 15 minutes ago
    started = _started(vm)
    refused = record_outcome(
        started.status,
        StartOperation(operation=Operation.REPROTECT, items=("vm-a",)),
        CallOutcome(refused=True, message=AGENT_MESSAGE),
        NOW,
    )
    status = _item_status(refused)
    assert status.agent_refusals is None
    assert status.last_error is not None
    assert status.failed_over_at == vm.last_successful_failover


def test_the_window_from_the_failover_bounds_the_retries() -> None:
    vm = _failed_over(10)
    started = _started(vm)
    refused = record_outcome(
        started.status,
        StartOperation(operation=Operation.REPROTECT, items=("vm-a",)),
        CallOutcome(refused=True, message=AGENT_MESSAGE),
        NOW,
    )
    refusals = _item_status(refused).agent_refusals
    assert refusals is not None
    assert refusals.next_attempt_at <= vm.last_successful_failover + WINDOW  # type: ignore[operator]


def test_agent_registered_after_failover_means_the_refusal_is_not_the_window() -> None:
    vm = _failed_over(2, agent_registered_after_failover=True)
    started = _started(vm)
    assert _item_status(started).agent_registered is True
    looked = decide(
        request(groups=SINGLE), started.status, observe(vm, jobs=_failed_job(1), reserved=True), later(1)
    )
    status = _item_status(looked)
    assert status.agent_refusals is None
    assert status.last_error is not None


def test_another_failed_reprotect_job_still_fails_the_plan() -> None:
    vm = _failed_over(2)
    started = _started(vm)
    other = (
        job(
            "rp-1",
            "SwitchReplicationGroupProtection",
            "VM-A",
            state="Failed",
            errors=(JobError(code="8061", message="datastore not reachable"),),
        ),
    )
    looked = decide(request(groups=SINGLE), started.status, observe(vm, jobs=other, reserved=True), later(1))
    status = _item_status(looked)
    assert status.agent_refusals is None
    assert status.last_error is not None
    assert status.last_error.code == "8061"


# --- modernized: Site Recovery tells whether the agent registered after the failover ------------


def _rcm_failed_over(minutes_ago: float, registered: bool | None) -> ProtectedItem:
    return item(
        "vm-a",
        "FailedOverToAzure",
        Architecture.MODERNIZED,
        last_successful_failover=NOW - timedelta(minutes=minutes_ago),
        agent_registered_after_failover=registered,
    )


def _modernized(vm: ProtectedItem, status: PlanStatus, minutes: float) -> Decision:
    return decide(
        request(groups=SINGLE, architecture=Architecture.MODERNIZED),
        status,
        observe(vm, reserved=True),
        later(minutes),
    )


def test_no_reprotect_is_posted_while_site_recovery_reports_the_agent_not_registered() -> None:
    waiting = _modernized(_rcm_failed_over(2, registered=False), PlanStatus(), 0)
    assert not [a for a in waiting.actions if isinstance(a, StartOperation)]
    assert waiting.status.progression == Progression.WAITING_FOR_AGENT
    assert "FB028" in (waiting.status.message or "")
    # Looked at again soon, not at the idle pace.
    assert waiting.requeue_after is not None
    assert waiting.requeue_after <= SETTINGS.rules.agent_retry_initial
    # Once Site Recovery reports the agent registered, reprotect goes.
    registered = _modernized(_rcm_failed_over(2.5, registered=True), waiting.status, 0.5)
    [start] = [a for a in registered.actions if isinstance(a, StartOperation)]
    assert (start.operation, start.attempt) == (Operation.REPROTECT, 1)


def test_past_the_window_reprotect_is_posted_even_if_the_flag_stays_false() -> None:
    late = _modernized(_rcm_failed_over(WINDOW.total_seconds() / 60 + 1, registered=False), PlanStatus(), 0)
    [start] = [a for a in late.actions if isinstance(a, StartOperation)]
    assert start.operation == Operation.REPROTECT
