"""One look makes a group's held-back calls one after another, each between its own intent and record."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest

import failback_operator.services.plans as plans
from failback_operator.api.vocabulary import Operation
from failback_operator.rules import catalogue
from failback_operator.rules.catalogue import CATALOGUE
from failback_operator.rules.model import CheckPhase
from failback_operator.services.plans import PlanService
from failback_operator.storage.kube import StatusConflict
from failback_operator.storage.reservations import NotEnoughDiskSlots
from failback_operator.workflow import CallOutcome, StartOperation

from . import plan_stage_world as plans_world
from .plan_stage_world import (
    ITEMS,
    NAMESPACE,
    NOW,
    PLAN,
    STAGES,
    HeldLedger,
    MemoryStore,
    StageFacts,
    plan_objects,
)

_REPROTECT = STAGES[CheckPhase.PRE_REPROTECT][0]


def _unanswered(status: dict[str, Any]) -> list[str]:
    """The items whose intent has no job yet, as the stored status says."""
    return [i["name"] for i in status.get("items", ()) if i.get("intent") and not i["intent"].get("jobName")]


async def _look(
    monkeypatch: pytest.MonkeyPatch,
    answers: list[CallOutcome],
    *,
    calls_per_look: int | None = None,
    lease_held_for: int = 1000,
    store_type: type[MemoryStore] = MemoryStore,
    still_wanted: Callable[[], bool] = lambda: True,
    clock: Callable[[], datetime] = lambda: NOW,
) -> tuple[MemoryStore, list[tuple[str, list[str]]]]:
    """One look at the two-machine plan waiting for reprotect; each call sees the stored status."""
    plan, master_target = plan_objects(_REPROTECT.action)
    store = store_type(plan, master_target)
    calls: list[tuple[str, list[str]]] = []
    asked = 0

    async def execute(site_recovery: Any, action: StartOperation, context: Any) -> CallOutcome:
        assert action.operation == Operation.REPROTECT
        calls.append((action.items[0], _unanswered(store.plan.get("status") or {})))
        return answers[len(calls) - 1]

    def may_act() -> bool:
        nonlocal asked
        asked += 1
        return asked <= lease_held_for

    monkeypatch.setattr(plans, "execute", execute)
    # Every check passes: what is under test is the calls, not the rules.
    monkeypatch.setattr(
        catalogue,
        "CATALOGUE",
        tuple(dataclasses.replace(e, check=lambda f, c: ()) if e.check else e for e in CATALOGUE),
    )
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=StageFacts(_REPROTECT),
        ledger=plans_world.HeldLedger(),  # type: ignore[arg-type]
        clock=clock,
        may_act=may_act,
    )
    if calls_per_look is not None:
        service.calls_per_look = calls_per_look
    store.delay = await service.look(NAMESPACE, PLAN, still_wanted=still_wanted)  # type: ignore[attr-defined]
    return store, calls


async def test_one_look_reprotects_every_machine_each_after_its_own_intent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, calls = await _look(monkeypatch, [CallOutcome(job_name="job-1"), CallOutcome(job_name="job-2")])
    # Each call is made with its own intent stored, and only its own: the one before is recorded.
    assert calls == [(ITEMS[0], [ITEMS[0]]), (ITEMS[1], [ITEMS[1]])]
    jobs = {i["name"]: i["intent"]["jobName"] for i in store.plan["status"]["items"]}
    assert jobs == {ITEMS[0]: "job-1", ITEMS[1]: "job-2"}
    started = [reason for _, reason, _ in store.events if reason == "ReprotectStarted"]
    assert len(started) == 2


async def test_a_call_without_a_job_in_its_answer_leaves_the_rest_to_the_next_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lost answer (job unknown) or a refusal: the next look reads Site Recovery before going on."""
    store, calls = await _look(
        monkeypatch, [CallOutcome(message="connection reset"), CallOutcome(job_name="x")]
    )
    assert [name for name, _ in calls] == [ITEMS[0]]
    assert _unanswered(store.plan["status"]) == [ITEMS[0]]


async def test_calls_per_look_bounds_a_look(monkeypatch: pytest.MonkeyPatch) -> None:
    store, calls = await _look(monkeypatch, [CallOutcome(job_name="job-1")], calls_per_look=1)
    assert [name for name, _ in calls] == [ITEMS[0]]
    assert not any(i.get("intent") for i in store.plan["status"]["items"] if i["name"] == ITEMS[1])


