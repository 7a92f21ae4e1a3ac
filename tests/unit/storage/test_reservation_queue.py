"""Plans of one master target reserve its disk slots together, not against each other (FB027)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from failback_operator.storage.kube import StatusConflict
from failback_operator.storage.reservations import DiskSlotLedger, NotEnoughDiskSlots

NOW = datetime(2026, 12, 7, tzinfo=UTC)


class CasStore:
    """A master target whose status writes are refused at a stale resourceVersion, as the API server does."""

    def __init__(self, used: int = 0) -> None:
        self.obj: dict[str, Any] = {
            "metadata": {"name": "mt-1", "resourceVersion": "1"},
            "status": {"diskSlots": {"used": used}} if used else {},
        }
        self.refused = 0
        self.writes = 0

    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        await asyncio.sleep(0)  # other looks run meanwhile
        return copy.deepcopy(self.obj)

    async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0)
        if obj["metadata"]["resourceVersion"] != self.obj["metadata"]["resourceVersion"]:
            self.refused += 1
            raise StatusConflict("changed")
        self.writes += 1
        version = str(int(self.obj["metadata"]["resourceVersion"]) + 1)
        self.obj = {"metadata": {"name": "mt-1", "resourceVersion": version}, "status": dict(status)}
        return copy.deepcopy(self.obj)


async def test_concurrent_reservations_of_one_master_target_queue_instead_of_conflicting() -> None:
    store = CasStore()
    ledger = DiskSlotLedger(store, lambda: NOW)  # type: ignore[arg-type]
    await asyncio.gather(
        *(ledger.reserve("mt-1", "team", f"plan-{n}", "1", ((f"vm-{n}", 2),)) for n in range(10))
    )
    reservations = store.obj["status"]["diskSlots"]["reservations"]
    assert sorted(r["name"] for r in reservations) == sorted(f"plan-{n}" for n in range(10))
    assert store.refused == 0
    # Asked together, written together: one read and one write for the ten, not ten of each.
    assert store.writes == 1
    await asyncio.gather(*(ledger.release("mt-1", "team", f"plan-{n}") for n in range(10)))
    assert store.obj["status"]["diskSlots"]["reservations"] == []
    assert store.refused == 0
    assert store.writes == 2


async def test_a_batch_writes_what_fits_and_refuses_only_what_does_not() -> None:
    store = CasStore(used=50)
    ledger = DiskSlotLedger(store, lambda: NOW)  # type: ignore[arg-type]
    outcomes = await asyncio.gather(
        *(ledger.reserve("mt-1", "team", f"plan-{n}", "1", ((f"vm-{n}", 4),)) for n in range(3)),
        return_exceptions=True,
    )
    assert outcomes[:2] == [None, None]
    assert isinstance(outcomes[2], NotEnoughDiskSlots)
    assert "50 disks and 8 reserved; 4 more would exceed 60" in str(outcomes[2])
    reservations = store.obj["status"]["diskSlots"]["reservations"]
    assert [r["name"] for r in reservations] == ["plan-0", "plan-1"]
    assert store.obj["status"]["diskSlots"]["free"] == 2
    assert store.writes == 1


async def test_a_change_whose_caller_gave_up_before_the_write_is_not_written() -> None:
    store = CasStore()
    ledger = DiskSlotLedger(store, lambda: NOW)  # type: ignore[arg-type]
    first = asyncio.create_task(ledger.reserve("mt-1", "team", "plan-0", "1", (("vm-0", 2),)))
    given_up = asyncio.create_task(ledger.reserve("mt-1", "team", "plan-1", "1", (("vm-1", 2),)))
    await asyncio.sleep(0)  # both asked; the writer has not read yet
    given_up.cancel()
    await first
    with pytest.raises(asyncio.CancelledError):
        await given_up
    assert [r["name"] for r in store.obj["status"]["diskSlots"]["reservations"]] == ["plan-0"]


async def test_a_failed_write_fails_every_change_of_its_batch_and_the_next_batch_is_written() -> None:
    store = CasStore()
    ledger = DiskSlotLedger(store, lambda: NOW)  # type: ignore[arg-type]

    async def refuse(obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        raise StatusConflict("changed")

    writing = store.replace_status
    store.replace_status = refuse  # type: ignore[method-assign]
    outcomes = await asyncio.gather(
        *(ledger.reserve("mt-1", "team", f"plan-{n}", "1", ((f"vm-{n}", 2),)) for n in range(2)),
        return_exceptions=True,
    )
    assert all(isinstance(o, StatusConflict) for o in outcomes)
    store.replace_status = writing  # type: ignore[method-assign]
    await ledger.reserve("mt-1", "team", "plan-2", "1", (("vm-2", 2),))
    assert [r["name"] for r in store.obj["status"]["diskSlots"]["reservations"]] == ["plan-2"]
