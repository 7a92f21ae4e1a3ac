"""Plans started together take turns: at most `concurrent_looks` looks gather and decide at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from failback_operator.services.plans import PlanService
from failback_operator.storage.kube import NotFoundError

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _service(concurrent_looks: int) -> PlanService:
    """A plan service whose looks the tests replace: only its turns are real."""
    return PlanService(
        store=None,  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=None,  # type: ignore[arg-type]
        clock=lambda: NOW,
        concurrent_looks=concurrent_looks,
    )


async def test_no_more_looks_than_the_bound_run_at_once_and_every_plan_gets_its_look() -> None:
    service = _service(concurrent_looks=3)
    running: set[str] = set()
    most = 0
    looked: list[str] = []

    async def look_now(namespace: str, name: str, still_wanted: object) -> timedelta:
        nonlocal most
        running.add(name)
        most = max(most, len(running))
        await asyncio.sleep(0.01)
        running.discard(name)
        looked.append(name)
        return timedelta(seconds=5)

    service._look_now = look_now  # type: ignore[method-assign]
    names = [f"plan-{n}" for n in range(20)]
    waits = await asyncio.gather(*(service.look("apps", name) for name in names))
    assert most == 3
    assert sorted(looked) == sorted(names)
    assert set(waits) == {timedelta(seconds=5)}


async def test_a_plans_first_look_goes_before_the_later_looks_of_plans_already_seen() -> None:
    """A thousand plans applied together: the last gets its first status before others step on."""
    service = _service(concurrent_looks=1)
    looked: list[str] = []

    async def look_now(namespace: str, name: str, still_wanted: object) -> timedelta:
        looked.append(name)
        await asyncio.sleep(0.001)
        return timedelta(seconds=5)

    service._look_now = look_now  # type: ignore[method-assign]
    await asyncio.gather(*(service.look("apps", name) for name in ("old-1", "old-2")))
    # Looks queue: the seen plans' later looks first, then new plans' first looks.
    queued = [service.look("apps", name) for name in ("old-1", "old-2", "new-1", "new-2")]
    await asyncio.gather(*queued)
    assert looked[2:] == ["old-1", "new-1", "new-2", "old-2"]
    # A plan forgotten (deleted, then applied again) has a first look again.
    service.forget("apps", "old-2")
    looked.clear()
    await asyncio.gather(*(service.look("apps", name) for name in ("old-1", "new-1", "old-2")))
    assert looked == ["old-1", "old-2", "new-1"]


async def test_a_plan_deleted_while_its_look_runs_is_not_remembered_after_it() -> None:
    """The daemon of a deleted plan forgets it while its last look may still run."""
    service = _service(concurrent_looks=1)

    async def look_now(namespace: str, name: str, still_wanted: object) -> timedelta:
        service.forget(namespace, name)  # the plan's deletion, handled meanwhile
        return timedelta(seconds=5)

    service._look_now = look_now  # type: ignore[method-assign]
    await service.look("apps", "gone")
    assert ("apps", "gone") not in service._looked


async def test_a_plan_gone_before_its_turn_is_forgotten() -> None:
    """A look queued before the plan's deletion finds it gone: nothing of it is kept."""

    class GoneStore:
        async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, object]:
            raise NotFoundError(f"{plural}/{name}")

    service = _service(concurrent_looks=1)
    service.store = GoneStore()  # type: ignore[assignment]
    wait = await service.look("apps", "gone")
    assert wait == service.settings.idle_poll
    assert ("apps", "gone") not in service._looked
