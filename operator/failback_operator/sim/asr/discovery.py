"""When Site Recovery lists a retention volume newly added to a master target (FB022): pure timing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

__all__ = ["retention_volume_listed_at"]


def retention_volume_listed_at(
    added_at: datetime, discovery_interval: timedelta, refreshes_succeeded: Iterable[datetime]
) -> datetime:
    """FB022: the earlier of the periodic discovery after `added_at` and the first refresh after it.

    `refreshes_succeeded` are the end times of "Refresh server" jobs that succeeded; one that ended
    before the volume was added did not see it.
    """
    seen_by_refresh = [end for end in refreshes_succeeded if end >= added_at]
    return min([added_at + discovery_interval, *seen_by_refresh])
