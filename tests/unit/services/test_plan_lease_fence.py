"""A replica that no longer holds the operator's Lease takes no step on a plan, not even a read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from failback_operator.runtime import build_runtime
from failback_operator.services.plans import PlanService


class NoStore:
    """Fails the test on any use: a replica without the lease must not touch the plan."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        raise AssertionError(f"the plan was touched ({name}) without the lease")


async def test_a_look_without_the_lease_reads_and_writes_nothing() -> None:
    store = NoStore()
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=None,  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 11, 28, tzinfo=UTC),
        may_act=lambda: False,
    )
    assert await service.look("team-apps", "app1") == timedelta(seconds=1)
    assert store.calls == []


async def test_a_look_with_the_lease_goes_on_to_read_the_plan() -> None:
    store = NoStore()
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=None,  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 11, 28, tzinfo=UTC),
    )
    with pytest.raises(AssertionError, match="touched"):
        await service.look("team-apps", "app1")
    assert store.calls == ["get"]  # standalone: the fence is always open


def test_the_runtime_hands_the_lease_check_to_the_plan_service(monkeypatch: Any) -> None:
    import failback_operator.services.kube as kube

    monkeypatch.setattr(kube, "load_api_client", lambda: None)
    leading = [True]
    runtime = build_runtime({}, may_act=lambda: leading[0])
    assert runtime.plans.may_act()
    leading[0] = False
    assert not runtime.plans.may_act()
    assert build_runtime({}).plans.may_act()
