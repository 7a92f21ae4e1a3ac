"""Jobs read by name: only those a plan must judge, a bounded number per look, tracking ids followed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from failback_operator.api.status import ItemIntent, ItemStatus
from failback_operator.api.vocabulary import Operation
from failback_operator.azure import NotFound, SiteRecovery
from failback_operator.facts import Job, JobError, JobTask
from failback_operator.facts.asr import VaultFacts
from failback_operator.services.job_details import JobDetailReader
from failback_operator.workflow.job_reads import TRACKING_ID_READ_AT_LATEST, jobs_to_read

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _item(name: str, operation: Operation | None = None, job_name: str | None = None) -> ItemStatus:
    intent = ItemIntent(operation=operation, attempt=1, time=NOW, job_name=job_name) if operation else None
    return ItemStatus(name=name, intent=intent)


def _group_call(operation: Operation, tracking_id: str) -> ItemStatus:
    """A machine of group rp-app1 whose recovery plan call answered with `tracking_id`."""
    return ItemStatus(
        name="vm-b",
        intent=ItemIntent(
            operation=operation, attempt=1, time=NOW, job_name=tracking_id, recovery_plan="rp-app1"
        ),
    )


def _listed(job_id: str, scenario: str, state: str, target: str = "rp-app1", start: datetime = NOW) -> Job:
    return Job(id=job_id, scenario=scenario, state=state, start=start, target_object_name=target)


def _plan_job(job_id: str, state: str, failed_child: str | None = None) -> Job:
    machine = JobTask(
        id="m1",
        name="Unknown",
        state="Failed" if failed_child else "Succeeded",
        task_type="VirtualMachineTaskDetails",
        child_job_id=failed_child or "child-ok",
        target_object_name="vm-a",
    )
    group = JobTask(
        id="Group1",
        name="Unknown",
        state=machine.state,
        task_type="RecoveryPlanGroupTaskDetails",
        children=(machine,),
    )
    return Job(
        id=job_id,
        scenario="UnplannedFailover",
        state=state,
        start=NOW,
        target_object_name="rp-app1",
        target_instance_type="RecoveryPlan",
        tasks=(group,),
        detailed=True,
    )


def test_only_the_plans_own_jobs_that_need_judging_are_read() -> None:
    syncing = [_item(f"vm-{n}") for n in range(50)]  # items in sync have no pending call
    items = [
        *syncing,
        _item("vm-a", Operation.FAILOVER, "tracking-1"),  # not listed under this name
        _item("vm-b", Operation.REPROTECT, "reprotect-done"),  # succeeded: its list entry is enough
        _item("vm-c", Operation.REPROTECT, "reprotect-failed"),  # failed: only a GET has the error
        _item("vm-d", Operation.REPROTECT, "reprotect-running"),
    ]
    jobs = [
        _listed("reprotect-done", "SwitchReplicationGroupProtection", "Succeeded", "vm-b"),
        _listed("reprotect-failed", "SwitchReplicationGroupProtection", "Failed", "vm-c"),
        _listed("reprotect-running", "SwitchReplicationGroupProtection", "InProgress", "vm-d"),
        *[
            _listed(f"sync-{n}", "SwitchReplicationGroupProtection", "Succeeded", f"vm-{n}")
            for n in range(50)
        ],
    ]
    assert jobs_to_read(items, jobs, {}, limit=10) == ("tracking-1", "reprotect-failed")
    assert jobs_to_read(items, jobs, {}, limit=1) == ("tracking-1",)
    # Once followed, the tracking id's real job is what is judged: listed, running, nothing to read.
    followed = [*jobs, _listed("real-1", "UnplannedFailover", "InProgress")]
    assert jobs_to_read(items, followed, {"tracking-1": "real-1"}, limit=10) == ("reprotect-failed",)


def test_an_items_own_job_not_listed_yet_is_left_to_the_next_jobs_list() -> None:
    """An item's call names its job itself: the next jobs list shows it, no GET needed; a recovery
    plan's tracking id leads to a job of another name, which only a GET tells."""
    reprotect = _item("vm-a", Operation.REPROTECT, "reprotect-new")
    group = _group_call(Operation.FAILOVER, "tracking-1")
    listed_since = NOW - timedelta(hours=12)
    real = _listed("real-1", "UnplannedFailover", "Succeeded", "rp-app1")
    assert jobs_to_read([reprotect, group], [real], {}, limit=5, listed_since=listed_since) == ("tracking-1",)
    # Called before the list reaches, or with no bound known: read by name, as before.
    old = ItemStatus(
        name="vm-c",
        intent=ItemIntent(
            operation=Operation.REPROTECT, attempt=1, time=NOW - timedelta(days=2), job_name="reprotect-old"
        ),
    )
    assert jobs_to_read([old], [], {}, limit=5, listed_since=listed_since) == ("reprotect-old",)
    assert jobs_to_read([reprotect], [], {}, limit=5) == ("reprotect-new",)
    # Once listed and failed, its error is read by name.
    failed = _listed("reprotect-new", "SwitchReplicationGroupProtection", "Failed", "vm-a")
    assert jobs_to_read([reprotect], [failed], {}, limit=5, listed_since=listed_since) == ("reprotect-new",)


