"""Disk-slot reservations that active plans hold on a master target (FB027)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MASTER_TARGET_DISK_SLOTS", "DiskReservation"]

# The one place the slot count is set: a master target has 4 SCSI controllers of 15 slots. The
# rule configuration defaults to it; FB027, the MasterTarget status and the slot ledger use the
# configured value.
MASTER_TARGET_DISK_SLOTS = 60


@dataclass(frozen=True, kw_only=True, slots=True)
class DiskReservation:
    """Disks one item of one active plan will attach to a master target when it is reprotected.

    The reservation ends when the item's disks are seen attached to the master target: from then
    on they count among the master target's own disks, never twice.
    """

    plan: str  # namespace/name of the FailbackPlan holding it
    master_target: str
    item: str
    disk_count: int
    attached: bool = False
