"""Calls held back by "one intent at a time" follow in the same look, each after its own intent."""

from __future__ import annotations

from datetime import timedelta

from failback_operator.api.resources import Action
from failback_operator.api.status import FailbackPlanStatus as PlanStatus
from failback_operator.api.vocabulary import Operation
from failback_operator.facts import ReplicationGroup
from failback_operator.workflow import (
    CallOutcome,
    StartOperation,
    decide,
    decide_following_call,
    record_outcome,
)

from .world import NOW, SETTINGS, approval, item, observe, request

_MACHINES = tuple(f"vm-{n:02d}" for n in range(25))


def _started(decision_actions: tuple[object, ...]) -> list[StartOperation]:
    return [a for a in decision_actions if isinstance(a, StartOperation)]


def test_a_25_machine_group_starts_every_reprotect_on_one_observation_one_intent_at_a_time() -> None:
    plan = request(groups=(ReplicationGroup(name="apps", items=_MACHINES, recovery_plan="rp-apps"),))
    world = observe(*(item(n, "FailedOverToAzure") for n in _MACHINES), reserved=True)
    decision = decide(plan, PlanStatus(), world, NOW, SETTINGS)
    called: list[str] = []
    while decision is not None:
        [start] = _started(decision.actions)
        # Before each call, exactly one item holds an intent without a job: the one about to be called.
        unanswered = [i.name for i in decision.status.items or () if i.intent and i.intent.job_name is None]
        assert unanswered == list(start.items)
        assert start.operation == Operation.REPROTECT
        called.extend(start.items)
        recorded = record_outcome(decision.status, start, CallOutcome(job_name=f"job-{start.items[0]}"), NOW)
        decision = decide_following_call(plan, recorded.status, world, NOW, SETTINGS)
        status = recorded.status
    assert called == list(_MACHINES)  # each once, in the group's order
    assert {i.name: i.intent.job_name for i in status.items or () if i.intent} == {
        n: f"job-{n}" for n in _MACHINES
    }


def test_nothing_follows_a_reservation_or_a_plan_with_no_call_left() -> None:
    plan = request()
    unreserved = observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=False)
    assert decide_following_call(plan, PlanStatus(), unreserved, NOW, SETTINGS) is None
    reserved = observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True)
    status = PlanStatus()
    for _ in range(2):
        following = decide_following_call(plan, status, reserved, NOW, SETTINGS)
        assert following is not None
        [start] = _started(following.actions)
        status = record_outcome(following.status, start, CallOutcome(job_name="job"), NOW).status
    assert decide_following_call(plan, status, reserved, NOW, SETTINGS) is None


def test_failovers_of_single_machine_groups_are_not_followed_in_the_same_look() -> None:
    """Each failover causes downtime: it waits for a look of its own, with approval and checks read afresh."""
    plan = request(
        action=Action.FAILBACK,
        groups=(
            ReplicationGroup(name="a", items=("vm-a",)),
            ReplicationGroup(name="b", items=("vm-b",)),
        ),
    )
    world = observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),))
    first = decide(plan, PlanStatus(), world, NOW, SETTINGS)
    [start] = _started(first.actions)
    assert start.operation == Operation.FAILOVER
    recorded = record_outcome(first.status, start, CallOutcome(job_name="job-fo-a"), NOW).status
    # The next look would fail the other group back; this one does not.
    again = decide(plan, recorded, world, NOW, SETTINGS)
    assert [a.operation for a in _started(again.actions)] == [Operation.FAILOVER]
    assert decide_following_call(plan, recorded, world, NOW, SETTINGS) is None


def test_a_throttled_call_asks_to_be_made_again_after_arms_retry_after() -> None:
    plan = request()
    world = observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True)
    first = decide(plan, PlanStatus(), world, NOW, SETTINGS)
    [start] = _started(first.actions)
    throttled = CallOutcome(
        not_sent=True, code="SubscriptionRequestsThrottled", retry_after=timedelta(seconds=3)
    )
    assert record_outcome(first.status, start, throttled, NOW).requeue_after == timedelta(seconds=3)
    unreachable = CallOutcome(not_sent=True, code="ServiceRequestError")
    assert record_outcome(first.status, start, unreachable, NOW).requeue_after is None
    answered = CallOutcome(job_name="job-a", retry_after=timedelta(seconds=3))
    assert record_outcome(first.status, start, answered, NOW).requeue_after is None
