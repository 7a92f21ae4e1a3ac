"""A retried call is never taken for the earlier call's job, however close in time they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from failback_operator.api.status import ItemIntent, ItemStatus, SiteRecoveryJob
from failback_operator.api.vocabulary import Operation
from failback_operator.facts import Job, index_jobs
from failback_operator.workflow.items import _find_job

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=2)


def _reprotect(job_id: str, state: str, start: datetime) -> Job:
    return Job(
        id=job_id,
        scenario="SwitchReplicationGroupProtection",
        state=state,
        start=start,
        target_object_name="vm-a",
    )


def test_a_retry_seconds_after_a_failed_job_does_not_adopt_that_job() -> None:
    failed = _reprotect("first", "Failed", NOW - timedelta(seconds=5))
    retry = ItemIntent(operation=Operation.REPROTECT, attempt=2, time=NOW)
    item = ItemStatus(
        name="vm-a",
        intent=retry,
        current_job=SiteRecoveryJob(name="first", operation="SwitchReplicationGroupProtection"),
    )
    assert _find_job(index_jobs([failed]), retry, item, None, SKEW) is None
    # The retry's own job, once listed, is adopted.
    second = _reprotect("second", "InProgress", NOW + timedelta(seconds=1))
    found = _find_job(index_jobs([failed, second]), retry, item, None, SKEW)
    assert found is not None
    assert found.id == "second"
    # Without an earlier job in status, a job within the skew is taken, as after a restart.
    fresh = ItemStatus(name="vm-a", intent=retry)
    found = _find_job(index_jobs([failed]), retry, fresh, None, SKEW)
    assert found is not None
    assert found.id == "first"
