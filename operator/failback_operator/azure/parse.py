"""Site Recovery SDK models turned into the plain facts the rules and the workflow read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.azure.inputs import AZURE_TEMPORARY_DISK_LABEL
from failback_operator.facts.asr import (
    ConfigurationServer,
    CurrentScenario,
    DiscoveredVCenter,
    FailbackPolicy,
    HealthError,
    Job,
    JobError,
    JobTask,
    MasterTargetServer,
    ProcessServer,
    ProtectedDisk,
    ProtectedItem,
    RegisteredDatastore,
    RetentionVolume,
    RunAsAccount,
)
from failback_operator.facts.spec import Architecture, OsType

__all__ = [
    "configuration_server_from_fabric",
    "failback_policy_from_policy",
    "job_from_sdk",
    "protected_item_from_sdk",
    "vcenter_from_sdk",
]


def _when(value: Any) -> datetime | None:
    """An aware UTC datetime; Site Recovery's placeholders (0001-01-01, 1753-01-01) mean unset."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.year <= 1753:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _int(value: Any) -> int | None:
    """Counts Site Recovery sends as strings ("3") or floats become ints."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    """Site Recovery sends booleans as "true"/"false" strings in places (isOSDisk, resyncRequired)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _os_type(value: Any) -> OsType | None:
    if isinstance(value, str):
        for os_type in OsType:
            if value.strip().lower() == os_type.value.lower():
                return os_type
    return None


