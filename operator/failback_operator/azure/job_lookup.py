"""Finding the job an operation started when its answer was lost (adopt it, never start a second)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from failback_operator.facts.asr import Job

__all__ = ["jobs_acting_on"]


def jobs_acting_on(
    jobs: Iterable[Job],
    *,
    names: Iterable[str] = (),
    ids: Iterable[str] = (),
    since: datetime | None = None,
    scenarios: Iterable[str] = (),
) -> tuple[Job, ...]:
    """Jobs whose target is one of `names` (VM or plan name) or `ids`, started at or after `since`.

    The target's id changes at reprotect (a new protected item), so the name is the steadier key.
    Newest first, so the caller adopts the most recent match.
    """
    wanted_names = {n.lower() for n in names if n}
    wanted_ids = {i.lower() for i in ids if i}
    wanted_scenarios = {s.lower() for s in scenarios if s}
    found = [
        job
        for job in jobs
        if (
            (job.target_object_name or "").lower() in wanted_names
            or (job.target_object_id or "").lower() in wanted_ids
        )
        and (not wanted_scenarios or job.scenario.lower() in wanted_scenarios)
        and (since is None or job.start is None or job.start >= since)
    ]
    return tuple(sorted(found, key=lambda j: j.start.timestamp() if j.start else 0.0, reverse=True))
