"""A master target's look reads the retention drives its plans want from the plan index, not a list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from failback_operator.facts import Architecture, FailbackFacts, MasterTargetDeclaration
from failback_operator.rules.retention import PlanRetentionDrive
from failback_operator.services.master_targets import MasterTargetService
from failback_operator.services.plan_index import PlanIndex
from failback_operator.status.master_targets import plan_retention_drives

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _plan(name: str, master_target: str, drive: str | None) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "team-apps", "creationTimestamp": "2026-12-07T07:00:00Z"},
        "spec": {
            "vaultRef": {"name": "vault"},
            "masterTargetRef": {"name": master_target},
            "retentionDrive": drive,
            "groups": [{"name": "g", "items": [{"name": f"{name}-vm"}]}],
        },
        "status": {"phase": "Syncing", "items": [{"name": f"{name}-vm", "stage": "Syncing"}]},
    }


class NoListing:
    async def list(self, *_: Any) -> list[dict[str, Any]]:
        raise AssertionError("plans listed by a master target's look")


async def test_the_index_keeps_what_the_retention_waits_read() -> None:
    plans = [_plan("app1", "mt-1", "G"), _plan("app2", "mt-2", None)]

    async def listing() -> list[dict[str, Any]]:
        return plans

    assert plan_retention_drives(await PlanIndex(listing).objects()) == plan_retention_drives(plans)
    assert plan_retention_drives(plans)[0] == PlanRetentionDrive(
        master_target="mt-1", drive="G", phase="Syncing"
    )
    # A master target's look takes its own plans only.
    assert plan_retention_drives(plans, "mt-2") == (
        PlanRetentionDrive(master_target="mt-2", drive=None, phase="Syncing"),
    )
    assert plan_retention_drives(plans, "mt-9") == ()


async def test_a_master_target_look_reads_its_plans_from_the_index() -> None:
    listed: list[int] = []

    async def listing() -> list[dict[str, Any]]:
        listed.append(1)
        return [_plan("app1", "mt-1", "G")]

    service = MasterTargetService(
        store=NoListing(),  # type: ignore[arg-type]
        sources=None,  # type: ignore[arg-type]
        clock=lambda: NOW,
        index=PlanIndex(listing),
    )
    facts = FailbackFacts(
        master_target=MasterTargetDeclaration(
            name="mt-1", architecture=Architecture.CLASSIC, retention_drive="F"
        )
    )
    obj = {"metadata": {"name": "mt-1"}, "spec": {}, "status": {}}
    for _ in range(3):
        await service._retention_waits(obj, facts, NOW)
    assert listed == [1]


async def test_the_index_lists_page_by_page_as_it_does_in_one_answer() -> None:
    plans = [_plan(f"app{n}", "mt-1", "G") for n in range(5)]
    asked: list[int] = []

    async def pages() -> AsyncIterator[list[dict[str, Any]]]:
        for start in range(0, len(plans), 2):
            asked.append(start)
            yield plans[start : start + 2]

    async def listing() -> list[dict[str, Any]]:
        return plans

    paged, whole = PlanIndex(pages), PlanIndex(listing)
    assert await paged.objects() == await whole.objects()
    assert asked == [0, 2, 4]
    assert len(await paged.objects()) == 5


async def test_the_index_shares_one_empty_set_among_its_plans() -> None:
    """A thousand plans' entries: most of each one's eight sets are empty (216 bytes each apart)."""
    plans = [_plan("app1", "mt-1", "G"), _plan("app2", "mt-1", None)]

    async def listing() -> list[dict[str, Any]]:
        return plans

    first, second = await PlanIndex(listing).plans()
    assert first.items == {"app1-vm"}
    assert first.jobs == second.jobs == frozenset()
    assert first.jobs is second.jobs is second.reprotect_jobs
