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
    import failback_operator.storage.kube as kube

    monkeypatch.setattr(kube, "load_api_client", lambda **_: None)
    leading = [True]
    runtime = build_runtime({}, may_act=lambda: leading[0])
    assert runtime.plans.may_act()
    leading[0] = False
    assert not runtime.plans.may_act()
    assert build_runtime({}).plans.may_act()


class RecordingStore:
    """Takes status writes as the API server would, and remembers them."""

    def __init__(self) -> None:
        self.writes = 0

    async def replace_status(self, obj: dict[str, Any], status: Any) -> dict[str, Any]:
        self.writes += 1
        return obj


@pytest.mark.parametrize("leading_at_the_call", [True, False])
async def test_a_call_after_its_intent_is_made_only_while_leading(
    monkeypatch: pytest.MonkeyPatch, repo_root: Any, leading_at_the_call: bool
) -> None:
    """The lease lost between the intent and the call: the call is not made, the intent stays."""
    import yaml

    import failback_operator.services.plans as plans
    from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
    from failback_operator.api.resources import MasterTargetSpec
    from failback_operator.api.status import FailbackPlanStatus
    from failback_operator.api.vocabulary import Operation
    from failback_operator.services.plans import PlanFacts
    from failback_operator.workflow import CallOutcome, Decision, StartOperation

    reprotect = StartOperation(operation=Operation.REPROTECT, items=("V2A-W2K16-201-new",))
    decision = Decision(status=FailbackPlanStatus(), actions=(reprotect,))
    calls: list[StartOperation] = []

    async def execute(site_recovery: Any, action: StartOperation, context: Any) -> CallOutcome:
        calls.append(action)
        return CallOutcome(job_name="job-1")

    monkeypatch.setattr(plans, "evaluate", lambda *_: ())
    monkeypatch.setattr(plans, "decide", lambda *_: decision)
    monkeypatch.setattr(plans, "execute", execute)
    monkeypatch.setattr(plans, "record_outcome", lambda *_: decision)
    monkeypatch.setattr(plans, "operation_context", lambda *_: None)

    class Ledger:
        def holds(self, *_: Any) -> bool:
            return True

    store = RecordingStore()
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=Ledger(),  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 11, 28, tzinfo=UTC),
        may_act=lambda: leading_at_the_call,
    )
    plan = yaml.safe_load((repo_root / "examples/40-failbackplan-windows.yaml").read_text())
    master_target = yaml.safe_load((repo_root / "examples/30-mastertarget-windows.yaml").read_text())
    gathered = PlanFacts(
        site_recovery=object(), facts=type("Facts", (), {"vault": None, "vcenter": None})(), plan=None
    )  # type: ignore[arg-type]
    await service._decide_and_act(
        {"metadata": {"namespace": "team-apps", "name": "app1"}},
        ApiPlanSpec.model_validate(plan["spec"]),
        FailbackPlanStatus(),
        1,
        master_target,
        MasterTargetSpec.model_validate(master_target["spec"]),
        gathered,
        {},
    )
    if leading_at_the_call:
        assert calls == [reprotect]
        assert store.writes == 2  # intent, then the record of the job
    else:
        assert calls == []
        assert store.writes == 1  # only the intent: the next leader resolves it