def test_a_tracking_id_is_read_once_the_list_shows_its_job_ended() -> None:
    """Read earlier, a tracking id answers with a placeholder or a shell, and a running job must be
    read again at its end for its tasks: one read, once the whole job can be had, is enough."""
    group = _group_call(Operation.COMMIT, "tracking-2")
    failover = _listed("real-1", "UnplannedFailover", "Succeeded", "rp-app1")
    # The group's failover job, which an earlier tracking id led to, is no sign of the commit's job.
    assert jobs_to_read([group], [failover], {"tracking-1": "real-1"}, limit=5) == ()
    running = _listed("real-2", "FailoverCommit", "InProgress", "RP-APP1")
    assert jobs_to_read([group], [failover, running], {"tracking-1": "real-1"}, limit=5) == ()
    ended = _listed("real-2", "FailoverCommit", "Succeeded", "RP-APP1")
    assert jobs_to_read([group], [failover, ended], {"tracking-1": "real-1"}, limit=5) == ("tracking-2",)
    # Once followed, the real job is judged from the list.
    followed = {"tracking-1": "real-1", "tracking-2": "real-2"}
    assert jobs_to_read([group], [failover, ended], followed, limit=5) == ()


def test_an_older_ended_job_of_the_recovery_plan_is_no_sign_of_the_calls_job() -> None:
    """After a restart no tracking id is known: the plan's failover to Azure of yesterday, still in the
    day-long jobs list, must not have the commit's tracking id read before it can answer."""
    group = _group_call(Operation.COMMIT, "tracking-2")
    yesterday = _listed("to-azure", "UnplannedFailover", "Succeeded", start=NOW - timedelta(hours=20))
    assert jobs_to_read([group], [yesterday], {}, limit=5) == ()
    # Within the clocks' skew of the call, an ended job may be the call's own.
    just_before = _listed("real-2", "FailoverCommit", "Succeeded", start=NOW - timedelta(seconds=30))
    assert jobs_to_read([group], [yesterday, just_before], {}, limit=5) == ("tracking-2",)


def test_a_tracking_id_whose_job_the_list_never_shows_is_read_all_the_same_after_a_while() -> None:
    """The list alone never decides: a job it does not show is still found through the GET."""
    group = _group_call(Operation.COMMIT, "tracking-2")
    soon = NOW + TRACKING_ID_READ_AT_LATEST - timedelta(seconds=1)
    assert jobs_to_read([group], [], {}, limit=5, listed_at=soon) == ()
    later = NOW + TRACKING_ID_READ_AT_LATEST
    assert jobs_to_read([group], [], {}, limit=5, listed_at=later) == ("tracking-2",)


def test_a_failed_plan_jobs_failed_child_job_is_read_for_its_error() -> None:
    items = [_item("vm-a", Operation.FAILOVER, "real-1")]
    failed = _plan_job("real-1", "Failed", failed_child="child-failed")
    assert jobs_to_read(items, [failed], {}, limit=5) == ("child-failed",)
    succeeded = _plan_job("real-1", "Succeeded")
    assert jobs_to_read(items, [succeeded], {}, limit=5) == ()