def _str(value: Any) -> str | None:
    """Plain strings for the SDK's string enums (ProtectionHealth.NORMAL -> "Normal")."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _last_segment(arm_id: str | None) -> str | None:
    return arm_id.rstrip("/").rsplit("/", 1)[-1] if arm_id else None


def _physical(discovery_type: str | None, physical: str) -> bool | None:
    """FB036: whether the machine was protected as a physical server (discoveryType)."""
    return discovery_type.lower() == physical.lower() if discovery_type else None


def _health_errors(errors: Iterable[models.HealthError] | None) -> tuple[HealthError, ...]:
    return tuple(
        HealthError(
            code=str(e.error_code or ""),
            severity=e.error_level or "Error",
            message=e.error_message or "",
            summary=e.summary_message or "",
            recommended_action=e.recommended_action or "",
            created=_when(e.creation_time_utc),
            category=e.error_category,
        )
        for e in errors or ()
    )


def _retention_volume(volume: models.RetentionVolume) -> RetentionVolume:
    return RetentionVolume(
        name=volume.volume_name or "",
        capacity_bytes=_int(volume.capacity_in_bytes),
        free_bytes=_int(volume.free_space_in_bytes),
        threshold_percentage=_int(volume.threshold_percentage),
    )


def _datastore(store: models.DataStore) -> RegisteredDatastore:
    return RegisteredDatastore(
        name=store.symbolic_name or "",
        uuid=store.uuid,
        type=store.type,
        capacity_gb=_float(store.capacity),
        free_gb=_float(store.free_space),
    )


def _classic_master_target(server: models.MasterTargetServer) -> MasterTargetServer:
    return MasterTargetServer(
        id=server.id or "",
        name=server.name or "",
        ip_address=server.ip_address,
        os_type=_os_type(server.os_type),
        os_version=server.os_version,
        disk_count=_int(server.disk_count),
        last_heartbeat=_when(server.last_heartbeat),
        version_status=server.version_status,
        agent_version=server.agent_version,
        retention_volumes=tuple(_retention_volume(v) for v in server.retention_volumes or ()),
        datastores=tuple(_datastore(d) for d in server.data_stores or ()),
        validation_errors=_health_errors(server.validation_errors),
        health_errors=_health_errors(server.health_errors),
    )


def _classic_process_server(server: models.ProcessServer) -> ProcessServer:
    return ProcessServer(
        id=server.id or "",
        name=server.friendly_name or "",
        ip_address=server.ip_address,
        os_type=_os_type(server.os_type),
        last_heartbeat=_when(server.last_heartbeat),
        health=_str(server.health),
        service_status=server.ps_service_status,
        version_status=server.version_status,
        health_errors=_health_errors(server.health_errors),
    )


def _modernized_process_server(server: models.ProcessServerDetails) -> ProcessServer:
    return ProcessServer(
        id=server.id or "",
        name=server.name or "",
        ip_address=next(iter(server.ip_addresses or ()), None),
        last_heartbeat=_when(server.last_heartbeat_utc),
        health=_str(server.health),
        health_errors=_health_errors(server.health_errors),
    )


def _reprotect_agent(agent: models.ReprotectAgentDetails) -> MasterTargetServer:
    """The appliance's reprotect agent plays the master target's role in the modernized architecture."""
    return MasterTargetServer(
        id=agent.id or "",
        name=agent.name or "",
        last_heartbeat=_when(agent.last_heartbeat_utc),
        agent_version=agent.version,
        datastores=tuple(RegisteredDatastore(name=name) for name in agent.accessible_datastores or ()),
        health_errors=_health_errors(agent.health_errors),
    )


def _heartbeats(
    agents: Iterable[models.DraDetails | models.RcmProxyDetails | models.ProcessServerDetails] | None,
) -> list[datetime]:
    return [h for h in (_when(a.last_heartbeat_utc) for a in agents or ()) if h is not None]


def configuration_server_from_fabric(
    fabric: models.Fabric, vcenters: Iterable[DiscoveredVCenter] = ()
) -> ConfigurationServer:
    """The configuration server (classic `VMware` fabric) or modernized `InMageRcm` fabric as facts."""
    props = fabric.properties or models.FabricProperties()
    details = props.custom_details
    common: dict[str, Any] = {
        "name": props.friendly_name or fabric.name or "",
        "fabric_name": fabric.name,
        "health": props.health,
        "health_errors": _health_errors(props.health_error_details),
        "vcenters": tuple(vcenters),
    }
    if isinstance(details, models.VMwareDetails):
        return ConfigurationServer(
            architecture=Architecture.CLASSIC,
            host_name=details.host_name,
            ip_address=details.ip_address,
            last_heartbeat=_when(details.last_heartbeat),
            connected=(details.cs_service_status == "Running") if details.cs_service_status else None,
            service_status=details.cs_service_status,
            version_status=details.version_status,
            agent_version=details.agent_version,
            process_servers=tuple(_classic_process_server(p) for p in details.process_servers or ()),
            master_targets=tuple(_classic_master_target(m) for m in details.master_target_servers or ()),
            run_as_accounts=tuple(
                RunAsAccount(id=a.account_id or "", name=a.account_name or "")
                for a in details.run_as_accounts or ()
            ),
            **common,
        )
    if isinstance(details, models.InMageRcmFabricSpecificDetails):
        # The appliance's agents report instead of a configuration server: its DRA when listed,
        # otherwise the freshest of its RCM proxies and process servers.
        known = (
            _heartbeats(details.dras)
            or _heartbeats(details.rcm_proxies)
            or _heartbeats(details.process_servers)
        )
        return ConfigurationServer(
            architecture=Architecture.MODERNIZED,
            last_heartbeat=max(known) if known else None,
            process_servers=tuple(_modernized_process_server(p) for p in details.process_servers or ()),
            master_targets=tuple(_reprotect_agent(a) for a in details.reprotect_agents or ()),
            **common,
        )
    return ConfigurationServer(**common)


def vcenter_from_sdk(vcenter: models.VCenter) -> DiscoveredVCenter:
    """A vCenter the configuration server discovers."""
    props = vcenter.properties or models.VCenterProperties()
    return DiscoveredVCenter(
        name=props.friendly_name or vcenter.name or "",
        ip_address=props.ip_address,
        port=_int(props.port),
        run_as_account_id=props.run_as_account_id,
        process_server_id=props.process_server_id,
        last_heartbeat=_when(props.last_heartbeat),
        discovery_status=props.discovery_status,
        health_errors=_health_errors(props.health_errors),
    )


def failback_policy_from_policy(
    policy: models.Policy, mappings: Iterable[models.ProtectionContainerMapping] = ()
) -> FailbackPolicy:
    """A replication policy and the configuration servers its container mappings attach it to."""
    props = policy.properties or models.PolicyProperties()
    details: Any = props.provider_specific_details
    policy_id = (policy.id or "").lower()
    servers = tuple(
        m.properties.source_fabric_friendly_name
        for m in mappings
        if m.properties is not None
        and (m.properties.policy_id or "").lower() == policy_id
        and m.properties.source_fabric_friendly_name
    )
    return FailbackPolicy(
        id=policy.id or "",
        name=props.friendly_name or policy.name or "",
        provider=str(_attr(details, "instance_type") or ""),
        rpo_threshold_minutes=_int(_attr(details, "recovery_point_threshold_in_minutes")),
        retention_minutes=_int(_attr(details, "recovery_point_history")),
        app_consistent_frequency_minutes=_int(_attr(details, "app_consistent_frequency_in_minutes")),
        crash_consistent_frequency_minutes=_int(_attr(details, "crash_consistent_frequency_in_minutes")),
        multi_vm_sync_status=_attr(details, "multi_vm_sync_status"),
        associated_configuration_servers=tuple(dict.fromkeys(servers)),
    )


def _attr(details: Any, name: str) -> Any:
    """A field that only some providers' policy details carry."""
    return getattr(details, name, None)


