"""ARM bodies of jobs, operation status and recovery plans, shaped like the recorded responses."""

from __future__ import annotations

from datetime import datetime
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

__all__ = ["job_body", "operation_status_body", "recovery_plan_body"]


def _task_body(task: TaskProgress, child_names: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "taskId": task.plan.task_id,
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
    if child_names:
        body["taskType"] = "GroupTaskDetails"
        body["customDetails"] = None
        body["friendlyName"] = f"{task.plan.friendly_name} ({len(child_names)})"
        body["groupTaskCustomDetails"] = {
            "instanceType": "GroupTaskDetails",
            "childTasks": [
                {
                    "taskId": task.plan.task_id,
                    "name": name,
                    "startTime": body["startTime"],
                    "endTime": body["endTime"],
                    "allowedActions": [],
                    "friendlyName": name,
                    "state": task.state,
                    "stateDescription": task.state_description,
                    "taskType": "TaskDetails",
                    "customDetails": {"instanceType": "TaskDetails"},
                    "groupTaskCustomDetails": None,
                    "errors": [],
                }
                for name in child_names
            ],
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


def job_body(state: SimState, job: JobState, job_progress: JobProgress) -> dict[str, Any]:
    """A Site Recovery job with its tasks, as GET and list of replicationJobs return it."""
    if job.item_names:
        custom = _item_details(state, job, job_progress)
        child_names = (
            [state.items[name.lower()].spec.vm_name for name in job.item_names] if job.recovery_plan else []
        )
    else:
        custom = _server_details(state, job)
        child_names = []
    properties: dict[str, Any] = {
        "activityId": job.activity_id,
        "scenarioName": job.scenario_name,
        "friendlyName": job.friendly_name,
        "state": job_progress.state,
        "stateDescription": job_progress.state_description,
        "tasks": [_task_body(task, child_names) for task in job_progress.tasks],
        "errors": [_error_entry(job_progress.error, job_progress.end)] if job_progress.error else [],
        "startTime": stamp(job.plan.start),
        "allowedActions": ["Cancel"] if job_progress.state == "InProgress" else [],
        "targetObjectId": job.target_object_id,
        "targetObjectName": job.target_object_name,
        "targetInstanceType": job.target_instance_type,
        "customDetails": custom,
    }
    if job_progress.end is not None:
        properties["endTime"] = job_progress.end.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": job_id(state, job.id),
        "name": job.id,
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
        },
    }
