"""FB030: a classic group on the latest point does not come back at one point in time; the plan says so."""

from __future__ import annotations

import dataclasses

from failback_operator.api.resources import Action
from failback_operator.api.status import FailbackPlanStatus as PlanStatus
from failback_operator.facts import Architecture, RecoveryPointType
from failback_operator.workflow import PlanRequest, decide

from .world import approval, item, later, observe, request

NOW = later(0)


def _request(point: RecoveryPointType, architecture: Architecture = Architecture.CLASSIC) -> PlanRequest:
    base = request(Action.FAILBACK, architecture=architecture)
    return dataclasses.replace(base, plan=dataclasses.replace(base.plan, recovery_point_type=point))


def _protected(architecture: Architecture = Architecture.CLASSIC, approved: bool = True):  # type: ignore[no-untyped-def]
    return observe(
        item("vm-a", "Protected", architecture),
        item("vm-b", "Protected", architecture),
        approvals=(approval(),) if approved else (),
    )


def test_classic_latest_says_each_machine_gets_its_own_point_before_and_at_failover() -> None:
    waiting = decide(_request(RecoveryPointType.LATEST_TIME), PlanStatus(), _protected(approved=False), NOW)
    assert "each machine its own latest point in time" in (waiting.status.message or "")
    started = decide(_request(RecoveryPointType.LATEST_TIME), PlanStatus(), _protected(), NOW)
    assert "each machine its own latest point in time" in (started.status.message or "")
    points = {
        (i.name, i.recovery_point.type, i.recovery_point.common_to_group)
        for i in started.status.items or ()
        if i.recovery_point
    }
    assert points == {("vm-a", "LatestTime", False), ("vm-b", "LatestTime", False)}
    assert any(e.reason == "StartingFailover" and "own latest point" in e.message for e in started.events)


def test_classic_application_consistent_point_is_common_to_the_group() -> None:
    waiting = decide(_request(RecoveryPointType.LATEST_TAG), PlanStatus(), _protected(approved=False), NOW)
    assert "own latest point" not in (waiting.status.message or "")
    started = decide(_request(RecoveryPointType.LATEST_TAG), PlanStatus(), _protected(), NOW)
    assert "common application-consistent point" in (started.status.message or "")
    assert {
        (i.recovery_point.type, i.recovery_point.common_to_group)
        for i in started.status.items or ()
        if i.recovery_point
    } == {("LatestTag", True)}


def test_a_modernized_group_uses_its_multi_vm_sync_point() -> None:
    started = decide(
        _request(RecoveryPointType.CRASH_CONSISTENT, Architecture.MODERNIZED),
        PlanStatus(),
        _protected(Architecture.MODERNIZED),
        NOW,
    )
    assert "multi-VM sync point" in (started.status.message or "")
    assert {
        (i.recovery_point.type, i.recovery_point.common_to_group)
        for i in started.status.items or ()
        if i.recovery_point
    } == {("CrashConsistent", True)}