def _current_scenario(scenario: models.CurrentScenarioDetails | None) -> CurrentScenario | None:
    if scenario is None or scenario.scenario_name in (None, "", "None"):
        return None
    job_id = _last_segment(scenario.job_id)
    return CurrentScenario(
        name=scenario.scenario_name,
        job_id=None if job_id in (None, "None") else job_id,
        start=_when(scenario.start_time),
    )


def _azure_temporary(name: str | None) -> bool:
    """FB027: the Azure VM's temporary disk, by the volume label Azure gives it."""
    return (name or "").strip().casefold() == AZURE_TEMPORARY_DISK_LABEL.casefold()


def _disks_classic(
    disks: Iterable[models.InMageAzureV2ProtectedDiskDetails | models.InMageProtectedDiskDetails] | None,
    os_disk_id: str | None = None,
) -> tuple[ProtectedDisk, ...]:
    return tuple(
        ProtectedDisk(
            id=d.disk_id or "",
            name=d.disk_name,
            capacity_bytes=_int(d.disk_capacity_in_bytes),
            is_os_disk=bool(os_disk_id) and d.disk_id == os_disk_id,
            resync_required=_bool(d.resync_required),
            is_azure_temporary=_azure_temporary(d.disk_name),
        )
        for d in disks or ()
    )


_ModernizedDisk = models.InMageRcmProtectedDiskDetails | models.InMageRcmFailbackProtectedDiskDetails


def _disks_modernized(disks: Iterable[_ModernizedDisk] | None) -> tuple[ProtectedDisk, ...]:
    return tuple(
        ProtectedDisk(
            id=d.disk_id or "",
            name=d.disk_name,
            capacity_bytes=_int(d.capacity_in_bytes),
            is_os_disk=bool(_bool(d.is_os_disk)),
            is_azure_temporary=_azure_temporary(d.disk_name),
        )
        for d in disks or ()
    )


