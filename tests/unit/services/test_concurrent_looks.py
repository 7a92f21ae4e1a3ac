"""Plans started together take turns: at most `concurrent_looks` looks gather and decide at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from failback_operator.services.plans import PlanService

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def test_no_more_looks_than_the_bound_run_at_once_and_every_plan_gets_its_look() -> None:
    service = PlanService(
        store=None,  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=None,  # type: ignore[arg-type]
        clock=lambda: NOW,
        concurrent_looks=3,
    )
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
