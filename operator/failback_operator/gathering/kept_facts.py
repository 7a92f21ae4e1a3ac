"""Facts Site Recovery clears after reprotect (OS, disks, master target, group), kept from an earlier read.

After reprotect an `InMage` item no longer reports its OS version, protected disks, master target
or multi-VM group. The rules still need them (FB007, FB009, FB027, FB041), so whatever was read
before reprotect fills in what the latest read left unset; a value Site Recovery still reports wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from failback_operator.facts.asr import ProtectedItem

__all__ = ["CLEARED_AFTER_REPROTECT", "keep_cleared_facts", "with_kept_facts"]

# ProtectedItem fields Site Recovery may clear once an item replicates back to on-premises.
CLEARED_AFTER_REPROTECT = (
    "os_type",
    "os_version",
    "disk_count",
    "disks",
    "master_target_id",
    "multi_vm_group_name",
    "protected_as_physical",
)


def _unset(value: object) -> bool:
    return value is None or value == ()


def _key(item: ProtectedItem) -> str:
    return item.name.casefold()


def with_kept_facts(
    items: Iterable[ProtectedItem], kept: Mapping[str, ProtectedItem]
) -> tuple[ProtectedItem, ...]:
    """Items with every cleared fact they lack filled in from `kept` (by item name, case-insensitive)."""
    by_name = {name.casefold(): item for name, item in kept.items()}
    result = []
    for item in items:
        earlier = by_name.get(_key(item))
        if earlier is None:
            result.append(item)
            continue
        changes = {
            name: getattr(earlier, name)
            for name in CLEARED_AFTER_REPROTECT
            if _unset(getattr(item, name)) and not _unset(getattr(earlier, name))
        }
        result.append(dataclasses.replace(item, **changes) if changes else item)
    return tuple(result)


def keep_cleared_facts(
    items: Iterable[ProtectedItem], kept: Mapping[str, ProtectedItem] | None = None
) -> Mapping[str, ProtectedItem]:
    """What to keep for the next read: the latest items, completed with what was kept before.

    `kept` itself when the items add nothing to it, so that the next read is completed from the
    same object (its joins are remembered by identity).
    """
    completed = with_kept_facts(items, kept or {})
    merged = {name.casefold(): item for name, item in (kept or {}).items()}
    merged.update({_key(item): item for item in completed})
    if kept is not None and merged == kept:
        return kept
    return merged
