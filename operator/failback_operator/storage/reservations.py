"""FB027: disk slots of a master target, reserved by plans with compare-and-swap on its status.

The ledger owns `status.diskSlots.reservations` of every MasterTarget, and writes it only by
compare-and-swap (a replace_status at the resourceVersion it read, retried on a conflict). The
MasterTarget's reconciler is the writer of the rest of that status and carries the reservations
it read over unchanged, so neither write can undo the other: a stale write is refused, not merged.
The capacity is the rule configuration's (`RuleConfig.master_target_disk_slots`), the one FB027
checks against.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from failback_operator.api.status import DiskSlotReservation, MasterTargetStatus
from failback_operator.errors import FailbackOperatorError
from failback_operator.facts.reservations import MASTER_TARGET_DISK_SLOTS
from failback_operator.storage.kube import KubeStore, StatusConflict

__all__ = ["DISK_SLOTS", "DiskSlotLedger", "NotEnoughDiskSlots"]

# The default capacity, for a ledger built without a rule configuration.
DISK_SLOTS = MASTER_TARGET_DISK_SLOTS
_ATTEMPTS = 5


class NotEnoughDiskSlots(FailbackOperatorError):
    """The master target cannot take the plan's disks (FB027)."""


def _reservations(obj: Mapping[str, Any]) -> list[DiskSlotReservation]:
    status = MasterTargetStatus.model_validate(obj.get("status") or {})
    slots = status.disk_slots
    return list(slots.reservations or ()) if slots else []


class DiskSlotLedger:
    """Reads and writes the reservations list in MasterTarget status.diskSlots."""

    def __init__(self, store: KubeStore, clock: Callable[[], datetime], capacity: int = DISK_SLOTS) -> None:
        self._store = store
        self._clock = clock
        self._capacity = capacity
        # One write at a time per master target from this process: the plans of one master target
        # queue here instead of refusing each other's compare-and-swap (other writers still may).
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, master_target: str) -> asyncio.Lock:
        return self._locks.setdefault(master_target, asyncio.Lock())

    @staticmethod
    def holds(master_target: Mapping[str, Any], namespace: str, name: str) -> bool:
        """Whether the plan holds a reservation on this master target."""
        return any(r.namespace == namespace and r.name == name for r in _reservations(master_target))

    async def reserve(
        self,
        master_target: str,
        namespace: str,
        name: str,
        run: str,
        disks_by_item: Sequence[tuple[str, int]],
    ) -> None:
        """Add the plan's reservation if the slots are free; retried on a concurrent write."""
        async with self._lock(master_target):
            await self._reserve(master_target, namespace, name, run, disks_by_item)

    async def _reserve(
        self,
        master_target: str,
        namespace: str,
        name: str,
        run: str,
        disks_by_item: Sequence[tuple[str, int]],
    ) -> None:
        wanted = sum(count for _, count in disks_by_item)
        for _ in range(_ATTEMPTS):
            obj = await self._store.get("mastertargets", master_target)
            status = MasterTargetStatus.model_validate(obj.get("status") or {})
            reservations = [r for r in _reservations(obj) if (r.namespace, r.name) != (namespace, name)]
            used = (status.disk_slots.used if status.disk_slots else None) or 0
            others = sum(r.disks for r in reservations)
            if used + others + wanted > self._capacity:
                raise NotEnoughDiskSlots(
                    f"FB027: master target {master_target} has {used} disks and {others} reserved; "
                    f"{wanted} more would exceed {self._capacity}"
                )
            reservations.append(
                DiskSlotReservation(
                    namespace=namespace, name=name, run=run, disks=wanted, since=self._clock()
                )
            )
            if await self._write(obj, status, reservations, used):
                return
        raise StatusConflict(f"master target {master_target} kept changing; reservation not written")

    async def release(self, master_target: str, namespace: str, name: str) -> None:
        """Drop the plan's reservation (its disks are attached, or it no longer needs them)."""
        async with self._lock(master_target):
            await self._release(master_target, namespace, name)

    async def _release(self, master_target: str, namespace: str, name: str) -> None:
        for _ in range(_ATTEMPTS):
            obj = await self._store.get("mastertargets", master_target)
            status = MasterTargetStatus.model_validate(obj.get("status") or {})
            reservations = [r for r in _reservations(obj) if (r.namespace, r.name) != (namespace, name)]
            used = (status.disk_slots.used if status.disk_slots else None) or 0
            if len(reservations) == len(_reservations(obj)) or await self._write(
                obj, status, reservations, used
            ):
                return
        raise StatusConflict(f"master target {master_target} kept changing; reservation not released")

    async def _write(
        self,
        obj: Mapping[str, Any],
        status: MasterTargetStatus,
        reservations: list[DiskSlotReservation],
        used: int,
    ) -> bool:
        reserved = sum(r.disks for r in reservations)
        slots = {
            "capacity": self._capacity,
            "used": used,
            "reserved": reserved,
            "free": max(self._capacity - used - reserved, 0),
            "reservations": [r.to_status() for r in reservations],
        }
        new_status = {**status.to_status(), "diskSlots": slots}
        try:
            await self._store.replace_status(obj, new_status)
        except StatusConflict:
            return False
        return True
