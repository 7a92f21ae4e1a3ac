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
from dataclasses import dataclass
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


@dataclass(eq=False)
class _Change:
    """One plan's reservation to add (or replace), or its reservation to drop (`reservation` None)."""

    namespace: str
    name: str
    reservation: DiskSlotReservation | None
    done: asyncio.Future[None]


class DiskSlotLedger:
    """Reads and writes the reservations list in MasterTarget status.diskSlots.

    The changes asked of one master target while its status is being written are written
    together in its next write: plans starting together cost one read and one write per batch,
    not one each, and nobody's compare-and-swap refuses anybody else's from this process.
    """

    def __init__(self, store: KubeStore, clock: Callable[[], datetime], capacity: int = DISK_SLOTS) -> None:
        self._store = store
        self._clock = clock
        self._capacity = capacity
        self._waiting: dict[str, list[_Change]] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}

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
        """Add the plan's reservation if the slots are free (NotEnoughDiskSlots if not)."""
        wanted = sum(count for _, count in disks_by_item)
        reservation = DiskSlotReservation(
            namespace=namespace, name=name, run=run, disks=wanted, since=self._clock()
        )
        await self._submit(master_target, namespace, name, reservation)

    async def release(self, master_target: str, namespace: str, name: str) -> None:
        """Drop the plan's reservation (its disks are attached, or it no longer needs them)."""
        await self._submit(master_target, namespace, name, None)

    async def _submit(
        self, master_target: str, namespace: str, name: str, reservation: DiskSlotReservation | None
    ) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(master_target, []).append(_Change(namespace, name, reservation, done))
        writer = self._writers.get(master_target)
        if writer is None or writer.done():
            self._writers[master_target] = asyncio.create_task(self._write_waiting(master_target))
        # A caller cancelled before its change is written takes the change back (see _write_waiting).
        await done

    async def _write_waiting(self, master_target: str) -> None:
        """Write what is waiting for the master target, batch after batch, until nothing is."""
        while self._waiting.get(master_target):
            batch = [c for c in self._waiting.pop(master_target) if not c.done.done()]
            if not batch:
                continue
            try:
                refused = await self._apply(master_target, batch)
            except BaseException as error:
                for change in batch:
                    if not change.done.done():
                        change.done.set_exception(
                            error if isinstance(error, Exception) else asyncio.CancelledError()
                        )
                if not isinstance(error, Exception):
                    raise
                continue
            for change in batch:
                if change.done.done():
                    continue
                if change in refused:
                    change.done.set_exception(refused[change])
                else:
                    change.done.set_result(None)

    async def _apply(self, master_target: str, batch: Sequence[_Change]) -> dict[_Change, NotEnoughDiskSlots]:
        """One compare-and-swap with every change of the batch that fits; those that do not, refused."""
        for _ in range(_ATTEMPTS):
            obj = await self._store.get("mastertargets", master_target)
            status = MasterTargetStatus.model_validate(obj.get("status") or {})
            before = _reservations(obj)
            reservations = list(before)
            used = (status.disk_slots.used if status.disk_slots else None) or 0
            refused: dict[_Change, NotEnoughDiskSlots] = {}
            for change in batch:
                if change.done.done():
                    continue  # its caller gave up before the read: not written
                others = [r for r in reservations if (r.namespace, r.name) != (change.namespace, change.name)]
                wanted = change.reservation
                if wanted is None:
                    reservations = others
                    continue
                held = sum(r.disks for r in others)
                if used + held + wanted.disks > self._capacity:
                    refused[change] = NotEnoughDiskSlots(
                        f"FB027: master target {master_target} has {used} disks and {held} reserved; "
                        f"{wanted.disks} more would exceed {self._capacity}"
                    )
                    continue
                reservations = [*others, wanted]
            if reservations == before or await self._write(obj, status, reservations, used):
                return refused
        raise StatusConflict(f"master target {master_target} kept changing; its disk slots were not written")

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
