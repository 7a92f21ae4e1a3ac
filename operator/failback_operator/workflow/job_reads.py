"""Which jobs a plan must read by name: a job list shows no tasks, errors or custom details.

Pure: the plan's items and the listed jobs in, job names out. Only the jobs the plan must judge
are chosen (its own calls' jobs once they end, a tracking id not yet followed, the per-machine
child jobs of its recovery-plan jobs that failed), never one per item in sync, and never more
than `limit` per look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from failback_operator.api.status import ItemStatus
from failback_operator.api.vocabulary import ItemStage
from failback_operator.facts import Job, JobIndex, index_jobs
from failback_operator.workflow.items import _last_failover_job, needs_details

__all__ = ["TRACKING_ID_READ_AT_LATEST", "jobs_to_read"]

# A tracking id answers with a placeholder, then a shell, for about 20 seconds after the call
# (recorded), and with the real job once it ended. It is read once the list shows its job ended, or
# this long after the call whatever the list shows, so that a long job is followed while it runs
# and a job the list never shows is still found through its GET.
TRACKING_ID_READ_AT_LATEST = timedelta(minutes=2)
# Site Recovery's clock against the operator's: a listed job that started before the call by more
# than this is no job of that call.
CLOCK_SKEW = timedelta(minutes=2)


def _listed_soon(recovery_plan: str | None, called_at: datetime, listed_since: datetime | None) -> bool:
    """Whether an unlisted job of an intent will show in the next jobs list under its own name."""
    return recovery_plan is None and listed_since is not None and called_at >= listed_since


def _ended_unfollowed_job_of(
    recovery_plan: str, called_at: datetime, jobs: Sequence[Job], followed: set[str]
) -> bool:
    """Whether the list shows an ended job of the recovery plan, started since the call, that no
    known tracking id leads to: the tracking id then answers with that job, tasks and errors included.
    """
    plan = recovery_plan.casefold()
    return any(
        (j.target_object_name or "").casefold() == plan
        and j.id not in followed
        and j.finished
        and (j.start is None or j.start >= called_at - CLOCK_SKEW)
        for j in jobs
    )


def jobs_to_read(
    items: Sequence[ItemStatus],
    jobs: Sequence[Job] | JobIndex,
    tracked: Mapping[str, str],
    limit: int,
    recovery_plans: Mapping[str, str | None] | None = None,
    listed_since: datetime | None = None,
    listed_at: datetime | None = None,
) -> tuple[str, ...]:
    """Names of the jobs to GET now, most needed first, at most `limit`.

    1. The job of each pending intent that the list does not show under that name (a recovery-plan
       call's tracking id, followed to the real job), or that has ended where only its details
       tell the outcome (a failover's tasks, a failure's error). An item's own call names its job
       itself: when the intent is newer than `listed_since` (the jobs list reaches that far back),
       the next jobs list shows that job, and the list says all a running or successful job needs.
       A tracking id is read once, when it answers with the whole job: when the list shows an ended
       job of its recovery plan, started since the call, that no tracking id leads to yet (read
       earlier, it answers with a placeholder or a shell, and a running job needs a second read at
       its end for its tasks). A job still running when the list read at `listed_at` is
       TRACKING_ID_READ_AT_LATEST past the call is followed then.
    2. The failed per-machine child jobs of those recovery-plan jobs, once read: a machine's error
       code sits only there.
    3. For an item failed back (or not yet looked at) with no call pending and its shut-down not
       confirmed (a plan applied again, a status lost): the last failover job of its recovery plan
       (or of the item), once; an ended job is kept.
    """
    index = jobs if isinstance(jobs, JobIndex) else index_jobs(jobs)
    listed = index.by_id
    followed = set(tracked.values())
    wanted: list[str] = []

    def want(name: str | None) -> None:
        if name and name not in wanted:
            wanted.append(name)

    own: list[str] = []
    for item in items:
        intent = item.intent
        if intent is None or intent.job_name is None:
            continue
        name = tracked.get(intent.job_name, intent.job_name)
        own.append(name)
        job = listed.get(name)
        if job is None and _listed_soon(intent.recovery_plan, intent.time, listed_since):
            continue
        if (
            job is None
            and intent.recovery_plan
            and intent.job_name not in tracked
            and not _ended_unfollowed_job_of(
                intent.recovery_plan, intent.time, index.acting_on([intent.recovery_plan]), followed
            )
            and not (listed_at is not None and listed_at - intent.time >= TRACKING_ID_READ_AT_LATEST)
        ):
            continue  # the tracking id would answer with a placeholder yet
        if job is None or needs_details(job, intent.operation):
            want(name)
    for name in own:
        job = listed.get(name)
        if job is None or not job.detailed or job.state == "Succeeded":
            continue
        for task in job.all_tasks():
            child = listed.get(task.child_job_id or "")
            if task.state == "Failed" and task.child_job_id and (child is None or not child.detailed):
                want(task.child_job_id)
    plans = recovery_plans or {}
    by_name = {item.name: item for item in items}
    for name in [*plans, *(n for n in by_name if n not in plans)]:
        item = by_name.get(name) or ItemStatus(name=name)  # a plan with no status yet: stage unknown
        waiting = item.stage in (None, ItemStage.FAILED_BACK) and item.intent is None
        if not waiting or item.shutdown_confirmed is not None:
            continue
        last = _last_failover_job(index, item, None, plans.get(name))
        if last is not None and not last.detailed and not last.tasks:
            want(last.id)
    return tuple(wanted[: max(0, limit)])
