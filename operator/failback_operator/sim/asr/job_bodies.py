"""ARM bodies of jobs, operation status and recovery plans, shaped like the recorded responses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from failback_operator.sim.asr.ids import (
    AZURE_CONTAINER,
    AZURE_FABRIC_ID,
    NEVER,
    NO_SCENARIO_TIME,
    container_name,
    fabric_id,
    item_id,
    job_id,
    stamp,
    vault_prefix,
)
from failback_operator.sim.asr.jobs import JobProgress, TaskProgress, progress
from failback_operator.sim.asr.lifecycle import item_view
from failback_operator.sim.asr.scenario import Architecture
from failback_operator.sim.asr.state import ItemState, JobState, SimState, stable_id

__all__ = ["job_body", "operation_status_body", "recovery_plan_body", "tracked_job_body"]


def _task_id(job: JobState, task: TaskProgress) -> str:
    """The recorded task id, or the task's own GUID in this job where Site Recovery gives one."""
    return task.plan.task_id or stable_id("task", job.id, task.plan.name, task.plan.friendly_name)


def _task_body(state: SimState, job: JobState, task: TaskProgress) -> dict[str, Any]:
    body: dict[str, Any] = {
        "taskId": _task_id(job, task),
        "name": task.plan.name,
        "startTime": stamp(task.start) or NEVER,
        "endTime": stamp(task.end) or NEVER,
        "allowedActions": [],
        "friendlyName": task.plan.friendly_name,
        "state": task.state,
        "stateDescription": task.state_description,
        "taskType": "TaskDetails",
        "customDetails": {"instanceType": "TaskDetails"},
        "groupTaskCustomDetails": None,
        "errors": [_error_entry(task.error, task.end)] if task.error else [],
    }
    if task.plan.phase is not None:
        return _group_task_body(state, job, task, body)
    return body


def _machine_task_body(state: SimState, job: JobState, task: TaskProgress, item_name: str) -> dict[str, Any]:
    """A VirtualMachineTaskDetails task: the machine's own child job, its state and times.

    Recorded: before the child job starts, its id ends in `replicationJobs/` and its names are
    `Unknown`; a task not started has 0001-01-01 times.
    """
    item = state.items[item_name.lower()]
    child = state.job(job.child_jobs.get((str(task.plan.phase), item.name), "") or "")
    started = child is not None and task.state not in ("NotStarted", "Other")
    child_progress = progress(child.plan, state.clock.now()) if child is not None and started else None
    if child_progress is not None and child is not None:
        state_name, description = child_progress.state, child_progress.state_description
        start, end = stamp(child.plan.start), stamp(child_progress.end)
    else:
        state_name, description = task.state, task.state_description
        start, end = None, None
    return {
        "taskId": stable_id("machine-task", job.id, str(task.plan.phase), item.name),
        "name": "Unknown",
        "startTime": start or NEVER,
        "endTime": end or NEVER,
        "allowedActions": [],
        "friendlyName": item.spec.vm_name,
        "state": state_name,
        "stateDescription": description,
        "taskType": "VirtualMachineTaskDetails",
        "customDetails": {
            "skippedReason": "None",
            "skippedReasonString": None,
            "jobTask": {
                "jobId": job_id(state, child.id if started and child is not None else ""),
                "jobFriendlyName": job.friendly_name if started else "Unknown",
                "targetObjectId": item.vm_id,
                "targetObjectName": item.spec.vm_name,
                "targetInstanceType": "Vm",
                "jobScenarioName": job.scenario_name if started else "Unknown",
            },
            "instanceType": "VirtualMachineTaskDetails",
        },
        "groupTaskCustomDetails": None,
        "errors": [],
    }


