"""Site Recovery jobs: the recorded task lists of each operation and how a job progresses over time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from failback_operator.sim.asr.errors import JobErrorText
from failback_operator.sim.asr.lifecycle import Operation

__all__ = [
    "JobPlan",
    "JobProgress",
    "ServerOperation",
    "TaskPlan",
    "TaskProgress",
    "job_template",
    "progress",
]


class ServerOperation(StrEnum):
    """Operations on a server of the fabric, not on items; the value is its `allowedScenarios` entry."""

    REFRESH = "Refresh"


@dataclass(frozen=True)
class TaskPlan:
    """One task of a job as Site Recovery names it; skipped tasks show state Other / Skipped."""

    task_id: str
    name: str
    friendly_name: str
    weight: float = 1.0
    skipped: bool = False


@dataclass(frozen=True)
class JobTemplate:
    """Scenario name, friendly name and tasks of the job an operation starts."""

    scenario_name: str
    friendly_name: str
    custom_instance_type: str
    tasks: tuple[TaskPlan, ...]


# Modelled, not recorded: the job "Refresh server" (refreshProvider) starts; FB022.
_REFRESH_SERVER = JobTemplate(
    "RefreshServer",
    "Refresh server",
    "AsrJobDetails",
    (
        TaskPlan(
            "RefreshServerPrerequisitesCheckTask", "RefreshServerPrerequisitesCheck", "Prerequisites check", 1
        ),
        TaskPlan("RefreshServerTask", "RefreshServer", "Refreshing the server", 4),
    ),
)


def job_template(
    operation: Operation | ServerOperation, *, source_site_required: bool, commits_first: bool
) -> JobTemplate:
    """The recorded job shape for `operation` (the refresh's is modelled).

    The failover's shut-down and sync tasks run only with sourceSiteOperations Required (FB042);
    reprotect skips its commit task unless the failover was not committed yet.
    """
    if operation is ServerOperation.REFRESH:
        return _REFRESH_SERVER
    if operation is Operation.REPROTECT:
        return JobTemplate(
            "SwitchReplicationGroupProtection",
            "Reprotect",
            "SwitchProtectionJobDetails",
            (
                TaskPlan(
                    "SwitchReplicationGroupProtectionPreflightTask",
                    "SwitchReplicationGroupProtectionPreflightTask",
                    "Prerequisite check",
                    0.5,
                ),
                TaskPlan(
                    "CommitFailoverTask", "VmCommitFailover", "Committing failover", 1, not commits_first
                ),
                TaskPlan(
                    "DiscoverReplicaTask", "DiscoverReplicaTask", "Discovering replica virtual machine", 1
                ),
                TaskPlan(
                    "GetSwitchProtectionRequirementsTask",
                    "GetSwitchProtectionRequirementsTask",
                    "Getting reprotection requirements",
                    0.5,
                ),
                TaskPlan("ProtectReplicaTask", "ProtectReplicaTask", "Reprotecting virtual machine", 6),
            ),
        )
    if operation is Operation.UNPLANNED_FAILOVER:
        skip = not source_site_required
        return JobTemplate(
            "UnplannedFailover",
            "Failover",
            "FailoverJobDetails",
            (
                TaskPlan(
                    "UnplannedFailoverPreflightChecksTask",
                    "VmUfoPrerequisitesCheck",
                    "Prerequisites check for failover",
                    1,
                ),
                TaskPlan(
                    "ShutdownVmOnPrimaryForUFO",
                    "VmShutdownVmOnPrimary",
                    "Shut down the virtual machine",
                    1,
                    skip,
                ),
                TaskPlan(
                    "PrepareForUnPlannedFailoverTask",
                    "VmPrepareForUnPlannedFailover",
                    "Synchronizing the latest changes",
                    2,
                    skip,
                ),
                TaskPlan("FailoverTask", "VmFailover", "Start failover", 3),
                TaskPlan(
                    "StartVmOnSecondary", "VmFoStartVmOnSecondary", "Start the replica virtual machine", 1
                ),
            ),
        )
    if operation is Operation.PLANNED_FAILOVER:
        return JobTemplate(
            "PlannedFailover",
            "Planned failover",
            "FailoverJobDetails",
            (
                TaskPlan(
                    "PlannedFailoverPreflightChecksTask",
                    "VmPfoPrerequisitesCheck",
                    "Prerequisites check for planned failover",
                    1,
                ),
                TaskPlan("PrepareForFailoverTask", "VmPrepareForFailover", "Start failover", 1),
                TaskPlan("FailoverTask", "VmFailover", "Shut down the Azure virtual machine", 2),
                TaskPlan(
                    "PrepareProtectedEntitiesTask",
                    "VmPrepareProtectedEntitiesTask",
                    "Preparing on-premise virtual machine",
                    2,
                ),
                TaskPlan(
                    "StartVmOnSecondary", "VmFoStartVmOnSecondary", "Starting on-premise virtual machine", 1
                ),
            ),
        )
    if operation is Operation.COMMIT:
        return JobTemplate(
            "CommitFailover",
            "Commit",
            "AsrJobDetails",
            (
                TaskPlan(
                    "CommitPrerequisitesCheckTask", "VmCommitPrerequisitesCheck", "Prerequisite check", 1
                ),
                TaskPlan("CommitTask", "VmCommit", "Commit", 4),
            ),
        )
    return JobTemplate(
        "CancelFailover",
        "Cancel failover",
        "AsrJobDetails",
        (
            TaskPlan(
                "CancelFailoverPrerequisitesCheckTask",
                "VmCancelFailoverPrerequisitesCheck",
                "Prerequisite check",
            ),
            TaskPlan("CancelFailoverTask", "VmCancelFailover", "Cancel failover", 4),
        ),
    )


@dataclass(frozen=True)
class JobPlan:
    """A started job: when it started, how long it runs, and whether (and where) it fails."""

    start: datetime
    duration: timedelta
    tasks: tuple[TaskPlan, ...]
    failure: JobErrorText | None = None

    def task_windows(self) -> list[tuple[datetime, datetime] | None]:
        """Start and end of each task that runs; None for skipped ones."""
        weights = [task.weight for task in self.tasks if not task.skipped]
        total = sum(weights) or 1.0
        windows: list[tuple[datetime, datetime] | None] = []
        cursor = self.start
        for task in self.tasks:
            if task.skipped:
                windows.append(None)
                continue
            length = self.duration * (task.weight / total)
            windows.append((cursor, cursor + length))
            cursor += length
        return windows

    def failing_index(self) -> int | None:
        """Index of the task that fails, if the job fails."""
        if self.failure is None:
            return None
        for index, task in enumerate(self.tasks):
            if task.name == self.failure.failing_task and not task.skipped:
                return index
        runnable = [index for index, task in enumerate(self.tasks) if not task.skipped]
        return runnable[-1]

    def end(self) -> datetime:
        """When the job reaches its final state (earlier when a task fails)."""
        windows = self.task_windows()
        failing = self.failing_index()
        if failing is not None:
            window = windows[failing]
            assert window is not None
            return window[1]
        return self.start + self.duration


@dataclass(frozen=True)
class TaskProgress:
    """A task's state at one moment."""

    plan: TaskPlan
    state: str
    state_description: str
    start: datetime | None
    end: datetime | None
    error: JobErrorText | None = None


@dataclass(frozen=True)
class JobProgress:
    """A job's state at one moment: InProgress, Succeeded or Failed, with its tasks."""

    state: str
    state_description: str
    end: datetime | None
    tasks: list[TaskProgress] = field(default_factory=list)
    error: JobErrorText | None = None


def progress(plan: JobPlan, now: datetime) -> JobProgress:
    """Where the job is at `now`; the same inputs always give the same answer."""
    windows = plan.task_windows()
    failing = plan.failing_index()
    tasks: list[TaskProgress] = []
    for index, (task, window) in enumerate(zip(plan.tasks, windows, strict=True)):
        if window is None:
            tasks.append(TaskProgress(task, "Other", "Skipped", None, None))
            continue
        start, end = window
        if (failing is not None and index > failing) or now < start:
            tasks.append(TaskProgress(task, "NotStarted", "NotStarted", None, None))
        elif now < end:
            tasks.append(TaskProgress(task, "InProgress", "InProgress", start, None))
        elif failing == index:
            tasks.append(TaskProgress(task, "Failed", "Failed", start, end, plan.failure))
        else:
            tasks.append(TaskProgress(task, "Succeeded", "Completed", start, end))
    job_end = plan.end()
    if now < job_end:
        return JobProgress("InProgress", "InProgress", None, tasks)
    if plan.failure is not None:
        return JobProgress("Failed", "Failed", job_end, tasks, plan.failure)
    return JobProgress("Succeeded", "Completed", job_end, tasks)