def _provider_facts(details: Any) -> dict[str, Any]:
    """The provider-specific part of an item: OS, disks, group, servers, VM identities."""
    if isinstance(details, models.InMageAzureV2ReplicationDetails):
        disks = _disks_classic(details.protected_disks, details.os_disk_id)
        return {
            "os_type": _os_type(details.os_type),
            "os_version": details.os_version or details.os_name,
            "disks": disks,
            "multi_vm_group_name": _text(details.multi_vm_group_name),
            "rpo_seconds": _int(details.rpo_in_seconds),
            "master_target_id": _text(details.master_target_id),
            "process_server_id": _text(details.process_server_id),
            "agent_last_heartbeat": _when(details.last_heartbeat),
            "azure_vm_name": _text(details.recovery_azure_vm_name),
            "azure_vm_id": _text(details.target_vm_id),
            "source_vm_id": _text(details.infrastructure_vm_id) or _text(details.vm_id),
            "protected_as_physical": _physical(details.discovery_type, "Physical"),
            "failed_over_from_on_premises": True,
            "datastores": tuple(details.datastores or ()),
            "source_vm_ram_mb": _int(details.source_vm_ram_size_in_mb) or None,
        }
    if isinstance(details, models.InMageReplicationDetails):
        os_details = details.os_details
        return {
            "os_type": _os_type(os_details.os_type if os_details else None),
            "os_version": _text(details.os_version),
            "disks": _disks_classic(details.protected_disks),
            "multi_vm_group_name": _text(details.multi_vm_group_name),
            "rpo_seconds": _int(details.rpo_in_seconds),
            "master_target_id": _text(details.master_target_id),
            "process_server_id": _text(details.process_server_id),
            "agent_last_heartbeat": _when(details.last_heartbeat),
            "source_vm_id": _text(details.infrastructure_vm_id) or _text(details.vm_id),
            "protected_as_physical": _physical(details.discovery_type, "Physical"),
            "failed_over_from_on_premises": True,
            "datastores": tuple(details.datastores or ()),
            # Site Recovery reports 0 once the item runs from Azure: unknown, not zero.
            "source_vm_ram_mb": _int(details.source_vm_ram_size_in_mb) or None,
            "sync_progress_percent": (
                _int(details.resync_details.initial_replication_progress_percentage)
                if details.resync_details
                else None
            ),
        }
    if isinstance(details, models.InMageRcmReplicationDetails):
        agent = details.mobility_agent_details
        return {
            "os_type": _os_type(details.os_type),
            "os_version": _text(details.os_name),
            "disks": _disks_modernized(details.protected_disks),
            "multi_vm_group_name": _text(details.multi_vm_group_name),
            "rpo_seconds": _int(details.last_rpo_in_seconds),
            "process_server_id": _text(details.process_server_id),
            "agent_last_heartbeat": _when(agent.last_heartbeat_utc) if agent else None,
            "azure_vm_name": _text(details.target_vm_name),
            "source_vm_id": _text(details.fabric_discovery_machine_id),
            "protected_as_physical": _physical(details.discovery_type, "PhysicalServer"),
            "failed_over_from_on_premises": True,
            "source_vm_ram_mb": _int(details.allocated_memory_in_mb) or None,
            "agent_registered_after_failover": details.is_agent_registration_successful_after_failover,
        }
    if isinstance(details, models.InMageRcmFailbackReplicationDetails):
        failback_agent = details.mobility_agent_details
        discovered = details.discovered_vm_details
        return {
            "os_type": _os_type(details.os_type),
            "os_version": _text(discovered.os_name) if discovered else None,
            "disks": _disks_modernized(details.protected_disks),
            "multi_vm_group_name": _text(details.multi_vm_group_name),
            # The appliance's reprotect agent is where the item replicates to, as a master target is.
            "master_target_id": _text(details.reprotect_agent_id),
            "agent_last_heartbeat": _when(failback_agent.last_heartbeat_utc) if failback_agent else None,
            "azure_vm_name": _last_segment(details.azure_virtual_machine_id),
            "azure_vm_id": _text(details.azure_virtual_machine_id),
            "failed_over_from_on_premises": True,
            "agent_registered_after_failover": details.is_agent_registration_successful_after_failover,
            "datastores": (details.target_data_store_name,) if details.target_data_store_name else (),
            # Initial replication after reprotect, or a resync later: whichever runs.
            "sync_progress_percent": _int(
                details.initial_replication_progress_percentage
                if details.initial_replication_progress_percentage is not None
                else details.resync_progress_percentage
            ),
        }
    return {}


def protected_item_from_sdk(item: models.ReplicationProtectedItem) -> ProtectedItem:
    """A replication protected item of any of the four providers as one ProtectedItem."""
    props = item.properties or models.ReplicationProtectedItemProperties()
    details = props.provider_specific_details
    provider = _provider_facts(details)
    disks: tuple[ProtectedDisk, ...] = provider.get("disks", ())
    return ProtectedItem(
        name=item.name or "",
        id=item.id,
        friendly_name=props.friendly_name,
        instance_type=_attr(details, "instance_type"),
        protection_state=props.protection_state,
        protection_state_description=props.protection_state_description,
        replication_health=props.replication_health,
        failover_health=props.failover_health,
        active_location=props.active_location,
        allowed_operations=tuple(props.allowed_operations or ()),
        current_scenario=_current_scenario(props.current_scenario),
        health_errors=_item_health_errors(props),
        # Site Recovery empties the disk list after reprotect: unknown then, not zero disks.
        disk_count=len(disks) or None,
        policy_id=_text(props.policy_id),
        last_successful_failover=_when(props.last_successful_failover_time),
        **provider,
    )


