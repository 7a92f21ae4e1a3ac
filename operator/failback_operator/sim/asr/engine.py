"""The long-running operation engine: validates a POST, starts its job, settles finished jobs."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from failback_operator.sim.asr.discovery import retention_volume_listed_at
from failback_operator.sim.asr.errors import (
    AGENT_NOT_INSTALLED,
    CONFIGURATION_SERVER_NOT_CONNECTED,
    JOB_ERRORS,
    ArmError,
    JobErrorText,
)
from failback_operator.sim.asr.jobs import (
    JobPlan,
    JobTemplate,
    MachinePhase,
    ServerOperation,
    job_template,
    machine_phase_tasks,
    plan_job_template,
)
from failback_operator.sim.asr.lifecycle import (
    RESYNC_DONE,
    Operation,
    Refusal,
    Transition,
    item_view,
    plan_transition,
)
from failback_operator.sim.asr.providers import find_provider
from failback_operator.sim.asr.scenario import Architecture, ItemStage
from failback_operator.sim.asr.state import ItemState, JobState, RecoveryPoint, SimState

__all__ = ["settle", "start_item_operation", "start_plan_operation", "start_refresh_provider"]

_FAILURE_OPERATION: dict[Operation | ServerOperation, str] = {
    ServerOperation.REFRESH: "refresh",
    Operation.REPROTECT: "reprotect",
    Operation.UNPLANNED_FAILOVER: "unplanned_failover",
    Operation.PLANNED_FAILOVER: "planned_failover",
    Operation.COMMIT: "commit",
    Operation.CANCEL: "cancel",
}


# Reprotect, failover and refresh need the configuration server; commit and cancel are Site Recovery's
# own (FB004).
_NEEDS_CONFIGURATION_SERVER: frozenset[Operation | ServerOperation] = frozenset(
    {Operation.REPROTECT, Operation.UNPLANNED_FAILOVER, Operation.PLANNED_FAILOVER, ServerOperation.REFRESH}
)

_ON_PREMISES_SIDE = frozenset(
    {
        ItemStage.SYNCING_TO_ON_PREMISES,
        ItemStage.PROTECTED_TO_ON_PREMISES,
        ItemStage.FAILED_BACK,
        ItemStage.FAILED_BACK_COMMITTED,
    }
)


def settle(state: SimState) -> None:
    """Apply the effects of every job that has ended and every resync that has finished by now."""
    now = state.clock.now()
    with state.lock:
        due = [job for job in state.jobs.values() if not job.settled and now >= job.plan.end()]
        for job in sorted(due, key=lambda job: job.plan.start):
            if not job.settled:  # a recovery plan's job may have settled its machines' jobs
                _finish_job(state, job)
        _assign_resync_slots(state, now)
        for item in state.items.values():
            done = RESYNC_DONE.get(item.stage)
            if done is None or item.resync_started is None:
                continue
            end = state.resync_end(item)
            if end is not None and now >= end:
                item.stage = done
        _discover_retention_volumes(state, now)


def _assign_resync_slots(state: SimState, now: datetime) -> None:
    """Process server concurrency: a waiting resync starts when a slot is free, in arrival order."""
    limit = state.scenario.job_durations.process_server_resyncs
    if limit is None:
        return
    if len(state.resync_slots) != limit:
        state.resync_slots = [datetime.min.replace(tzinfo=now.tzinfo)] * limit
    waiting = sorted(
        (
            i
            for i in state.items.values()
            if i.stage in RESYNC_DONE and i.resync_started is not None and i.resync_slot_at is None
        ),
        key=lambda i: (i.resync_started, i.name),
    )
    for item in waiting:
        assert item.resync_started is not None
        slot = min(range(limit), key=lambda n: state.resync_slots[n])
        if state.resync_slots[slot] > now:
            break  # every slot is busy now: the rest wait
        item.resync_slot_at = max(item.resync_started, state.resync_slots[slot])
        end = state.resync_end(item)
        assert end is not None
        state.resync_slots[slot] = end


def _discover_retention_volumes(state: SimState, now: datetime) -> None:
    """FB022: a volume added to a master target is listed after a refresh or the periodic discovery."""
    refreshes = [
        job.plan.end()
        for job in state.jobs.values()
        if job.operation is ServerOperation.REFRESH and job.failure is None and job.plan.end() <= now
    ]
    interval = timedelta(minutes=state.scenario.discovery_interval_minutes)
    for volumes in state.retention_volumes.values():
        for volume in volumes:
            if volume.listed or volume.added_at is None:
                continue
            volume.listed = now >= retention_volume_listed_at(volume.added_at, interval, refreshes)


def _finish_job(state: SimState, job: JobState) -> None:
    job.settled = True
    if job.child_of is not None:
        return  # a per-machine child job: its recovery-plan job moves the items
    end = job.plan.end()
    for name in job.item_names:
        item = state.items[name.lower()]
        if item.current_job_id == job.id:
            item.current_job_id = None
        if job.failure is not None and job.completion_failed_item == item.name:
            item.failover_failed_at = end
        if job.failure is not None or item.protection_disabled:
            continue
        item.failover_failed_at = None
        item.stage = job.targets[name]
        if item.stage in RESYNC_DONE:
            item.resync_started = end
            item.resync_slot_at = None
            item.resync_minutes = state.draw_minutes(state.scenario.job_durations.resync_minutes)
        if job.operation in (Operation.UNPLANNED_FAILOVER, Operation.PLANNED_FAILOVER):
            item.last_failover_time = job.plan.start
            item.recovery_point = job.recovery_point
            item.booted_at = end
        if job.operation is Operation.CANCEL:
            item.recovery_point = None


def _refusal_error(item: ItemState, refusal: Refusal) -> ArmError:
    return ArmError(
        400,
        "OperationNotAllowed",
        f"The operation '{refusal.operation.value}' is not allowed for the replicated item "
        f"'{item.spec.vm_name}' in its current state '{refusal.stage.value}'. "
        f"Allowed operations: {', '.join(refusal.allowed_operations) or 'none'}.",
        possible_causes="The replicated item is not in a state that allows this operation.",
        recommended_action="Wait for the item to reach a state where the operation is allowed, then retry.",
    )


def _busy_error(item: ItemState) -> ArmError:
    return ArmError(
        409,
        "OperationInProgress",
        f"Another operation (job {item.current_job_id}) is in progress on the replicated item "
        f"'{item.spec.vm_name}'.",
        possible_causes="A job is already running on this item.",
        recommended_action="Wait for the running job to finish, then retry.",
    )


def _unusable_error(item: ItemState) -> ArmError | None:
    if item.azure_vm_deleted:
        return ArmError(
            400,
            "AzureVmNotFound",
            f"The Azure virtual machine '{item.spec.vm_name}' was not found. It may have been deleted.",
            possible_causes="The failed-over virtual machine was deleted or moved in Azure.",
            recommended_action="Disable protection for the item; a deleted Azure VM cannot be failed back.",
        )
    return None


def _bad_input(message: str) -> ArmError:
    return ArmError(400, "InvalidParameter", message)


def _provider_details(body: dict[str, Any]) -> dict[str, Any]:
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise _bad_input("The request body must have 'properties'.")
    details = properties.get("providerSpecificDetails")
    if isinstance(details, list):  # recovery plans send a list of provider inputs
        details = details[0] if details else None
    if not isinstance(details, dict):
        raise _bad_input("The request body must have 'properties.providerSpecificDetails'.")
    return details


def _policy_id(state: SimState, name: str) -> str:
    vault = state.scenario.vault
    return (
        f"/Subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}/providers/"
        f"Microsoft.RecoveryServices/vaults/{vault.name}/replicationPolicies/{name}"
    )


def _check_reprotect_input(state: SimState, item: ItemState, body: dict[str, Any]) -> None:
    details = _provider_details(body)
    instance_type = details.get("instanceType")
    toward_on_premises = item.stage in (ItemStage.FAILED_OVER, ItemStage.FAILED_OVER_COMMITTED)
    classic = state.architecture is Architecture.CLASSIC
    expected = {
        (True, True): "InMage",
        (True, False): "InMageAzureV2",
        (False, True): "InMageRcm",
        (False, False): "InMageRcmFailback",
    }[(classic, toward_on_premises)]
    if instance_type != expected:
        raise _bad_input(
            f"Reprotect of '{item.spec.vm_name}' needs provider input '{expected}', got '{instance_type}'."
        )
    if not toward_on_premises:
        _check_reprotect_to_azure(state, details)
        return
    if classic:
        _check_classic_reprotect(state, item, details)
    else:
        _check_modernized_reprotect(state, details)


def _check_classic_reprotect(state: SimState, item: ItemState, details: dict[str, Any]) -> None:
    scenario = state.scenario
    _missing(details, ("masterTargetId", "processServerId", "retentionDrive", "datastoreName", "profileId"))
    master_target = next(
        (
            mt
            for mt in scenario.master_targets
            if mt.id.lower() == str(details.get("masterTargetId", "")).lower()
        ),
        None,
    )
    if master_target is None:
        raise _bad_input(
            f"Master target '{details.get('masterTargetId')}' is not registered with the "
            "configuration server."
        )
    if master_target.os_type != item.spec.os_type:  # FB041; wording modelled, not recorded
        raise ArmError(
            400,
            "MasterTargetOsMismatch",
            f"Master target '{master_target.name}' runs {master_target.os_type}; the virtual machine "
            f"'{item.spec.vm_name}' runs {item.spec.os_type}. A {item.spec.os_type} virtual machine can only "
            f"be reprotected to a {item.spec.os_type} master target.",
            possible_causes="The master target's operating system differs from the virtual machine's.",
            recommended_action=f"Select a {item.spec.os_type} master target and retry.",
        )
    process_server_id = str(details.get("processServerId", "")).lower()
    known_servers = {ps.id.lower() for ps in scenario.process_servers} | {
        mt.id.lower() for mt in scenario.master_targets
    }
    if process_server_id not in known_servers:
        raise _bad_input(
            f"Process server '{details.get('processServerId')}' is not registered with the "
            "configuration server."
        )
    volumes = [volume.name for volume in state.listed_retention_volumes(master_target.name)]  # FB022
    if details.get("retentionDrive") not in volumes:
        raise _bad_input(
            f"Retention drive '{details.get('retentionDrive')}' is not available on master target "
            f"'{master_target.name}'. Available: {', '.join(volumes) or 'none'}."
        )
    datastores = [datastore.name for datastore in master_target.datastores]
    if details.get("datastoreName") not in datastores:
        raise _bad_input(
            f"Datastore '{details.get('datastoreName')}' is not visible to master target "
            f"'{master_target.name}'."
        )
    if str(details.get("profileId", "")).lower() != _policy_id(state, scenario.failback_policy).lower():
        raise _bad_input(
            f"Policy '{details.get('profileId')}' is not the failback policy of this configuration server."
        )


def _check_reprotect_to_azure(state: SimState, details: dict[str, Any]) -> None:
    """Reprotect of a failed-back machine to Azure, with the fields the recorded bodies send."""
    scenario = state.scenario
    if state.architecture is Architecture.CLASSIC:
        _missing(details, ("masterTargetId", "processServerId", "policyId"))
        known = {ps.id.lower() for ps in scenario.process_servers} | {
            mt.id.lower() for mt in scenario.master_targets
        }
    else:
        _missing(details, ("processServerId", "policyId"))
        known = {appliance.id.lower() for appliance in scenario.appliances}
    for key in ("masterTargetId", "processServerId"):
        if key in details and str(details[key]).lower() not in known:
            raise _bad_input(
                f"Server '{details[key]}' ({key}) is not registered with the configuration server."
            )
    if str(details.get("policyId", "")).lower() != _policy_id(state, scenario.forward_policy).lower():
        raise _bad_input(
            f"Policy '{details.get('policyId')}' is not a policy replicating to Azure for this "
            "configuration server."
        )


def _check_modernized_reprotect(state: SimState, details: dict[str, Any]) -> None:
    scenario = state.scenario
    _missing(details, ("reprotectAgentId", "datastoreName", "logStorageAccountId", "policyId"))
    appliance = next(
        (a for a in scenario.appliances if a.id.lower() == str(details.get("reprotectAgentId", "")).lower()),
        None,
    )
    if appliance is None:
        raise _bad_input(f"Reprotect agent '{details.get('reprotectAgentId')}' is not registered.")
    if appliance.datastores and details.get("datastoreName") not in appliance.datastores:
        raise _bad_input(
            f"Datastore '{details.get('datastoreName')}' is not visible to appliance '{appliance.name}'."
        )
    if str(details.get("policyId", "")).lower() != _policy_id(state, scenario.failback_policy).lower():
        raise _bad_input(f"Policy '{details.get('policyId')}' is not the failback policy.")


def _check_failover_input(state: SimState, item: ItemState, body: dict[str, Any]) -> None:
    """The failover's provider input must be the item's provider (a plan may list several)."""
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise _bad_input("The request body must have 'properties'.")
    details = properties.get("providerSpecificDetails")
    offered = details if isinstance(details, list) else [details]
    types = {entry.get("instanceType") for entry in offered if isinstance(entry, dict)}
    expected = item_view(state.architecture, item.stage).instance_type
    if expected not in types:
        raise _bad_input(
            f"Failover of '{item.spec.vm_name}' needs provider input '{expected}', "
            f"got {', '.join(sorted(str(t) for t in types)) or 'none'}."
        )


def _check_agent(state: SimState, item: ItemState, now: datetime) -> None:
    """FB028: until the agent re-registers after boot, reprotect is refused with 'agent not installed'."""
    if now < state.agent_registered_at(item):
        raise ArmError.from_job_error(400, AGENT_NOT_INSTALLED)


def _pick_failure(
    state: SimState, operation: Operation | ServerOperation, item_names: list[str]
) -> tuple[JobErrorText, str | None, bool] | None:
    """The injected failure of the job about to start, the item it fails on (None: no items), and
    whether that item is left "Failover couldn't be completed"."""
    wanted = _FAILURE_OPERATION[operation]
    for index, rule in enumerate(state.faults.job_failures):
        if rule.operation != wanted or state.job_failures_left.get(index, 0) <= 0:
            continue
        lowered = {name.lower(): name for name in item_names}
        if rule.item is not None and rule.item.lower() not in lowered:
            continue
        state.job_failures_left[index] -= 1
        # An undocumented code has only its message; it fails the job's last task.
        text = JOB_ERRORS.get(rule.code) or JobErrorText(rule.code, rule.message or "", "", "", "")
        on_item = lowered[rule.item.lower()] if rule.item is not None else next(iter(item_names), None)
        return text, on_item, rule.completion_failed
    return None


def _duration(state: SimState, operation: Operation | ServerOperation) -> timedelta:
    durations = state.scenario.job_durations
    minutes = {
        ServerOperation.REFRESH: durations.refresh_minutes,
        Operation.REPROTECT: durations.reprotect_minutes,
        Operation.UNPLANNED_FAILOVER: durations.failover_minutes,
        Operation.PLANNED_FAILOVER: durations.failover_minutes,
        Operation.COMMIT: durations.commit_minutes,
        Operation.CANCEL: durations.cancel_minutes,
    }[operation]
    return timedelta(minutes=state.draw_minutes(minutes))


def _source_site_required(operation: Operation, body: dict[str, Any]) -> bool:
    if operation is Operation.PLANNED_FAILOVER:
        return True
    if operation is not Operation.UNPLANNED_FAILOVER:
        return False
    properties = body.get("properties") or {}
    return str(properties.get("sourceSiteOperations", "NotRequired")).lower() == "required"


def _recovery_point(
    state: SimState, operation: Operation, body: dict[str, Any], now: datetime
) -> RecoveryPoint | None:
    if operation not in (Operation.UNPLANNED_FAILOVER, Operation.PLANNED_FAILOVER):
        return None
    details = (body.get("properties") or {}).get("providerSpecificDetails")
    if isinstance(details, list):
        details = details[0] if details else {}
    point_type = str((details or {}).get("recoveryPointType", "LatestTime"))
    lag = {"ApplicationConsistent": 40, "CrashConsistent": 5, "LatestTag": 10}.get(point_type, 1)
    return RecoveryPoint(id=str(uuid.uuid4()), time=now - timedelta(minutes=lag), type=point_type)


def _new_job(
    state: SimState,
    operation: Operation,
    items: list[ItemState],
    targets: dict[str, ItemStage],
    body: dict[str, Any],
    *,
    commits_first: bool,
    recovery_plan: str | None,
) -> JobState:
    now = state.clock.now()
    source_site_required = _source_site_required(operation, body)
    if recovery_plan is not None:
        template = plan_job_template(operation, source_site_required=source_site_required)
    else:
        template = job_template(
            operation, source_site_required=source_site_required, commits_first=commits_first
        )
    names = [item.name for item in items]
    picked = _pick_failure(state, operation, names)
    failure, failing_item, completion_failed = picked if picked else (None, None, False)
    if state.heartbeat_stopped and operation in _NEEDS_CONFIGURATION_SERVER:
        failure = replace(CONFIGURATION_SERVER_NOT_CONNECTED, failing_task=template.tasks[0].name)
        failing_item, completion_failed = None, False
    machine_failure: tuple[MachinePhase, str, JobErrorText] | None = None
    if recovery_plan is not None and failure is not None and failing_item is not None:
        # The error belongs to one machine's child job; the plan job fails at that machine's group.
        phase = _phase_of(operation, failure, source_site_required)
        if phase is not None:
            group = next(task for task in template.tasks if task.phase is phase)
            machine_failure = (phase, failing_item, failure)
            failure = replace(failure, failing_task=group.task_id or group.name)
    plan = JobPlan(now, _duration(state, operation), template.tasks, failure)
    job_id = str(uuid.uuid4())
    if recovery_plan is not None:
        target_id, target_name, target_type = recovery_plan, recovery_plan, "RecoveryPlan"
    else:
        target_id, target_name, target_type = items[0].vm_id, items[0].spec.vm_name, "ProtectionEntity"
    activity_id = f"{uuid.uuid4()} ActivityId: {uuid.uuid4()}"
    job = JobState(
        id=job_id,
        operation=operation,
        plan=plan,
        scenario_name=template.scenario_name,
        friendly_name=template.friendly_name,
        custom_instance_type=template.custom_instance_type,
        target_object_id=target_id,
        target_object_name=target_name,
        target_instance_type=target_type,
        item_names=names,
        targets=targets,
        recovery_plan=recovery_plan,
        source_site_required=source_site_required,
        toward_on_premises=any(target in _ON_PREMISES_SIDE for target in targets.values()),
        recovery_point=_recovery_point(state, operation, body, now),
        activity_id=activity_id,
        tracking_id=str(uuid.uuid4()) if recovery_plan is not None else None,
        completion_failed_item=failing_item if completion_failed else None,
    )
    state.jobs[job_id.lower()] = job
    if recovery_plan is not None:
        _start_machine_jobs(state, job, items, machine_failure)
    for item in items:
        item.current_job_id = job_id
        if operation is Operation.REPROTECT:
            item.reprotect_input = dict(_provider_details(body))
    return job


def _phase_of(operation: Operation, failure: JobErrorText, source_site_required: bool) -> MachinePhase | None:
    """The plan group whose machine child job runs the task an error fails."""
    phases = {
        Operation.COMMIT: (MachinePhase.COMMIT,),
        Operation.CANCEL: (MachinePhase.CANCEL,),
    }.get(operation, (MachinePhase.SHUTDOWN, MachinePhase.FAILOVER, MachinePhase.BOOT))
    for phase in phases:
        tasks = machine_phase_tasks(operation, phase, source_site_required=source_site_required)
        if any(task.name == failure.failing_task and not task.skipped for task in tasks):
            return phase
    return None


def _start_machine_jobs(
    state: SimState,
    job: JobState,
    items: list[ItemState],
    machine_failure: tuple[MachinePhase, str, JobErrorText] | None,
) -> None:
    """The per-machine child jobs of a recovery-plan job, one per machine and group, in the groups' windows.

    Groups after a failing one never start, so they get no child jobs.
    """
    assert isinstance(job.operation, Operation)
    failing_index = job.plan.failing_index()
    for index, (task, window) in enumerate(zip(job.plan.tasks, job.plan.task_windows(), strict=True)):
        if task.phase is None or window is None:
            continue
        if failing_index is not None and index > failing_index:
            break
        start, end = window
        tasks = machine_phase_tasks(job.operation, task.phase, source_site_required=job.source_site_required)
        item_template: JobTemplate = job_template(
            job.operation, source_site_required=job.source_site_required, commits_first=False
        )
        for item in items:
            failure = None
            if machine_failure is not None and machine_failure[:2] == (task.phase, item.name):
                failure = machine_failure[2]
            child = JobState(
                id=str(uuid.uuid4()),
                operation=job.operation,
                plan=JobPlan(start, end - start, tasks, failure),
                scenario_name=job.scenario_name,
                friendly_name=job.friendly_name,
                custom_instance_type=item_template.custom_instance_type,
                target_object_id=item.vm_id,
                target_object_name=item.spec.vm_name,
                target_instance_type="ProtectionEntity",
                item_names=[item.name],
                targets={},
                source_site_required=job.source_site_required,
                toward_on_premises=job.toward_on_premises,
                recovery_point=job.recovery_point,
                activity_id=job.activity_id,
                child_of=job.id,
                phase=task.phase.value,
            )
            state.jobs[child.id.lower()] = child
            job.child_jobs[(task.phase.value, item.name)] = child.id


_DIRECTIONS = ("PrimaryToRecovery", "RecoveryToPrimary")
# Where a machine runs at each stage seen from a recovery plan, which keeps the sides it was created
# with (primary: the configuration server's fabric, recovery: Azure).
_RUNS_IN_AZURE = frozenset(
    {
        ItemStage.FAILED_OVER,
        ItemStage.FAILED_OVER_COMMITTED,
        ItemStage.SYNCING_TO_ON_PREMISES,
        ItemStage.PROTECTED_TO_ON_PREMISES,
    }
)


def _check_direction(
    state: SimState, item: ItemState, operation: Operation, body: dict[str, Any], *, via_plan: bool
) -> None:
    """failoverDirection, when sent, must be a known value and lead away from where the machine is active.

    An item's direction starts at its activeLocation (Primary or Recovery, as the recordings show
    each stage); a recovery plan's starts at the side of the plan the machines run on.
    """
    properties = body.get("properties")
    direction = properties.get("failoverDirection") if isinstance(properties, dict) else None
    if direction is None:
        return
    if direction not in _DIRECTIONS:
        raise ArmError(
            400,
            "InvalidParameter",
            f"The value '{direction}' of 'properties.failoverDirection' is not valid. "
            f"Allowed values: {', '.join(_DIRECTIONS)}.",
        )
    if via_plan:
        expected = "RecoveryToPrimary" if item.stage in _RUNS_IN_AZURE else "PrimaryToRecovery"
        where = "the recovery side (Azure)" if item.stage in _RUNS_IN_AZURE else "the primary side"
    else:
        location = item_view(state.architecture, item.stage).active_location
        expected = "PrimaryToRecovery" if location == "Primary" else "RecoveryToPrimary"
        where = f"its {location.lower()} location"
    if direction != expected:  # wording modelled on the not-allowed refusal
        raise ArmError(
            400,
            "OperationNotAllowed",
            f"The operation '{operation.value}' in direction '{direction}' is not allowed for the "
            f"replicated item '{item.spec.vm_name}': it is active in {where}, so the only allowed "
            f"direction is '{expected}'.",
            possible_causes="The failover direction does not match where the replicated item is active.",
            recommended_action=f"Retry with failoverDirection '{expected}'.",
        )


def _missing(details: dict[str, Any], required: tuple[str, ...]) -> None:
    """A required field of the provider input that is absent or empty is named in the error."""
    absent = [key for key in required if details.get(key) in (None, "")]
    if absent:
        raise _bad_input(
            "The request is missing required properties: "
            + ", ".join(f"'properties.providerSpecificDetails.{key}'" for key in absent)
            + "."
        )


def _admit(
    state: SimState,
    item: ItemState,
    operation: Operation,
    body: dict[str, Any],
    now: datetime,
    *,
    via_plan: bool = False,
) -> Transition:
    unusable = _unusable_error(item)
    if unusable is not None:
        raise unusable
    if item.current_job_id is not None:
        raise _busy_error(item)
    decision = plan_transition(state.architecture, item.stage, operation)
    if isinstance(decision, Refusal):
        raise _refusal_error(item, decision)
    if operation in (Operation.REPROTECT, Operation.UNPLANNED_FAILOVER, Operation.PLANNED_FAILOVER):
        _check_direction(state, item, operation, body, via_plan=via_plan)
    if operation is Operation.REPROTECT:
        _check_agent(state, item, now)
        _check_reprotect_input(state, item, body)
    if operation in (Operation.UNPLANNED_FAILOVER, Operation.PLANNED_FAILOVER):
        _check_failover_input(state, item, body)
    return decision


def start_item_operation(
    state: SimState, item_name: str, operation: Operation, body: dict[str, Any]
) -> JobState:
    """Validate and start `operation` on one item; raises ArmError as Site Recovery would refuse it."""
    settle(state)
    with state.lock:
        item = state.item(item_name)
        if item is None:
            raise ArmError(404, "NotFound", f"Replication protected item '{item_name}' was not found.")
        decision = _admit(state, item, operation, body, state.clock.now())
        return _new_job(
            state,
            operation,
            [item],
            {item.name: decision.target},
            body,
            commits_first=decision.commits_first,
            recovery_plan=None,
        )


def start_plan_operation(
    state: SimState, plan_name: str, operation: Operation, body: dict[str, Any]
) -> JobState:
    """Start `operation` on every item of a recovery plan as one job at one common recovery point (FB030)."""
    settle(state)
    with state.lock:
        found = state.recovery_plan(plan_name)
        if found is None:
            raise ArmError(404, "NotFound", f"Recovery plan '{plan_name}' was not found.")
        real_name, members = found
        items = [item for item in members if not item.protection_disabled]
        if not items:
            raise ArmError(400, "RecoveryPlanEmpty", f"Recovery plan '{real_name}' has no protected items.")
        if operation is Operation.REPROTECT:
            raise ArmError(
                400,
                "OperationNotSupported",
                f"Reprotect of recovery plan '{real_name}' is not supported for InMage / InMageRcm "
                "replicated items. Reprotect each replicated item instead.",
            )
        now = state.clock.now()
        targets = {
            item.name: _admit(state, item, operation, body, now, via_plan=True).target for item in items
        }
        return _new_job(state, operation, items, targets, body, commits_first=False, recovery_plan=real_name)


def _busy_provider_error(friendly_name: str, job_id: str) -> ArmError:
    # Modelled, not recorded: a second refresh while one runs on the same server.
    return ArmError(
        409,
        "OperationInProgress",
        f"Another operation (job {job_id}) is in progress on the server '{friendly_name}'.",
        possible_causes="A refresh of this server is already running.",
        recommended_action="Wait for the running job to finish, then retry.",
    )


def start_refresh_provider(state: SimState, provider_name: str) -> JobState:
    """Start "Refresh server" on a provider: item-less; fails while the heartbeat is stopped (FB004)."""
    settle(state)
    with state.lock:
        provider = find_provider(state, provider_name)
        if provider is None:
            raise ArmError(404, "NotFound", f"Recovery services provider '{provider_name}' was not found.")
        running = next(
            (
                job
                for job in state.jobs.values()
                if job.operation is ServerOperation.REFRESH
                and not job.settled
                and job.target_object_id == provider.name
            ),
            None,
        )
        if running is not None:
            raise _busy_provider_error(provider.friendly_name, running.id)
        operation = ServerOperation.REFRESH
        template = job_template(operation, source_site_required=False, commits_first=False)
        picked = _pick_failure(state, operation, [])
        failure = picked[0] if picked else None
        if state.heartbeat_stopped and operation in _NEEDS_CONFIGURATION_SERVER:
            failure = replace(CONFIGURATION_SERVER_NOT_CONNECTED, failing_task=template.tasks[0].name)
        job_id = str(uuid.uuid4())
        job = JobState(
            id=job_id,
            operation=operation,
            plan=JobPlan(state.clock.now(), _duration(state, operation), template.tasks, failure),
            scenario_name=template.scenario_name,
            friendly_name=template.friendly_name,
            custom_instance_type=template.custom_instance_type,
            target_object_id=provider.name,
            target_object_name=provider.friendly_name,
            target_instance_type="Server",  # modelled, not recorded
            item_names=[],
            targets={},
            activity_id=f"{uuid.uuid4()} ActivityId: {uuid.uuid4()}",
        )
        state.jobs[job_id.lower()] = job
        return job
