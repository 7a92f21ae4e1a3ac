"""Master target disk-slot arithmetic for FB027 and the MasterTarget status (used / reserved / free of 60)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from failback_operator.facts import DiskReservation, ProtectedItem
from failback_operator.facts.reservations import MASTER_TARGET_DISK_SLOTS


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotHolder:
    """A plan holding reserved slots on the master target."""

    plan: str
    disks: int


@dataclass(frozen=True, kw_only=True, slots=True)
class DiskSlotUsage:
    """Slots of one master target: its own disks, other plans' reservations, and a new request."""

    capacity: int
    used: int
    reserved: int
    requested: int = 0
    holders: tuple[SlotHolder, ...] = ()

    @property
    def free(self) -> int:
        """Slots neither used nor reserved (never negative, even when over-committed)."""
        return max(self.capacity - self.used - self.reserved, 0)

    @property
    def total(self) -> int:
        """Slots needed once the request is added."""
        return self.used + self.reserved + self.requested

    @property
    def fits(self) -> bool:
        """Whether the request fits beside what is used and reserved."""
        return self.total <= self.capacity

    @property
    def over_by(self) -> int:
        """How many slots are missing for the request (0 when it fits)."""
        return max(self.total - self.capacity, 0)


def item_disk_count(item: ProtectedItem) -> int | None:
    """Disks an item brings to the master target, Azure's temporary disk excluded; None if unknown."""
    if item.disks:
        return sum(1 for disk in item.disks if not disk.is_azure_temporary)
    return item.disk_count


def disk_slot_usage(
    *,
    master_target: str,
    own_disks: int,
    reservations: Iterable[DiskReservation] = (),
    requested: Mapping[str, int] | None = None,
    capacity: int = MASTER_TARGET_DISK_SLOTS,
) -> DiskSlotUsage:
    """Count used, reserved and requested slots without counting any disk twice.

    A reservation whose disks are attached is already among `own_disks`; an item reserved by
    several plans (which exclusive ownership should prevent) counts once; a requested item that
    already holds a reservation is not requested again.
    """
    held: dict[str, DiskReservation] = {}
    for reservation in reservations:
        if reservation.master_target != master_target or reservation.attached:
            continue
        previous = held.get(reservation.item)
        if previous is None or reservation.disk_count > previous.disk_count:
            held[reservation.item] = reservation
    per_plan: dict[str, int] = {}
    for reservation in held.values():
        per_plan[reservation.plan] = per_plan.get(reservation.plan, 0) + max(reservation.disk_count, 0)
    new_disks = sum(max(count, 0) for item, count in (requested or {}).items() if item not in held)
    return DiskSlotUsage(
        capacity=capacity,
        used=max(own_disks, 0),
        reserved=sum(per_plan.values()),
        requested=new_disks,
        holders=tuple(SlotHolder(plan=plan, disks=disks) for plan, disks in sorted(per_plan.items())),
    )
