"""A plan's approvals come from the index kept by watch events, not from a list per look."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from failback_operator.services.approval_index import ApprovalIndex


def _approval(name: str, plan: str, namespace: str = "team-apps", run: str = "1") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": "7"},
        "spec": {"planRef": {"name": plan}, "run": run},
        "status": {"counts": True},
    }


class Listing:
    def __init__(self, *approvals: Mapping[str, Any]) -> None:
        self.approvals = list(approvals)
        self.lists = 0
        # Runs while the list is under way, as a watch event arriving meanwhile.
        self.meanwhile: Callable[[], None] = lambda: None

    async def __call__(self) -> list[Mapping[str, Any]]:
        self.lists += 1
        listed = list(self.approvals)
        self.meanwhile()
        return listed


def _names(found: list[Mapping[str, Any]]) -> list[str]:
    return [a["metadata"]["name"] for a in found]


async def test_looks_read_the_approvals_of_their_plan_from_one_list() -> None:
    listing = Listing(_approval("a1", "app1"), _approval("a2", "app2"), _approval("a3", "app1", "other"))
    index = ApprovalIndex(listing)
    assert _names(await index.for_plan("team-apps", "app1")) == ["a1"]
    assert _names(await index.for_plan("team-apps", "app2")) == ["a2"]
    assert _names(await index.for_plan("other", "app1")) == ["a3"]
    assert listing.lists == 1
    # A look reads the spec, which is kept; the status is the approval service's, not the look's.
    assert (await index.for_plan("team-apps", "app1"))[0]["spec"]["run"] == "1"


async def test_watch_events_keep_the_index_current_between_lists() -> None:
    listing = Listing(_approval("a1", "app1"))
    index = ApprovalIndex(listing)
    await index.prime()
    index.seen(_approval("a2", "app1"))
    index.seen(_approval("a1", "app2"))  # the approval now names another plan
    assert _names(await index.for_plan("team-apps", "app1")) == ["a2"]
    assert _names(await index.for_plan("team-apps", "app2")) == ["a1"]
    index.deleted("team-apps", "a2")
    assert await index.for_plan("team-apps", "app1") == []
    assert listing.lists == 1


async def test_a_relist_drops_what_is_gone_but_not_what_an_event_brought_meanwhile() -> None:
    clock = [0.0]
    listing = Listing(_approval("a1", "app1"))
    index = ApprovalIndex(listing, relist_seconds=300, monotonic=lambda: clock[0])
    await index.prime()
    listing.approvals = []  # a1 deleted while the watch was down
    listing.meanwhile = lambda: index.seen(_approval("a2", "app1"))  # created while listing
    clock[0] = 301
    found = await index.for_plan("team-apps", "app1")
    assert _names(found) == ["a2"]
    assert listing.lists == 2


@pytest.mark.parametrize("event", ["seen", "deleted"])
async def test_an_unknown_approval_deleted_or_seen_twice_is_harmless(event: str) -> None:
    listing = Listing(_approval("a1", "app1"))
    index = ApprovalIndex(listing)
    if event == "seen":
        index.seen(_approval("a1", "app1"))
        index.seen(_approval("a1", "app1"))
        assert _names(await index.for_plan("team-apps", "app1")) == ["a1"]
    else:
        index.deleted("team-apps", "nobody")
        assert _names(await index.for_plan("team-apps", "app1")) == ["a1"]


class NoListing:
    """A store a look must not list approvals from once the index is there."""

    async def list(self, *_: Any) -> list[dict[str, Any]]:
        raise AssertionError("approvals listed by a look")


async def test_a_look_reads_its_approvals_from_the_index() -> None:
    from datetime import UTC, datetime

    from failback_operator.services.plans import PlanService

    listing = Listing(_approval("a1", "app1"), _approval("a2", "app2"))
    service = PlanService(
        store=NoListing(),  # type: ignore[arg-type]
        facts_source=None,  # type: ignore[arg-type]
        ledger=None,  # type: ignore[arg-type]
        clock=lambda: datetime.now(UTC),
        approval_index=ApprovalIndex(listing),
    )
    for _ in range(3):
        assert _names(await service._approvals("team-apps", "app1")) == ["a1"]
    assert listing.lists == 1
