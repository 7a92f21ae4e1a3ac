"""Between writing an intent and making its call the plan service does nothing else (no Event)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import failback_operator.services.plans as plans
from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.resources import MasterTargetSpec
from failback_operator.api.status import FailbackPlanStatus
from failback_operator.api.vocabulary import EventType, Operation
from failback_operator.services.plans import PlanFacts, PlanService
from failback_operator.storage.kube import StatusConflict
from failback_operator.workflow import CallOutcome, Decision, Event, StartOperation


class OrderedStore:
    """Takes status writes and events as the API server would, and remembers their order."""

    def __init__(self, steps: list[str], refuse_write: int | None = None) -> None:
        self.steps = steps
        self.refuse_write = refuse_write

    async def replace_status(self, obj: dict[str, Any], status: Any) -> dict[str, Any]:
        self.steps.append("write status")
        if self.refuse_write is not None and self.steps.count("write status") == self.refuse_write:
            raise StatusConflict("the plan changed since it was read")
        return obj

    async def post_event(self, obj: Any, *, type: str, reason: str, message: str) -> None:
        self.steps.append(f"event {reason}")


class Ledger:
    def holds(self, *_: Any) -> bool:
        return True


@pytest.mark.parametrize("record_refused", [False, True])
async def test_events_are_posted_after_the_call_never_between_intent_and_call(
    monkeypatch: pytest.MonkeyPatch, repo_root: Path, record_refused: bool
) -> None:
    """The call's Events come before its record: when a metadata write moved the plan and the record
    write is refused, they are still told."""
    steps: list[str] = []
    reprotect = StartOperation(operation=Operation.REPROTECT, items=("V2A-W2K16-201-new",))
    transition = Event(type=EventType.NORMAL, reason="StartingReprotect", message="starting")
    started = Event(type=EventType.NORMAL, reason="ReprotectStarted", message="started as job-1")
    decision = Decision(status=FailbackPlanStatus(), actions=(reprotect,), events=(transition,))
    recorded = Decision(status=FailbackPlanStatus(), events=(started,))

    async def execute(site_recovery: Any, action: StartOperation, context: Any) -> CallOutcome:
        steps.append(f"call {action.operation}")
        return CallOutcome(job_name="job-1")

    monkeypatch.setattr(plans, "evaluate", lambda *_: ())
    monkeypatch.setattr(plans, "decide", lambda *_: decision)
    monkeypatch.setattr(plans, "execute", execute)
    monkeypatch.setattr(plans, "record_outcome", lambda *_: recorded)
    monkeypatch.setattr(plans, "decide_following_call", lambda *_: None)
    monkeypatch.setattr(plans, "operation_context", lambda *_: None)
    service = PlanService(
        store=OrderedStore(steps, refuse_write=2 if record_refused else None),  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=Ledger(),  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 11, 28, tzinfo=UTC),
    )
    plan = yaml.safe_load((repo_root / "examples/40-failbackplan-windows.yaml").read_text())
    master_target = yaml.safe_load((repo_root / "examples/30-mastertarget-windows.yaml").read_text())
    gathered = PlanFacts(
        site_recovery=object(), facts=type("Facts", (), {"vault": None, "vcenter": None})(), plan=None
    )  # type: ignore[arg-type]
    look = service._decide_and_act(
        {"metadata": {"namespace": "team-apps", "name": "app1"}},
        ApiPlanSpec.model_validate(plan["spec"]),
        FailbackPlanStatus(),
        1,
        master_target,
        MasterTargetSpec.model_validate(master_target["spec"]),
        gathered,
        {},
    )
    if record_refused:
        with pytest.raises(StatusConflict):
            await look
    else:
        await look
    assert steps == [
        "write status",  # the intent
        "call Reprotect",
        "event StartingReprotect",
        "event ReprotectStarted",
        "write status",  # the job id
    ]