async def test_a_lease_lost_between_calls_stops_the_look(monkeypatch: pytest.MonkeyPatch) -> None:
    # may_act is asked before the look and before the first call; the third answer is "no".
    store, calls = await _look(
        monkeypatch, [CallOutcome(job_name="job-1"), CallOutcome(job_name="job-2")], lease_held_for=2
    )
    assert [name for name, _ in calls] == [ITEMS[0]]
    assert not any(i.get("intent") for i in store.plan["status"]["items"] if i["name"] == ITEMS[1])


class EmptyLedger(HeldLedger):
    """The plan holds no disk slots until it reserves them; every reservation fits."""

    def __init__(self) -> None:
        self.reserved: list[Any] = []

    def holds(self, *_: Any) -> bool:
        return bool(self.reserved)

    async def reserve(self, *args: Any) -> None:
        self.reserved.append(args)


async def test_the_first_reprotect_follows_the_reservation_in_the_same_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = EmptyLedger()
    monkeypatch.setattr(plans_world, "HeldLedger", lambda: ledger)
    store, calls = await _look(monkeypatch, [CallOutcome(job_name="job-1"), CallOutcome(job_name="job-2")])
    assert len(ledger.reserved) == 1
    assert [name for name, _ in calls] == list(ITEMS)
    assert _unanswered(store.plan["status"]) == []


async def test_a_refused_reservation_calls_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    class FullLedger(EmptyLedger):
        async def reserve(self, *args: Any) -> None:
            raise NotEnoughDiskSlots("the master target has 2 of 60 slots free; the plan needs 4")

    monkeypatch.setattr(plans_world, "HeldLedger", FullLedger)
    store, calls = await _look(monkeypatch, [CallOutcome(job_name="job-1")])
    assert calls == []
    assert any(reason == "DiskSlotsFull" for _, reason, _ in store.events), store.events


class RefusingSecondWrite(MemoryStore):
    """The plan changes (a spec edit) after the first call: its record and the next intent are refused."""

    writes = 0

    async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        self.writes += 1
        if self.writes == 2:
            raise StatusConflict("the plan changed since it was read")
        return await super().replace_status(obj, status)


async def test_a_refused_write_between_calls_stops_the_look_and_the_first_call_is_told_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, calls = await _look(
        monkeypatch,
        [CallOutcome(job_name="job-1"), CallOutcome(job_name="job-2")],
        store_type=RefusingSecondWrite,
    )
    assert [name for name, _ in calls] == [ITEMS[0]]
    assert [reason for _, reason, _ in store.events].count("ReprotectStarted") == 1
    # The record did not land either: the next look adopts the first call's job; no second intent.
    assert _unanswered(store.plan["status"]) == [ITEMS[0]]


async def test_the_record_of_one_call_and_the_intent_of_the_next_are_one_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class CountingStore(MemoryStore):
        writes = 0

        async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
            self.writes += 1
            return await super().replace_status(obj, status)

    store, calls = await _look(
        monkeypatch, [CallOutcome(job_name="job-1"), CallOutcome(job_name="job-2")], store_type=CountingStore
    )
    assert len(calls) == 2
    assert isinstance(store, CountingStore)
    assert store.writes == 3  # intent; record + next intent; record


async def test_a_stopping_daemon_makes_no_further_call(monkeypatch: pytest.MonkeyPatch) -> None:
    store, calls = await _look(
        monkeypatch,
        [CallOutcome(job_name="job-1"), CallOutcome(job_name="job-2")],
        still_wanted=lambda: False,
    )
    assert [name for name, _ in calls] == [ITEMS[0]]
    # The call made is told before the look ends.
    assert [reason for _, reason, _ in store.events].count("ReprotectStarted") == 1


async def test_following_calls_are_decided_at_the_looks_time_as_its_facts_were_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The clock moves on during a look; its facts do not. An intent's time is the look's."""
    ticks = iter(range(100))
    store, calls = await _look(
        monkeypatch,
        [CallOutcome(job_name="job-1"), CallOutcome(job_name="job-2")],
        clock=lambda: NOW + timedelta(minutes=next(ticks)),
    )
    assert [name for name, _ in calls] == list(ITEMS)
    times = {i["name"]: i["intent"]["time"] for i in store.plan["status"]["items"]}
    assert len(set(times.values())) == 1, times


async def test_a_call_arm_throttled_is_made_again_after_its_retry_after_not_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    throttled = CallOutcome(
        not_sent=True, code="SubscriptionRequestsThrottled", message="429", retry_after=timedelta(seconds=7)
    )
    store, calls = await _look(monkeypatch, [CallOutcome(job_name="job-1"), throttled])
    assert [name for name, _ in calls] == list(ITEMS)
    assert store.delay == timedelta(seconds=7)  # type: ignore[attr-defined]
    assert _unanswered(store.plan["status"]) == []  # the throttled call left no intent
