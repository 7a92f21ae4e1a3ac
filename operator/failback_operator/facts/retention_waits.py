"""Retention drives a master target does not list yet, and the refresh made for them (FB022)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class RetentionWait:
    """A wanted retention drive Site Recovery did not list, since when, and when it was refreshed.

    The MasterTarget reconciler keeps these in the master target's status: a newly added volume can
    take up to 15 minutes to be listed, so FB021 fails only once the wait from the first miss is over.
    """

    master_target: str
    drive: str  # the drive as wanted, normalised (`F`, `/mnt/retention`)
    missing_since: datetime
    refreshed_at: datetime | None = None
    refresh_job: str | None = None
