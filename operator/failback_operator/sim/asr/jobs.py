"""Site Recovery jobs: the recorded task lists of each operation and how a job progresses over time."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from failback_operator.sim.asr.errors import JobErrorText
from failback_operator.sim.asr.lifecycle import Operation

__all__ = [
    "JobPlan",
    "JobProgress",
    "MachinePhase",
    "ServerOperation",
    "TaskPlan",
    "TaskProgress",
    "job_template",
    "machine_phase_tasks",
    "plan_job_template",
    "progress",
]


class ServerOperation(StrEnum):
    """Operations on a server of the fabric, not on items; the value is its `allowedScenarios` entry."""

    REFRESH = "Refresh"


class MachinePhase(StrEnum):
    """A group of a recovery-plan job whose machine tasks each run a per-machine child job."""

    SHUTDOWN = "Shutdown"
    FAILOVER = "RpFailoverTask"
    BOOT = "BootGroup"
    COMMIT = "CommitGroup"
    CANCEL = "CancelFailoverGroup"  # modelled: no recovery-plan cancel job is recorded


@dataclass(frozen=True)
class TaskPlan:
    """One task of a job as Site Recovery names it; skipped tasks show state Other / Skipped.

    A recovery-plan job's group tasks name the phase whose per-machine child jobs they run; an
    empty `task_id` is a GUID of its own in each job (as recorded).
    """

    task_id: str
    name: str
    friendly_name: str
    weight: float = 1.0
    skipped: bool = False
    task_type: str = "TaskDetails"
    phase: MachinePhase | None = None


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


_PLAN_FAILOVER_TASKS = (
    TaskPlan("", "RpSrsPrerequisitesCheck", "Prerequisites check for the recovery plan", 0.5),
    TaskPlan(
        "ShutdownAllActionGroup",
        "Unknown",
        "All groups shutdown",
        2,
        task_type="RecoveryPlanShutdownGroupTaskDetails",
        phase=MachinePhase.SHUTDOWN,
    ),
    TaskPlan(
        "FailoverAllActionGroup",
        "Unknown",
        "Recovery plan failover",
        3,
        task_type="RecoveryPlanGroupTaskDetails",
        phase=MachinePhase.FAILOVER,
    ),
    TaskPlan(
        "Group1",
        "Unknown",
        "Group 1: Start",
        1,
        task_type="RecoveryPlanGroupTaskDetails",
        phase=MachinePhase.BOOT,
    ),
    TaskPlan("", "EndRecoveryPlanTask", "Finalizing the recovery plan", 0.2),
)

# Which per-machine child job (by the plan group that starts it) runs each task of an item's job.
# Recorded: the group tree and that each machine task names its own child job; modelled: which
# of the item job's tasks each child job carries.
_PHASE_OF_TASK: dict[str, MachinePhase] = {
    "VmShutdownVmOnPrimary": MachinePhase.SHUTDOWN,
    "VmPrepareForUnPlannedFailover": MachinePhase.SHUTDOWN,
    "VmUfoPrerequisitesCheck": MachinePhase.FAILOVER,
    "VmFailover": MachinePhase.FAILOVER,
    "VmFoStartVmOnSecondary": MachinePhase.BOOT,
    "VmPfoPrerequisitesCheck": MachinePhase.SHUTDOWN,
    "VmPrepareForFailover": MachinePhase.SHUTDOWN,
    "VmPrepareProtectedEntitiesTask": MachinePhase.FAILOVER,
}


def plan_job_template(operation: Operation, *, source_site_required: bool) -> JobTemplate:
    """The job a recovery-plan operation starts: group tasks whose machine tasks run child jobs.

    Failover (recorded, A2A): prerequisites, the shut-down groups (skipped when source-site
    operations are not required), the failover group, the boot group, finalizing. Commit
    (recorded, H2A): one commit group. Cancel: modelled on commit.
    """
    item = job_template(operation, source_site_required=source_site_required, commits_first=False)
    if operation in (Operation.UNPLANNED_FAILOVER, Operation.PLANNED_FAILOVER):
        tasks = tuple(
            replace(task, skipped=True)
            if task.phase is MachinePhase.SHUTDOWN and not source_site_required
            else task
            for task in _PLAN_FAILOVER_TASKS
        )
        return replace(item, tasks=tasks)
    phase, label = (
        (MachinePhase.COMMIT, "Commit") if operation is Operation.COMMIT else (MachinePhase.CANCEL, "Cancel")
    )
    group = TaskPlan(
        "", "Unknown", f"Group 1: {label}", 1, task_type="RecoveryPlanGroupTaskDetails", phase=phase
    )
    return replace(item, tasks=(group,))


def machine_phase_tasks(
    operation: Operation, phase: MachinePhase, *, source_site_required: bool
) -> tuple[TaskPlan, ...]:
    """The tasks of the per-machine child job a recovery-plan group runs (modelled on the item job)."""
    tasks = job_template(operation, source_site_required=source_site_required, commits_first=False).tasks
    if phase in (MachinePhase.COMMIT, MachinePhase.CANCEL):
        return tasks
    return tuple(task for task in tasks if _PHASE_OF_TASK.get(task.name) is phase)


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
            if self.failure.failing_task in (task.name, task.task_id) and not task.skipped:
                return index
        runnable = [index for index, task in enumerate(self.tasks) if not task.skipped]
        return runnable[-1]

    def end(self) -> datetime:
        """When the job reaches its final state (earlier when a task fails)."""
        return self._end

    @functools.cached_property
    def _end(self) -> datetime:
        # Asked of every running job at every request: a plan never changes, so its end is kept.
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


def state_at(plan: JobPlan, now: datetime) -> str:
    """The job's state at `now`, as `progress` gives it, without working out its tasks."""
    if now < plan.end():
        return "InProgress"
    return "Failed" if plan.failure is not None else "Succeeded"


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
