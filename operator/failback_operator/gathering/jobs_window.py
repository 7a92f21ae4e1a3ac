"""A vault's day of jobs, kept between reads and completed by listing only what can have changed.

At a thousand plans a day of jobs is 66 pages, and the vault's reads were mostly spent listing
it again while little in it moved. A job that ended stays as it ended, so the next read lists
only from the earliest job that had not ended (or the newest job seen, less a margin for jobs
Site Recovery lists late) and keeps the older, ended jobs from before. Times here are Site
Recovery's own (the jobs' `startTime`), never this process's clock. On the most pessimistic
reading (a job restarted or resumed after it ended, an entry listed long after its start) the
whole day is listed again at its own slow period, so nothing stays wrong for longer than that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from failback_operator.facts.asr import Job

__all__ = ["JOBS_LATE_MARGIN", "SETTLED_JOB_STATES", "JobsWindow"]

# An ended job does not change, except by a restart or resume someone asks for (the full read).
# Suspended is left out: a suspended job waits for someone to resume it.
SETTLED_JOB_STATES = frozenset({"Succeeded", "Failed", "Cancelled", "CompletedWithInformation"})
# How much earlier than the newest job seen the next read starts: a job started just before a
# read may be listed only after it (not recorded; two minutes is the operator's clock-skew margin).
JOBS_LATE_MARGIN = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class JobsWindow:
    """The jobs of the window as last completed, and where the next read must start."""

    # Newest first, as Site Recovery lists them.
    jobs: tuple[Job, ...]
    # The start the last list read from (None: the whole window was listed).
    listed_from: datetime | None = None
    # How many entries the last list answered with (its pages are what it cost).
    listed: int = 0

    def next_start(self, window_start: datetime, margin: timedelta = JOBS_LATE_MARGIN) -> datetime:
        """Where the next read starts: the earliest job not yet ended, or the newest seen less `margin`.

        Never before `window_start`. A job without a start time cannot be placed: the whole
        window is read again.
        """
        earliest_open: datetime | None = None
        newest: datetime | None = None
        for job in self.jobs:  # one pass: a day of jobs at 5,000 items is 25,000 entries
            if job.start is None:
                return window_start
            newest = job.start if newest is None else max(newest, job.start)
            if job.state not in SETTLED_JOB_STATES:
                earliest_open = job.start if earliest_open is None else min(earliest_open, job.start)
        if newest is None:
            return window_start
        late = newest - margin
        return max(window_start, late if earliest_open is None else min(earliest_open, late))

    def completed(self, listed: Iterable[Job], listed_from: datetime, window_start: datetime) -> JobsWindow:
        """The window after a list of every job started since `listed_from`.

        The listed jobs replace whatever was kept from `listed_from` on; older kept jobs stay
        while they are inside the window.
        """
        fresh = _inside(listed, window_start)
        older = tuple(
            job for job in self.jobs if job.start is not None and window_start <= job.start < listed_from
        )
        return JobsWindow(jobs=fresh + older, listed_from=listed_from, listed=len(fresh))

    @staticmethod
    def whole(listed: Iterable[Job], window_start: datetime) -> JobsWindow:
        """The window from a list of the whole of it."""
        fresh = _inside(listed, window_start)
        return JobsWindow(jobs=fresh, listed_from=None, listed=len(fresh))


def _inside(listed: Iterable[Job], window_start: datetime) -> tuple[Job, ...]:
    """The listed jobs that belong to the window (a job without a start time is kept)."""
    return tuple(job for job in listed if job.start is None or job.start >= window_start)
