"""A look whose inputs did not change since the plan's last decision costs no gather and no evaluation."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Hashable, Mapping
from datetime import timedelta
from typing import Any

import failback_operator.services.plans as plans
from failback_operator.services.plans import PlanFacts, PlanService
from failback_operator.workflow import WorkflowSettings
from tests.unit.services.plan_stage_world import (
    NAMESPACE,
    NOW,
    PLAN,
    MemoryStore,
    Stage,
    StageFacts,
    plan_objects,
)

SYNCING = Stage("Syncing", "Failback", None)


class VersionedStore(MemoryStore):
    """A status write gives the plan a new resourceVersion, as the API server does."""

    async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        written = await super().replace_status(obj, status)
        self.plan["metadata"]["resourceVersion"] = str(int(self.plan["metadata"]["resourceVersion"]) + 1)
        written["metadata"]["resourceVersion"] = self.plan["metadata"]["resourceVersion"]
        return written


class ReleasedLedger:
    """The plan's disks are attached: it holds no disk slots any more (FB027)."""

    def holds(self, *_: Any) -> bool:
        return False


@dataclasses.dataclass
class CountedFacts(StageFacts):
    """The stage's facts, counting gatherings, with the shared reads' change stamp as the test sets it."""

    stamp: Hashable | None = ("vault", 0, "vcenter", 0)
    gathered: int = 0

    def change_stamp(self, vault: str, vcenter: str) -> Hashable | None:
        return self.stamp

    async def read(self, *args: Any, **kwargs: Any) -> PlanFacts:
        self.gathered += 1
        read = await super().read(*args, **kwargs)
        return dataclasses.replace(read, sources_stamp=self.stamp)


def _service(clock: list[Any], *, stamped: bool = True) -> tuple[PlanService, CountedFacts, VersionedStore]:
    plan, master_target = plan_objects("Failback")
    master_target["metadata"]["resourceVersion"] = "7"
    store = VersionedStore(plan, master_target)
    facts = CountedFacts(SYNCING)
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=facts,
        ledger=ReleasedLedger(),  # type: ignore[arg-type]
        clock=lambda: clock[0],
        settings=WorkflowSettings(active_poll=timedelta(seconds=30)),
        change_stamp=facts.change_stamp if stamped else None,
    )
    return service, facts, store


async def test_a_look_with_nothing_changed_stands_on_the_last_decision(monkeypatch: Any) -> None:
    clock = [NOW]
    service, facts, store = _service(clock)
    evaluated: list[object] = []
    real = plans.evaluate
    monkeypatch.setattr(plans, "evaluate", lambda *a: evaluated.append(a) or real(*a))
    first = await service.look(NAMESPACE, PLAN)
    assert first == timedelta(seconds=30)  # syncing: the active pace
    writes = copy.deepcopy(store.plan)
    clock[0] = NOW + timedelta(seconds=10)
    assert await service.look(NAMESPACE, PLAN) == timedelta(seconds=20)  # woken: nothing changed
    assert (facts.gathered, service.skipped_looks) == (1, 1)
    assert len(evaluated) == len(plans.EVALUATED_PHASES)  # evaluated once, at the first look
    assert store.plan == writes  # and nothing written
    # At the decision's own next look the plan is looked at in full (time-dependent checks run).
    clock[0] = NOW + timedelta(seconds=30)
    await service.look(NAMESPACE, PLAN)
    assert facts.gathered == 2


async def test_a_change_of_the_vault_or_vcenter_reads_means_a_full_look() -> None:
    clock = [NOW]
    service, facts, _ = _service(clock)
    await service.look(NAMESPACE, PLAN)
    facts.stamp = ("vault", 1, "vcenter", 0)  # the poller read something new
    clock[0] = NOW + timedelta(seconds=5)
    await service.look(NAMESPACE, PLAN)
    assert (facts.gathered, service.skipped_looks) == (2, 0)


async def test_a_change_of_the_plan_or_its_master_target_means_a_full_look() -> None:
    clock = [NOW]
    service, facts, store = _service(clock)
    await service.look(NAMESPACE, PLAN)
    store.plan["metadata"]["resourceVersion"] = "99"  # a person edited the plan
    await service.look(NAMESPACE, PLAN)
    store.master_target["metadata"]["resourceVersion"] = "8"  # another plan reserved disk slots
    await service.look(NAMESPACE, PLAN)
    assert (facts.gathered, service.skipped_looks) == (3, 0)
    await service.look(NAMESPACE, PLAN)
    assert (facts.gathered, service.skipped_looks) == (3, 1)


async def test_without_stamps_every_look_gathers() -> None:
    clock = [NOW]
    service, facts, _ = _service(clock, stamped=False)
    await service.look(NAMESPACE, PLAN)
    await service.look(NAMESPACE, PLAN)
    assert (facts.gathered, service.skipped_looks) == (2, 0)


async def test_a_forgotten_plan_is_looked_at_in_full() -> None:
    clock = [NOW]
    service, facts, _ = _service(clock)
    await service.look(NAMESPACE, PLAN)
    service.forget(NAMESPACE, PLAN)
    await service.look(NAMESPACE, PLAN)
    assert facts.gathered == 2