class _FakeSiteRecovery:
    """Answers job GETs from a table; a tracking id answers with the job it leads to."""

    def __init__(self, answers: dict[str, Job]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def job(self, name: str) -> Job:
        self.asked.append(name)
        if name not in self.answers:
            raise NotFound(f"job {name} not found", operation="get job")
        return self.answers[name]


async def test_the_reader_follows_a_tracking_id_reads_children_and_keeps_ended_jobs() -> None:
    child_error = JobError(code="8038", message="not enough memory")
    failed = _plan_job("real-1", "Failed", failed_child="child-failed")
    child = Job(
        id="child-failed",
        scenario="UnplannedFailover",
        state="Failed",
        start=NOW,
        target_object_name="vm-a",
        errors=(child_error,),
        detailed=True,
    )
    fake = _FakeSiteRecovery({"tracking-1": failed, "child-failed": child})
    reader = JobDetailReader(limit_per_look=4)
    vault = VaultFacts(
        jobs=(
            _listed("real-1", "UnplannedFailover", "Failed"),
            _listed("child-failed", "UnplannedFailover", "Failed", "vm-a"),
        )
    )
    items = [_item("vm-a", Operation.FAILOVER, "tracking-1")]
    read = await reader.read_for(cast(SiteRecovery, fake), vault, items)
    assert fake.asked == ["tracking-1", "child-failed"]
    assert dict(read.tracking_ids) == {"tracking-1": "real-1"}
    by_id = {j.id: j for j in read.jobs}
    assert by_id["real-1"].detailed
    assert by_id["child-failed"].errors == (child_error,)
    # Ended jobs never change: the next look reads nothing again.
    again = await reader.read_for(cast(SiteRecovery, fake), vault, items)
    assert fake.asked == ["tracking-1", "child-failed"]
    assert {j.id: j for j in again.jobs}["child-failed"].errors == (child_error,)


async def test_looks_on_one_read_share_one_index_of_its_jobs_until_a_job_is_kept() -> None:
    listed = tuple(
        _listed(f"reprotect-{n}", "SwitchReplicationGroupProtection", "Succeeded", f"vm-{n}")
        for n in range(200)
    )
    failed = _listed("reprotect-x", "SwitchReplicationGroupProtection", "Failed", "vm-x")
    vault = VaultFacts(jobs=(*listed, failed))
    detailed = Job(
        id="reprotect-x",
        scenario="SwitchReplicationGroupProtection",
        state="Failed",
        start=NOW,
        target_object_name="vm-x",
        errors=(JobError(code="539", message="no master target"),),
        detailed=True,
    )
    fake = _FakeSiteRecovery({"reprotect-x": detailed})
    reader = JobDetailReader()
    quiet = [_item("vm-1")]
    first = await reader.read_for(cast(SiteRecovery, fake), vault, quiet)
    second = await reader.read_for(cast(SiteRecovery, fake), vault, quiet)
    assert first.jobs_index is not None
    assert second.jobs_index is first.jobs_index  # one index for every look on this read
    # A look that reads a failed job keeps it: the looks after it see it in place, in a new index.
    judged = await reader.read_for(
        cast(SiteRecovery, fake), vault, [_item("vm-x", Operation.REPROTECT, "reprotect-x")]
    )
    assert fake.asked == ["reprotect-x"]
    after = await reader.read_for(cast(SiteRecovery, fake), vault, quiet)
    assert after.jobs_index is not first.jobs_index
    assert after.job_index().by_id["reprotect-x"].errors == detailed.errors
    assert judged.job_index().by_id["reprotect-x"] is after.job_index().by_id["reprotect-x"]
    assert [job.id for job in after.jobs] == [job.id for job in vault.jobs]  # list order kept
    # A new read of the list (a new tuple) is indexed anew, once.
    relisted = VaultFacts(jobs=tuple(list(vault.jobs)))
    third = await reader.read_for(cast(SiteRecovery, fake), relisted, quiet)
    fourth = await reader.read_for(cast(SiteRecovery, fake), relisted, quiet)
    assert third.jobs_index is not after.jobs_index
    assert fourth.jobs_index is third.jobs_index


async def test_a_placeholder_is_not_taken_for_a_job_and_a_missing_job_is_no_failure() -> None:
    placeholder = Job(id="tracking-1", scenario="", state="NotStarted", detailed=True)
    fake = _FakeSiteRecovery({"tracking-1": placeholder})
    reader = JobDetailReader(limit_per_look=3)
    items: list[Any] = [
        _item("vm-a", Operation.FAILOVER, "tracking-1"),
        _item("vm-b", Operation.COMMIT, "gone"),
    ]
    read = await reader.read_for(cast(SiteRecovery, fake), VaultFacts(), items)
    assert fake.asked == ["tracking-1", "gone"]
    assert read.jobs == ()
    assert read.tracking_ids == ()


def test_a_plan_applied_again_after_failback_reads_its_groups_last_failover_job_once() -> None:
    plan_failover = _listed("real-1", "UnplannedFailover", "Succeeded")  # listed: no tasks
    child = _listed("child-1", "UnplannedFailover", "Succeeded", "vm-a")  # on the machine itself
    jobs = [plan_failover, child]
    plans = {"vm-a": "rp-app1", "vm-b": "rp-app1"}
    # No status yet (the plan was applied again): the group's plan job, not a machine's child job.
    assert jobs_to_read([], jobs, {}, limit=5, recovery_plans=plans) == ("real-1",)
    confirmed = [ItemStatus(name=n, shutdown_confirmed=True) for n in plans]
    assert jobs_to_read(confirmed, jobs, {}, limit=5, recovery_plans=plans) == ()