def _item_health_errors(props: models.ReplicationProtectedItemProperties) -> tuple[HealthError, ...]:
    """`healthErrors`; older answers (2017) carry `replicationHealthErrors` and `failoverHealthErrors`."""
    if props.health_errors is not None:
        return _health_errors(props.health_errors)
    older = [
        models.HealthError(entry)
        for key in ("replicationHealthErrors", "failoverHealthErrors")
        for entry in _field(props, key) or ()
    ]
    return _health_errors(older)


def _job_errors(errors: Iterable[models.JobErrorDetails] | None) -> tuple[JobError, ...]:
    """Service and provider errors of a job or task; a provider code (e.g. 95226) is its own entry."""
    found: list[JobError] = []
    for error in errors or ():
        service = error.service_error_details
        if service is not None and (service.code or service.message):
            found.append(
                JobError(
                    code=str(service.code or ""),
                    message=service.message or "",
                    possible_causes=service.possible_causes or "",
                    recommended_action=service.recommended_action or "",
                )
            )
        provider = error.provider_error_details
        if provider is not None and (provider.error_code is not None or provider.error_message):
            found.append(
                JobError(
                    code=str(provider.error_code if provider.error_code is not None else ""),
                    message=provider.error_message or "",
                    possible_causes=provider.possible_causes or "",
                    recommended_action=provider.recommended_action or "",
                )
            )
    return tuple(found)


def _child_job_id(job_id: str | None) -> str | None:
    """The per-machine job a machine task names; before it runs the id ends in `replicationJobs/`."""
    if not job_id or job_id.rstrip().endswith("/"):
        return None
    return _last_segment(job_id)


def _field(model: Any, key: str) -> Any:
    """A field of a (possibly not polymorphically deserialized) SDK model, by its wire name.

    The SDK gives group and machine task details as their base types (GroupTaskDetails,
    TaskTypeDetails), whose subclass fields are only reachable as the mapping they are.
    """
    if model is None:
        return None
    try:
        return model[key]
    except (KeyError, TypeError):
        return None


def _task_from_sdk(task: models.ASRTask) -> JobTask:
    """A task with the group and machine tasks nested under it (recovery-plan jobs)."""
    group = task.group_task_custom_details
    job_task = _field(task.custom_details, "jobTask")
    children = _field(group, "childTasks") or ()
    return JobTask(
        id=task.task_id or "",
        name=task.name or "",
        friendly_name=task.friendly_name,
        state=task.state,
        state_description=task.state_description,
        start=_when(task.start_time),
        end=_when(task.end_time),
        errors=_job_errors(task.errors),
        task_type=task.task_type,
        group_type=_field(group, "rpGroupType"),
        children=tuple(_task_from_sdk(models.ASRTask(child)) for child in children),
        child_job_id=_child_job_id(_field(job_task, "jobId")),
        child_job_scenario=_field(job_task, "jobScenarioName"),
        target_object_name=_field(job_task, "targetObjectName")
        or (task.friendly_name if task.task_type == "VirtualMachineTaskDetails" else None),
    )


def job_from_sdk(job: models.Job, *, detailed: bool = False) -> Job:
    """A Site Recovery job; `id` is the job name (a GET by a tracking id may answer with another name).

    A job list entry carries no tasks, errors or custom details: `detailed` (a GET by name) says
    they were read, so that nobody takes "no tasks listed" for "no tasks run".
    """
    props = job.properties or models.JobProperties()
    return Job(
        id=job.name or _last_segment(job.id) or "",
        scenario=props.scenario_name or "",
        name=props.friendly_name,
        state=props.state,
        state_description=props.state_description,
        start=_when(props.start_time),
        end=_when(props.end_time),
        target_object_id=props.target_object_id,
        target_object_name=props.target_object_name,
        errors=_job_errors(props.errors),
        tasks=tuple(_task_from_sdk(t) for t in props.tasks or ()),
        target_instance_type=props.target_instance_type,
        allowed_actions=tuple(props.allowed_actions or ()),
        detailed=detailed,
    )
