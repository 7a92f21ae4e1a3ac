"""Site Recovery job timelines: tasks in recorded order, skipped tasks, failures at the documented task."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from failback_operator.sim.asr.errors import JOB_ERRORS
from failback_operator.sim.asr.jobs import JobPlan, job_template, progress, state_at
from failback_operator.sim.asr.lifecycle import Operation

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _plan(operation: Operation, *, required: bool = True, failure: str | None = None) -> JobPlan:
    template = job_template(operation, source_site_required=required, commits_first=False)
    return JobPlan(START, timedelta(minutes=10), template.tasks, JOB_ERRORS[failure] if failure else None)


def test_failover_skips_the_shut_down_without_source_site_operations() -> None:
    done = progress(_plan(Operation.UNPLANNED_FAILOVER, required=False), START + timedelta(minutes=11))
    states = {task.plan.name: task.state_description for task in done.tasks}
    assert states["VmShutdownVmOnPrimary"] == "Skipped"
    assert states["VmPrepareForUnPlannedFailover"] == "Skipped"
    assert states["VmFailover"] == "Completed"
    required = progress(_plan(Operation.UNPLANNED_FAILOVER), START + timedelta(minutes=11))
    assert {task.plan.name: task.state for task in required.tasks}["VmShutdownVmOnPrimary"] == "Succeeded"


def test_tasks_run_one_after_another() -> None:
    plan = _plan(Operation.REPROTECT)
    early = progress(plan, START + timedelta(seconds=1))
    assert early.state == "InProgress"
    assert [task.state for task in early.tasks][:3] == ["InProgress", "Other", "NotStarted"]
    done = progress(plan, START + timedelta(minutes=10))
    assert done.state == "Succeeded"
    assert done.state_description == "Completed"
    assert done.end == START + timedelta(minutes=10)


def test_a_failing_job_stops_at_its_task() -> None:
    plan = _plan(Operation.REPROTECT, failure="95226")
    failed = progress(plan, START + timedelta(minutes=10))
    assert failed.state == "Failed"
    assert failed.error is JOB_ERRORS["95226"]
    assert [task.state for task in failed.tasks][-1] == "Failed"
    commit = _plan(Operation.UNPLANNED_FAILOVER, failure="8038")
    ended = progress(commit, START + timedelta(minutes=10))
    assert next(task for task in ended.tasks if task.state == "Failed").plan.name == "VmFoStartVmOnSecondary"


def test_progress_is_a_pure_function_of_time() -> None:
    plan = _plan(Operation.PLANNED_FAILOVER)
    moment = START + timedelta(minutes=4)
    assert progress(plan, moment) == progress(plan, moment)


def test_recorded_scenario_names() -> None:
    names = {
        operation: job_template(operation, source_site_required=True, commits_first=False).friendly_name
        for operation in Operation
    }
    assert names[Operation.REPROTECT] == "Reprotect"
    assert names[Operation.UNPLANNED_FAILOVER] == "Failover"
    assert names[Operation.PLANNED_FAILOVER] == "Planned failover"
    assert names[Operation.COMMIT] == "Commit"


def test_a_jobs_end_is_worked_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request settles the jobs due by then: a running job's end is asked thousands of times."""
    plan = _plan(Operation.REPROTECT, failure="95226")
    worked_out = 0
    windows = JobPlan.task_windows

    def counted(self: JobPlan) -> list[tuple[datetime, datetime] | None]:
        nonlocal worked_out
        worked_out += 1
        return windows(self)

    monkeypatch.setattr(JobPlan, "task_windows", counted)
    ends = {plan.end() for _ in range(100)}
    assert worked_out == 1
    assert ends == {progress(plan, START + timedelta(minutes=10)).end}
    assert replace(plan, failure=None).end() == START + timedelta(minutes=10)  # a new plan, its own end


def test_the_state_alone_is_the_state_progress_gives() -> None:
    for failure in (None, "95226"):
        plan = _plan(Operation.REPROTECT, failure=failure)
        for minutes in (0, 1, 5, 9.99, 10, 11):
            now = START + timedelta(minutes=minutes)
            assert state_at(plan, now) == progress(plan, now).state, (failure, minutes)