def _group_task_body(
    state: SimState, job: JobState, task: TaskProgress, body: dict[str, Any]
) -> dict[str, Any]:
    """A recovery-plan group task, as recorded: machine tasks under it (shut-down: under one group)."""
    machines = [_machine_task_body(state, job, task, name) for name in job.item_names]
    count = len(machines)
    phase = str(task.plan.phase)
    body.update(
        {
            "name": "Unknown",
            "taskType": task.plan.task_type,
            "customDetails": None,
            "errors": [],  # modelled (pessimistic): a machine's error is only in its child job
        }
    )
    if task.plan.task_type == "RecoveryPlanShutdownGroupTaskDetails":
        body["friendlyName"] = f"{task.plan.friendly_name} (1)"
        inner = {
            **body,
            "taskId": "Group1",
            "friendlyName": f"Shutdown: Group 1 ({count})",
            "taskType": "RecoveryPlanGroupTaskDetails",
            "groupTaskCustomDetails": {
                "name": "Group1",
                "groupId": "Group1",
                "rpGroupType": phase,
                "instanceType": "RecoveryPlanGroupTaskDetails",
                "childTasks": machines,
            },
        }
        children = [inner]
    else:
        if task.plan.task_id != "FailoverAllActionGroup":
            body["friendlyName"] = f"{task.plan.friendly_name} ({count})"
        children = machines
    group_name = task.plan.task_id or "Group1"
    body["groupTaskCustomDetails"] = {
        "name": group_name,
        "groupId": group_name,
        "rpGroupType": phase,
        "instanceType": task.plan.task_type,
        "childTasks": children,
    }
    return body


def _error_entry(error: Any, when: datetime | None) -> dict[str, Any]:
    return {
        "serviceErrorDetails": {
            "code": error.code,
            "message": error.message,
            "possibleCauses": error.possible_causes,
            "recommendedAction": error.recommended_action,
            "activityId": "",
        },
        "providerErrorDetails": None,
        "errorLevel": "Error",
        "creationTime": stamp(when),
        "taskId": error.failing_task,
    }


def _server_details(state: SimState, job: JobState) -> dict[str, Any]:
    """Custom details of an item-less job on a server of the fabric (modelled, not recorded)."""
    return {
        "instanceType": job.custom_instance_type,
        "affectedObjectDetails": {
            "primaryVmmId": state.scenario.configuration_server.internal_id,
            "primaryVmmName": state.scenario.configuration_server.name,
            "primaryFabricProviderId": "VMware"
            if state.architecture is Architecture.CLASSIC
            else "InMageRcm",
        },
    }


def _item_details(state: SimState, job: JobState, job_progress: JobProgress) -> dict[str, Any]:
    """Custom details of a job on items or a recovery plan, shaped like the recorded ones."""
    items = [state.items[name.lower()] for name in job.item_names]
    first = items[0]
    server = state.scenario.configuration_server
    toward_on_premises = job.toward_on_premises
    recovery_cloud = server.name if toward_on_premises else "Microsoft Azure"
    affected = {
        "primaryVmId": first.vm_id,
        "primaryVmName": first.spec.vm_name,
        "recoveryVmId": "",
        "recoveryVmName": first.spec.vm_name,
        "protectionProfileId": stable_id("profile", state.scenario.failback_policy),
        "primaryCloudId": container_name(state),
        "primaryCloudName": server.name,
        "recoveryCloudId": container_name(state) if toward_on_premises else AZURE_CONTAINER,
        "recoveryCloudName": recovery_cloud,
        "primaryVmmId": server.internal_id,
        "primaryVmmName": server.name,
        "recoveryVmmId": server.internal_id if toward_on_premises else AZURE_FABRIC_ID,
        "recoveryVmmName": recovery_cloud,
        "primaryFabricProviderId": "VMware" if state.architecture is Architecture.CLASSIC else "InMageRcm",
        "recoveryFabricProviderId": "VMware" if toward_on_premises else "Azure",
    }
    custom: dict[str, Any] = {"instanceType": job.custom_instance_type, "affectedObjectDetails": affected}
    if job.custom_instance_type == "SwitchProtectionJobDetails":
        custom = {
            "newReplicationProtectedItemId": item_id(state, first)
            if job_progress.state == "Succeeded"
            else None,
            **custom,
        }
    if job.custom_instance_type == "FailoverJobDetails":
        point = job.recovery_point
        custom["protectedItemDetails"] = [
            {
                "name": item.name,
                "friendlyName": item.spec.vm_name,
                "testVmName": None,
                "testVmFriendlyName": None,
                "networkConnectionStatus": None,
                "networkFriendlyName": None,
                "subnet": None,
                "recoveryPointId": f"{item_id(state, item)}/recoveryPoints/{point.id}" if point else None,
                "recoveryPointTime": stamp(point.time) if point else None,
            }
            for item in items
        ]
    return custom


