"""FB027: the slot ledger reserves against the configured capacity, the one the rules check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from failback_operator.rules import RuleConfig
from failback_operator.storage.reservations import DiskSlotLedger, NotEnoughDiskSlots

NOW = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)


class _OneMasterTarget:
    """The two calls the ledger makes, on one MasterTarget held in memory."""

    def __init__(self, used: int) -> None:
        self.obj: dict[str, Any] = {
            "apiVersion": "failback.io/v1alpha1",
            "kind": "MasterTarget",
            "metadata": {"name": "mt", "resourceVersion": "1"},
            "status": {"diskSlots": {"used": used}},
        }

    async def get(self, plural: str, name: str) -> dict[str, Any]:
        return self.obj

    async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        self.obj = {**self.obj, "status": dict(status)}
        return self.obj


async def test_the_ledger_refuses_beyond_the_configured_capacity() -> None:
    store = _OneMasterTarget(used=8)
    capacity = RuleConfig(master_target_disk_slots=10).master_target_disk_slots
    ledger = DiskSlotLedger(store, lambda: NOW, capacity=capacity)  # type: ignore[arg-type]
    with pytest.raises(NotEnoughDiskSlots, match="would exceed 10"):
        await ledger.reserve("mt", "team", "plan", "run-1", [("vm", 3)])
    await ledger.reserve("mt", "team", "plan", "run-1", [("vm", 2)])
    assert store.obj["status"]["diskSlots"]["capacity"] == 10
    assert store.obj["status"]["diskSlots"]["free"] == 0


def test_the_default_capacity_is_the_rule_configurations() -> None:
    assert RuleConfig().master_target_disk_slots == 60
