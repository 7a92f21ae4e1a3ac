"""A look follows the state machine's pace exactly, and writes status only when it changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import failback_operator.services.plans as plans
from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.resources import MasterTargetSpec
from failback_operator.api.status import FailbackPlanStatus
from failback_operator.api.vocabulary import Operation, Phase, Progression
from failback_operator.services.plans import PlanFacts, PlanService
from failback_operator.workflow import CallOutcome, Decision, StartOperation, WorkflowSettings

NOW = datetime(2026, 11, 28, tzinfo=UTC)
SYNCING = FailbackPlanStatus(phase=Phase.SYNCING, progression=Progression.WAITING_FOR_SYNC, message="syncing")


class CountingStore:
    """Takes status writes as the API server would and counts them."""

    def __init__(self) -> None:
        self.writes: list[dict[str, Any]] = []

    async def replace_status(self, obj: dict[str, Any], status: Any) -> dict[str, Any]:
        self.writes.append(dict(status))
        return {**obj, "status": dict(status)}

    async def post_event(self, *_: Any, **__: Any) -> None:
        return None


class Ledger:
    def holds(self, *_: Any) -> bool:
        return False


async def _look(
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    decision: Decision,
    stored_status: FailbackPlanStatus | None = None,
) -> tuple[timedelta, CountingStore]:
    """One `_decide_and_act` with the state machine's decision given, past gathering."""

    async def execute(*_: Any) -> CallOutcome:
        return CallOutcome(job_name="job-1")

    monkeypatch.setattr(plans, "evaluate", lambda *_: ())
    monkeypatch.setattr(plans, "decide", lambda *_: decision)
    monkeypatch.setattr(plans, "execute", execute)
    monkeypatch.setattr(plans, "record_outcome", lambda *_: Decision(status=decision.status))
    monkeypatch.setattr(plans, "operation_context", lambda *_: None)
    store = CountingStore()
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=Ledger(),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    plan = yaml.safe_load((repo_root / "examples/40-failbackplan-windows.yaml").read_text())
    master_target = yaml.safe_load((repo_root / "examples/30-mastertarget-windows.yaml").read_text())
    gathered = PlanFacts(
        site_recovery=object(), facts=type("Facts", (), {"vault": None, "vcenter": None})(), plan=None
    )  # type: ignore[arg-type]
    obj: dict[str, Any] = {"metadata": {"namespace": "team-apps", "name": "app1"}}
    if stored_status is not None:
        obj["status"] = stored_status.to_status()
    delay = await service._decide_and_act(
        obj,
        ApiPlanSpec.model_validate(plan["spec"]),
        stored_status or FailbackPlanStatus(),
        1,
        master_target,
        MasterTargetSpec.model_validate(master_target["spec"]),
        gathered,
        {},
    )
    return delay, store


async def test_look_again_at_once_is_not_turned_into_the_idle_wait(
    monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    """A held-back call asks for the next look now (timedelta(0)), not in five minutes."""
    delay, _ = await _look(monkeypatch, repo_root, Decision(status=SYNCING, requeue_after=timedelta(0)))
    assert delay == timedelta(0)


async def test_no_pace_given_is_the_idle_wait(monkeypatch: pytest.MonkeyPatch, repo_root: Path) -> None:
    delay, _ = await _look(monkeypatch, repo_root, Decision(status=SYNCING))
    assert delay == WorkflowSettings().idle_poll


async def test_an_unchanged_status_is_not_written_again(
    monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    _, store = await _look(monkeypatch, repo_root, Decision(status=SYNCING), stored_status=SYNCING)
    assert store.writes == []


async def test_a_changed_status_is_written(monkeypatch: pytest.MonkeyPatch, repo_root: Path) -> None:
    changed = SYNCING.model_copy(update={"message": "one item protected"})
    _, store = await _look(monkeypatch, repo_root, Decision(status=changed), stored_status=SYNCING)
    assert [w["message"] for w in store.writes] == ["one item protected"]


async def test_an_intent_is_written_before_its_call_even_when_status_looks_the_same(
    monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    """The write before a call also proves, by its resourceVersion, that no one else acted meanwhile."""
    reprotect = StartOperation(operation=Operation.REPROTECT, items=("V2A-W2K16-201-new",))
    _, store = await _look(
        monkeypatch, repo_root, Decision(status=SYNCING, actions=(reprotect,)), stored_status=SYNCING
    )
    assert len(store.writes) == 1  # the intent; the record after the call is unchanged here