def _allowed_actions(state_name: str) -> list[str]:
    """Recorded: Cancel while a job runs, Restart once it failed."""
    return {"InProgress": ["Cancel"], "Failed": ["Restart"]}.get(state_name, [])


def job_body(
    state: SimState, job: JobState, job_progress: JobProgress, *, listed: bool = False
) -> dict[str, Any]:
    """A Site Recovery job: in full for a GET by name; bare (no tasks, errors, details) in a list."""
    custom = _item_details(state, job, job_progress) if job.item_names else _server_details(state, job)
    errors = [_error_entry(job_progress.error, job_progress.end)] if job_progress.error else []
    children = [state.job(child_id) for child_id in job.child_jobs.values()]
    if any(child is not None and child.plan.failure is not None for child in children):
        errors = []  # modelled (pessimistic): when a machine fails, only its child job carries the error
    properties: dict[str, Any] = {
        "activityId": None if listed else job.activity_id,
        "scenarioName": job.scenario_name,
        "friendlyName": job.friendly_name,
        "state": job_progress.state,
        "stateDescription": job_progress.state_description,
        "tasks": [] if listed else [_task_body(state, job, task) for task in job_progress.tasks],
        "errors": [] if listed else errors,
        "startTime": stamp(job.plan.start),
        "allowedActions": _allowed_actions(job_progress.state),
        "targetObjectId": job.target_object_id,
        "targetObjectName": job.target_object_name,
        "targetInstanceType": job.target_instance_type,
        "customDetails": None if listed else custom,
    }
    if job_progress.end is not None:
        properties["endTime"] = job_progress.end.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": job_id(state, job.id),
        "name": job.id,
        "type": "Microsoft.RecoveryServices/vaults/replicationJobs",
        "properties": properties,
    }


# Recorded (A2A, H2A): a recovery-plan job's tracking id answers with a placeholder, then a shell,
# then the real job under its own name (about 20 s after the POST).
TRACKING_PLACEHOLDER = timedelta(seconds=5)
TRACKING_SHELL = timedelta(seconds=20)


def tracked_job_body(state: SimState, job: JobState) -> dict[str, Any]:
    """What GET replicationJobs/{tracking id} answers at this moment."""
    assert job.tracking_id is not None
    now = state.clock.now()
    job_progress = progress(job.plan, now)
    elapsed = now - job.plan.start
    if elapsed >= TRACKING_SHELL or job_progress.state != "InProgress":
        return job_body(state, job, job_progress)
    properties: dict[str, Any] = {
        "activityId": job.activity_id,
        "scenarioName": None,
        "friendlyName": None,
        "state": "NotStarted",
        "stateDescription": "NotStarted",
        "tasks": [],
        "errors": [],
        "allowedActions": [],
        "targetObjectId": None,
        "targetObjectName": None,
        "targetInstanceType": "ProtectionEntity",
        "customDetails": {"instanceType": "AsrJobDetails", "affectedObjectDetails": {}},
    }
    if elapsed >= TRACKING_PLACEHOLDER:
        custom = _item_details(state, job, job_progress)
        if "protectedItemDetails" in custom:
            custom["protectedItemDetails"] = []
        properties = {
            "activityId": job.activity_id,
            "scenarioName": job.scenario_name,
            "friendlyName": job.friendly_name,
            "state": "InProgress",
            "stateDescription": "InProgress",
            "tasks": [],
            "errors": [],
            "startTime": stamp(job.plan.start),
            "allowedActions": [],
            "targetObjectId": job.target_object_id,
            "targetObjectName": job.target_object_name,
            "targetInstanceType": job.target_instance_type,
            "customDetails": custom,
        }
    return {
        "id": job_id(state, job.tracking_id),
        "name": job.tracking_id,
        "type": "Microsoft.RecoveryServices/vaults/replicationJobs",
        "properties": properties,
    }


