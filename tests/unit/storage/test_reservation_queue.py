"""Plans of one master target reserve its disk slots one after another, not against each other (FB027)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from failback_operator.storage.kube import StatusConflict
from failback_operator.storage.reservations import DiskSlotLedger


class CasStore:
    """A master target whose status writes are refused at a stale resourceVersion, as the API server does."""

    def __init__(self) -> None:
        self.obj: dict[str, Any] = {"metadata": {"name": "mt-1", "resourceVersion": "1"}, "status": {}}
        self.refused = 0

    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        await asyncio.sleep(0)  # other looks run meanwhile
        return copy.deepcopy(self.obj)

    async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0)
        if obj["metadata"]["resourceVersion"] != self.obj["metadata"]["resourceVersion"]:
            self.refused += 1
            raise StatusConflict("changed")
        version = str(int(self.obj["metadata"]["resourceVersion"]) + 1)
        self.obj = {"metadata": {"name": "mt-1", "resourceVersion": version}, "status": dict(status)}
        return copy.deepcopy(self.obj)


async def test_concurrent_reservations_of_one_master_target_queue_instead_of_conflicting() -> None:
    store = CasStore()
    ledger = DiskSlotLedger(store, lambda: datetime(2026, 12, 7, tzinfo=UTC))  # type: ignore[arg-type]
    await asyncio.gather(
        *(ledger.reserve("mt-1", "team", f"plan-{n}", "1", ((f"vm-{n}", 2),)) for n in range(10))
    )
    reservations = store.obj["status"]["diskSlots"]["reservations"]
    assert sorted(r["name"] for r in reservations) == sorted(f"plan-{n}" for n in range(10))
    assert store.refused == 0
    await asyncio.gather(*(ledger.release("mt-1", "team", f"plan-{n}") for n in range(10)))
    assert store.obj["status"]["diskSlots"]["reservations"] == []
    assert store.refused == 0