def operation_status_body(job: JobState, job_progress: JobProgress) -> dict[str, Any]:
    """The replicationOperationStatus body ARM's poller reads (status InProgress / Succeeded / Failed)."""
    error = None
    if job_progress.error is not None:
        error = {"code": job_progress.error.code, "message": job_progress.error.message}
    return {
        "error": error,
        "id": None,
        "name": job.id,
        "properties": None,
        "status": job_progress.state,
        "startTime": stamp(job.plan.start),
        "endTime": stamp(job_progress.end),
        "percentComplete": None,
    }


def recovery_plan_body(state: SimState, plan_name: str, members: list[ItemState]) -> dict[str, Any]:
    """A recovery plan with its items in one boot group; allowed operations are what all members allow."""
    server = state.scenario.configuration_server
    visible = [item for item in members if not item.protection_disabled]
    allowed_sets = []
    for item in visible:
        ops = set(item_view(state.architecture, item.stage).allowed_operations)
        if item.current_job_id:
            ops = set()
        allowed_sets.append(ops)
    common = set.intersection(*allowed_sets) if allowed_sets else set()
    plan_ops = [
        op
        for op in ("PlannedFailover", "UnplannedFailover", "TestFailover", "Commit", "CancelFailover")
        if op in common
    ]
    jobs = [
        job
        for job in state.jobs.values()
        if job.recovery_plan and job.recovery_plan.lower() == plan_name.lower()
    ]
    latest = max(jobs, key=lambda job: job.plan.start) if jobs else None
    current: dict[str, Any] = {
        "scenarioName": "None",
        "jobId": job_id(state, "None"),
        "startTime": NO_SCENARIO_TIME,
    }
    status = None
    if latest is not None:
        current = {
            "scenarioName": latest.scenario_name,
            "jobId": job_id(state, latest.id),
            "startTime": stamp(latest.plan.start),
        }
        status = progress(latest.plan, state.clock.now()).state
    providers = sorted({item_view(state.architecture, item.stage).instance_type for item in visible})
    return {
        "id": f"{vault_prefix(state)}/replicationRecoveryPlans/{plan_name}",
        "name": plan_name,
        "type": "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans",
        "properties": {
            "friendlyName": plan_name,
            "primaryFabricId": fabric_id(state),
            "primaryFabricFriendlyName": server.name,
            "recoveryFabricId": "Microsoft Azure",
            "recoveryFabricFriendlyName": "Microsoft Azure",
            "failoverDeploymentModel": "ResourceManager",
            "replicationProviders": providers,
            "allowedOperations": plan_ops,
            **_last_failover_times(state, jobs),
            "currentScenario": current,
            "currentScenarioStatus": status,
            "currentScenarioStatusDescription": {"Succeeded": "Completed"}.get(status or "", status),
            "groups": [
                {
                    "groupType": "Shutdown",
                    "replicationProtectedItems": [],
                    "startGroupActions": [],
                    "endGroupActions": [],
                },
                {
                    "groupType": "Failover",
                    "replicationProtectedItems": [],
                    "startGroupActions": [],
                    "endGroupActions": [],
                },
                {
                    "groupType": "Boot",
                    "replicationProtectedItems": [
                        {"id": item_id(state, item), "virtualMachineId": item.vm_id} for item in visible
                    ],
                    "startGroupActions": [],
                    "endGroupActions": [],
                },
            ],
            "providerSpecificDetails": [],
        },
    }


def _last_failover_times(state: SimState, jobs: list[JobState]) -> dict[str, str]:
    """lastPlannedFailoverTime (recorded) / lastUnplannedFailoverTime of the plan's succeeded failovers."""
    now = state.clock.now()
    times: dict[str, str] = {}
    for job in sorted(jobs, key=lambda job: job.plan.start):
        if progress(job.plan, now).state != "Succeeded":
            continue
        key = {"PlannedFailover": "lastPlannedFailoverTime", "UnplannedFailover": "lastUnplannedFailoverTime"}
        if job.scenario_name in key:
            times[key[job.scenario_name]] = stamp(job.plan.start) or NEVER
    return times
