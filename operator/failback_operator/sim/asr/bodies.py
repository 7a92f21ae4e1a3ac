"""ARM response bodies, shaped field for field like the recorded Site Recovery responses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from failback_operator.sim.asr.jobs import JobProgress, TaskProgress, progress
from failback_operator.sim.asr.lifecycle import item_view
from failback_operator.sim.asr.scenario import Architecture, ItemStage
from failback_operator.sim.asr.state import ItemState, JobState, SimState, stable_id

__all__ = [
    "container_name",
    "fabric_body",
    "item_body",
    "job_body",
    "mapping_bodies",
    "operation_status_body",
    "policy_bodies",
    "recovery_plan_body",
    "recovery_point_body",
    "vault_prefix",
    "vcenter_body",
]

NEVER = "0001-01-01T00:00:00"
NO_SCENARIO_TIME = "1753-01-01T01:01:01Z"
AZURE_CONTAINER = "d38048d4-b460-4791-8ece-108395ee8478"
AZURE_FABRIC_ID = "21a9403c-6ec1-44f2-b744-b4e50b792387"
GIB = 1024**3


def stamp(moment: datetime | None) -> str | None:
    """ISO 8601 with a Z, as Site Recovery writes times."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def vault_prefix(state: SimState) -> str:
    """`/Subscriptions/.../vaults/{vault}` as Site Recovery spells ids (capital S)."""
    vault = state.scenario.vault
    return (
        f"/Subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}"
        f"/providers/Microsoft.RecoveryServices/vaults/{vault.name}"
    )


def fabric_name(state: SimState) -> str:
    """The configuration server's fabric name."""
    return state.scenario.configuration_server.fabric_name


def container_name(state: SimState) -> str:
    """The protection container of the configuration server."""
    server = state.scenario.configuration_server
    return server.container_name or f"cloud_{server.internal_id}"


def fabric_id(state: SimState) -> str:
    """ARM id of the configuration server's fabric."""
    return f"{vault_prefix(state)}/replicationFabrics/{fabric_name(state)}"


def container_id(state: SimState) -> str:
    """ARM id of the configuration server's protection container."""
    return f"{fabric_id(state)}/replicationProtectionContainers/{container_name(state)}"


def item_id(state: SimState, item: ItemState) -> str:
    """ARM id of a protected item."""
    return f"{container_id(state)}/replicationProtectedItems/{item.name}"


def policy_id(state: SimState, name: str) -> str:
    """ARM id of a replication policy."""
    return f"{vault_prefix(state)}/replicationPolicies/{name}"


def job_id(state: SimState, job_name: str) -> str:
    """ARM id of a job."""
    return f"{vault_prefix(state)}/replicationJobs/{job_name}"


def _gib(value: float) -> int:
    return int(value * GIB)


def _agent_versions(version: str) -> dict[str, Any]:
    return {"version": version, "expiryDate": "9999-12-31T23:59:59.9999999", "status": "Supported"}


def fabric_body(state: SimState) -> dict[str, Any]:
    """The configuration server as a fabric: VMware details (classic) or InMageRcm (modernized)."""
    scenario = state.scenario
    server = scenario.configuration_server
    heartbeat = state.configuration_server_heartbeat()
    if scenario.architecture is Architecture.CLASSIC:
        custom: dict[str, Any] = _vmware_details(state, heartbeat)
    else:
        custom = _rcm_details(state, heartbeat)
    return {
        "name": fabric_name(state),
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics",
        "id": fabric_id(state),
        "properties": {
            "friendlyName": server.name,
            "encryptionDetails": {"kekState": "None", "kekCertThumbprint": None},
            "rolloverEncryptionDetails": {"kekState": "None", "kekCertThumbprint": None},
            "internalIdentifier": server.internal_id,
            "bcdrState": "Valid",
            "customDetails": custom,
            "healthErrorDetails": [],
            "health": "Critical" if state.heartbeat_stopped else "Normal",
        },
    }


def _vmware_details(state: SimState, heartbeat: datetime) -> dict[str, Any]:
    scenario = state.scenario
    server = scenario.configuration_server
    server_heartbeat = stamp(heartbeat)
    process_servers = [
        {
            "friendlyName": ps.name,
            "id": ps.id,
            "ipAddress": ps.ip_address,
            "osType": ps.os_type,
            "agentVersion": "9.41.0.0",
            "lastHeartbeat": server_heartbeat,
            "versionStatus": "Supported",
            "mobilityServiceUpdates": [
                {"version": "9.41.0.0", "rebootStatus": "NotRequired", "osType": "Windows"},
                {"version": "9.41.0.0", "rebootStatus": "NotRequired", "osType": "Linux"},
            ],
            "hostId": ps.id,
            "machineCount": str(len(state.visible_items())),
            "replicationPairCount": "0",
            "systemLoad": "0",
            "systemLoadStatus": "Green",
            "cpuLoad": "0%",
            "cpuLoadStatus": "Green",
            "totalMemoryInBytes": 5032087552,
            "availableMemoryInBytes": 2927165329,
            "memoryUsageStatus": "Green",
            "totalSpaceInBytes": 107337478144,
            "availableSpaceInBytes": 104919038293,
            "spaceUsageStatus": "Green",
            "psServiceStatus": "Stopped" if state.heartbeat_stopped else "Running",
            "sslCertExpiryDate": "2028-03-22T14:18:58Z",
            "sslCertExpiryRemainingDays": 1081,
            "osVersion": None,
            "healthErrors": [],
            "agentExpiryDate": "9999-12-31T23:59:59.9999999",
            "agentVersionDetails": _agent_versions("9.41.0.0"),
            "health": "Critical" if state.heartbeat_stopped else "Normal",
            "psStatsRefreshTime": server_heartbeat,
            "throughputUploadPendingDataInBytes": 0,
            "throughputInMBps": 0,
            "throughputInBytes": 0,
            "throughputStatus": "Green",
            "marsCommunicationStatus": "1",
            "marsRegistrationStatus": "1",
        }
        for ps in scenario.process_servers
    ]
    master_targets = [
        {
            "id": mt.id,
            "ipAddress": mt.ip_address,
            "name": mt.name,
            "osType": mt.os_type,
            "agentVersion": "9.41.0.0",
            "lastHeartbeat": server_heartbeat,
            "versionStatus": "Supported",
            "retentionVolumes": [
                {
                    "volumeName": volume.name,
                    "capacityInBytes": _gib(volume.capacity_gib),
                    "freeSpaceInBytes": _gib(volume.free_gib),
                    "thresholdPercentage": None,
                }
                for volume in mt.retention_volumes
            ],
            "dataStores": [
                {
                    "symbolicName": datastore.name,
                    "uuid": datastore.uuid,
                    "capacity": f"{datastore.capacity_gib:g}",
                    "freeSpace": f"{datastore.free_gib:g}",
                    "type": datastore.type,
                }
                for datastore in mt.datastores
            ],
            "validationErrors": [],
            "healthErrors": [],
            "diskCount": mt.disk_count,
            "osVersion": mt.os_version,
            "agentExpiryDate": "9999-12-31T23:59:59.9999999",
            "marsAgentVersion": "2.0.9202.0",
            "marsAgentExpiryDate": "9999-12-31T23:59:59.9999999",
            "agentVersionDetails": _agent_versions("9.41.0.0"),
            "marsAgentVersionDetails": _agent_versions("2.0.9202.0"),
        }
        for mt in scenario.master_targets
    ]
    return {
        "instanceType": "VMware",
        "processServers": process_servers,
        "masterTargetServers": master_targets,
        "runAsAccounts": [{"accountId": a.id, "accountName": a.name} for a in server.run_as_accounts],
        "replicationPairCount": "0",
        "processServerCount": str(len(process_servers)),
        "agentCount": str(len(state.visible_items())),
        "protectedServers": str(len(state.visible_items())),
        "systemLoad": "0",
        "systemLoadStatus": "Green",
        "cpuLoad": "0%",
        "cpuLoadStatus": "Green",
        "totalMemoryInBytes": 20266405888,
        "availableMemoryInBytes": 15909128622,
        "memoryUsageStatus": "Green",
        "totalSpaceInBytes": 137435803648,
        "availableSpaceInBytes": 133171265536,
        "spaceUsageStatus": "Green",
        "webLoad": "0",
        "webLoadStatus": "Green",
        "databaseServerLoad": "0.25",
        "databaseServerLoadStatus": "Green",
        "csServiceStatus": "Stopped" if state.heartbeat_stopped else "Running",
        "ipAddress": server.ip_address,
        "agentVersion": "9.41.0.0",
        "hostName": server.name,
        "lastHeartbeat": stamp(heartbeat),
        "versionStatus": "Supported",
        "sslCertExpiryDate": "2028-03-18T14:07:03Z",
        "sslCertExpiryRemainingDays": 1077,
        "psTemplateVersion": "202102.14.00",
        "agentExpiryDate": "9999-12-31T23:59:59.9999999",
        "agentVersionDetails": _agent_versions("9.41.0.0"),
    }


def _rcm_details(state: SimState, heartbeat: datetime) -> dict[str, Any]:
    scenario = state.scenario
    vault = scenario.vault
    site = (
        f"/subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}"
        f"/providers/Microsoft.OffAzure/VMwareSites/{vault.name}vmwaresite"
    )
    health = "Critical" if state.heartbeat_stopped else "Normal"
    beat = stamp(heartbeat)
    appliances = scenario.appliances
    return {
        "instanceType": "InMageRcm",
        "vmwareSiteId": site,
        "physicalSiteId": "",
        "serviceEndpoint": "https://rcm.example.invalid",
        "serviceResourceId": stable_id("rcm", vault.name),
        "serviceContainerId": stable_id("container", vault.name),
        "dataPlaneUri": "https://dataplane.example.invalid",
        "controlPlaneUri": "https://controlplane.example.invalid",
        "processServers": [
            {
                "id": a.id,
                "name": a.name,
                "biosId": stable_id("bios", a.name),
                "fabricObjectId": stable_id("fabricobject", a.name),
                "fqdn": a.name,
                "ipAddresses": [a.ip_address],
                "version": "9.44.6071.1",
                "lastHeartbeatUtc": beat,
                "totalMemoryInBytes": 17179869184,
                "availableMemoryInBytes": 8589934592,
                "usedMemoryInBytes": 8589934592,
                "memoryUsagePercentage": 50.0,
                "totalSpaceInBytes": 536870912000,
                "availableSpaceInBytes": 268435456000,
                "usedSpaceInBytes": 268435456000,
                "freeSpacePercentage": 50.0,
                "throughputUploadPendingDataInBytes": 0,
                "throughputInBytes": 0,
                "processorUsagePercentage": 10.0,
                "throughputStatus": "Healthy",
                "systemLoad": 0,
                "systemLoadStatus": "Healthy",
                "diskUsageStatus": "Healthy",
                "memoryUsageStatus": "Healthy",
                "processorUsageStatus": "Healthy",
                "health": health,
                "healthErrors": [],
                "protectedItemCount": len(state.visible_items()),
                "historicHealth": health,
            }
            for a in appliances
        ],
        "rcmProxies": [],
        "pushInstallers": [],
        "replicationAgents": [],
        "reprotectAgents": [
            {
                "id": a.id,
                "name": a.name,
                "biosId": stable_id("bios", a.name),
                "fabricObjectId": stable_id("fabricobject", a.name),
                "fqdn": a.name,
                "version": "9.44.6071.1",
                "lastHeartbeatUtc": beat,
                "health": health,
                "healthErrors": [],
                "protectedItemCount": len(state.visible_items()),
                "accessibleDatastores": list(a.datastores),
                "vcenterId": f"{site}/vcenters/{scenario.vcenter_name}",
                "lastDiscoveryInUtc": beat,
            }
            for a in appliances
        ],
        "marsAgents": [],
        "dras": [],
        "agentDetails": [],
    }


def container_body(state: SimState) -> dict[str, Any]:
    """The configuration server's protection container."""
    classic = state.architecture is Architecture.CLASSIC
    return {
        "id": container_id(state),
        "name": container_name(state),
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers",
        "properties": {
            "fabricFriendlyName": state.scenario.configuration_server.name,
            "friendlyName": state.scenario.configuration_server.name if classic else container_name(state),
            "fabricType": "VMware" if classic else "InMageRcm",
            "protectedItemCount": len(state.visible_items()),
            "pairingStatus": "Paired",
            "role": "Primary",
            "fabricSpecificDetails": None,
        },
    }


def policy_bodies(state: SimState) -> list[dict[str, Any]]:
    """The forward policy and the failback policy (RPO 15 min, retention 24 h, app-consistent 60 min)."""
    scenario = state.scenario
    if scenario.architecture is Architecture.CLASSIC:
        forward: dict[str, Any] = {
            "instanceType": "InMageAzureV2",
            "crashConsistentFrequencyInMinutes": 5,
            "recoveryPointThresholdInMinutes": 15,
            "recoveryPointHistory": 1440,
            "appConsistentFrequencyInMinutes": 60,
            "multiVmSyncStatus": "Enabled",
        }
        failback: dict[str, Any] = {
            "instanceType": "InMage",
            "recoveryPointThresholdInMinutes": 15,
            "recoveryPointHistory": 1440,
            "appConsistentFrequencyInMinutes": 60,
            "multiVmSyncStatus": "Enabled",
        }
    else:
        forward = {
            "instanceType": "InMageRcm",
            "recoveryPointHistoryInMinutes": 1440,
            "appConsistentFrequencyInMinutes": 60,
            "crashConsistentFrequencyInMinutes": 5,
            "enableMultiVmSync": "True",
        }
        failback = {
            "instanceType": "InMageRcmFailback",
            "appConsistentFrequencyInMinutes": 60,
            "crashConsistentFrequencyInMinutes": 5,
        }
    return [
        {
            "id": policy_id(state, name),
            "name": name,
            "type": "Microsoft.RecoveryServices/vaults/replicationPolicies",
            "properties": {"friendlyName": name, "providerSpecificDetails": details},
        }
        for name, details in ((scenario.forward_policy, forward), (scenario.failback_policy, failback))
    ]


def mapping_bodies(state: SimState) -> list[dict[str, Any]]:
    """Container mappings: forward to Azure and failback to the configuration server."""
    scenario = state.scenario
    server = scenario.configuration_server
    bodies = []
    for policy, target_id, target_name, target_fabric in (
        (scenario.forward_policy, AZURE_CONTAINER, "Microsoft Azure", "Microsoft Azure"),
        (scenario.failback_policy, container_id(state), server.name, server.name),
    ):
        name = f"{container_name(state)}-{policy}".lower()
        bodies.append(
            {
                "id": f"{container_id(state)}/replicationProtectionContainerMappings/{name}",
                "name": name,
                "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/"
                "replicationProtectionContainers/"
                "replicationProtectionContainerMappings",
                "properties": {
                    "targetProtectionContainerId": target_id,
                    "targetProtectionContainerFriendlyName": target_name,
                    "providerSpecificDetails": None,
                    "health": "Normal",
                    "healthErrorDetails": [],
                    "policyId": policy_id(state, policy),
                    "state": "Paired",
                    "sourceProtectionContainerFriendlyName": server.name,
                    "sourceFabricFriendlyName": server.name,
                    "targetFabricFriendlyName": target_fabric,
                    "policyFriendlyName": policy,
                },
            }
        )
    return bodies


def vcenter_body(state: SimState) -> dict[str, Any]:
    """The vCenter the configuration server discovers."""
    scenario = state.scenario
    return {
        "id": f"{fabric_id(state)}/replicationvCenters/{scenario.vcenter_name}",
        "name": scenario.vcenter_name,
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationvCenters",
        "properties": {
            "friendlyName": scenario.vcenter_name,
            "internalId": stable_id("vcenter", scenario.vcenter_name),
            "lastHeartbeat": stamp(state.configuration_server_heartbeat()),
            "discoveryStatus": "Connected",
            "processServerId": scenario.process_servers[0].id if scenario.process_servers else None,
            "ipAddress": scenario.vcenter_host,
            "infrastructureId": "9",
            "port": "443",
            "runAsAccountId": "1",
            "fabricArmResourceName": fabric_name(state),
            "healthErrors": [],
        },
    }


def _resync_percentage(state: SimState, item: ItemState) -> int:
    if item.resync_started is None or item.stage not in (
        ItemStage.SYNCING_TO_ON_PREMISES,
        ItemStage.SYNCING_TO_AZURE,
    ):
        return 100
    total = timedelta(minutes=state.scenario.job_durations.resync_minutes).total_seconds() or 1.0
    done = (state.clock.now() - item.resync_started).total_seconds()
    return max(0, min(99, int(done * 100 / total)))


def _health_errors(state: SimState, item: ItemState) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if item.azure_vm_deleted:
        errors.append(
            {
                "innerHealthErrors": [],
                "errorSource": "ReplicationUnitProviderErrorOnPrimary",
                "errorType": "1004",
                "errorLevel": "Error",
                "errorCategory": "Replication",
                "errorCode": "150080",
                "summaryMessage": "The Azure virtual machine was not found.",
                "errorMessage": f"The Azure virtual machine {item.spec.vm_name} was deleted or moved.",
                "possibleCauses": "The virtual machine was deleted in Azure after failover.",
                "recommendedAction": "Disable protection for the item.",
                "creationTimeUtc": stamp(state.clock.now()),
                "recoveryProviderErrorMessage": None,
                "entityId": item.vm_id,
                "errorId": "2:1004",
                "customerResolvability": "Allowed",
            }
        )
    return errors


def item_body(state: SimState, item: ItemState) -> dict[str, Any]:
    """A replication protected item at its current stage, as GET and list return it."""
    scenario = state.scenario
    server = scenario.configuration_server
    view = item_view(state.architecture, item.stage)
    toward_azure = item.stage in (
        ItemStage.SYNCING_TO_AZURE,
        ItemStage.PROTECTED_TO_AZURE,
        ItemStage.FAILED_OVER,
        ItemStage.FAILED_OVER_COMMITTED,
    )
    allowed = list(view.allowed_operations)
    job = state.job(item.current_job_id) if item.current_job_id else None
    if job is not None or item.azure_vm_deleted:
        allowed = ["DisableProtection"]
    if job is not None:
        current = {
            "scenarioName": job.scenario_name,
            "jobId": job_id(state, job.id),
            "startTime": stamp(job.plan.start),
        }
    else:
        current = {"scenarioName": "None", "jobId": job_id(state, "None"), "startTime": NO_SCENARIO_TIME}
    recovery_point_id = ""
    if item.recovery_point is not None:
        recovery_point_id = f"{item_id(state, item)}/recoveryPoints/{item.recovery_point.id}"
    policy = scenario.forward_policy if toward_azure else scenario.failback_policy
    health = "Critical" if item.azure_vm_deleted else "Normal"
    classic = state.architecture is Architecture.CLASSIC
    properties: dict[str, Any] = {
        "friendlyName": item.spec.vm_name,
        "protectedItemType": "",
        "protectableItemId": f"{container_id(state)}/replicationProtectableItems/{item.vm_id}"
        if classic
        else None,
        "recoveryServicesProviderId": f"{fabric_id(state)}/replicationRecoveryServicesProviders/"
        f"{server.internal_id}",
        "primaryFabricFriendlyName": server.name,
        "primaryFabricProvider": "InMageFabric" if classic else "InMageRcmFabric",
        "recoveryFabricFriendlyName": "Microsoft Azure" if toward_azure else server.name,
        "recoveryFabricId": "Microsoft Azure" if toward_azure else fabric_id(state),
        "primaryProtectionContainerFriendlyName": server.name if classic else container_name(state),
        "recoveryProtectionContainerFriendlyName": "Microsoft Azure" if toward_azure else server.name,
        "protectionState": view.protection_state,
        "protectionStateDescription": view.protection_state_description,
        "activeLocation": view.active_location,
        "testFailoverState": "None",
        "testFailoverStateDescription": "None",
        "allowedOperations": allowed,
        "replicationHealth": health,
        "failoverHealth": health,
        "healthErrors": _health_errors(state, item),
        "policyId": policy_id(state, policy),
        "policyFriendlyName": policy,
        "currentScenario": current,
        "failoverRecoveryPointId": recovery_point_id,
        "providerSpecificDetails": _provider_details(state, item, view.instance_type, view),
        "recoveryContainerId": f"{vault_prefix(state)}/replicationFabrics/{AZURE_FABRIC_ID}/"
        f"replicationProtectionContainers/{AZURE_CONTAINER}"
        if toward_azure
        else container_id(state),
        "eventCorrelationId": stable_id("event", item.name, item.stage.value),
    }
    if item.last_failover_time is not None:
        properties["lastSuccessfulFailoverTime"] = stamp(item.last_failover_time)
    return {
        "id": item_id(state, item),
        "name": item.name,
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/"
        "replicationProtectedItems",
        "properties": properties,
    }


def _provider_details(state: SimState, item: ItemState, instance_type: str, view: Any) -> dict[str, Any]:
    if instance_type == "InMageAzureV2":
        return _inmage_azure_v2(state, item, view)
    if instance_type == "InMage":
        return _inmage(state, item, view)
    if instance_type == "InMageRcm":
        return _inmage_rcm(state, item, view)
    return _inmage_rcm_failback(state, item, view)


def _disk_id(item: ItemState, index: int) -> str:
    return "{" + stable_id("disk", item.name, str(index)).upper() + "}"


def _group_id(item: ItemState) -> str | None:
    return stable_id("group", item.spec.replication_group) if item.spec.replication_group else None


def _inmage_azure_v2(state: SimState, item: ItemState, view: Any) -> dict[str, Any]:
    spec = item.spec
    vault = state.scenario.vault
    now = state.clock.now()
    resync = _resync_percentage(state, item)
    mt = state.scenario.master_targets[0] if state.scenario.master_targets else None
    ps = state.scenario.process_servers[0] if state.scenario.process_servers else None
    group = _group_id(item)
    rg = f"/subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}"
    return {
        "instanceType": "InMageAzureV2",
        "infrastructureVmId": item.vm_id,
        "vCenterInfrastructureId": "9",
        "protectionStage": view.protection_stage,
        "vmId": item.vm_id,
        "vmProtectionState": view.protection_state,
        "vmProtectionStateDescription": view.protection_state_description,
        "resyncProgressPercentage": resync,
        "rpoInSeconds": 120,
        "compressedDataRateInMB": 0.5,
        "uncompressedDataRateInMB": 0.5,
        "ipAddress": spec.ip_address,
        "agentVersion": "9.41.0.0",
        "agentExpiryDate": "9999-12-31T23:59:59.9999999",
        "isAgentUpdateRequired": "NotRequired",
        "isRebootAfterUpdateRequired": "NotRequired",
        "lastHeartbeat": stamp(now - timedelta(seconds=60)),
        "processServerId": ps.id if ps else None,
        "processServerName": ps.name if ps else None,
        "multiVmGroupId": group,
        "multiVmGroupName": spec.replication_group,
        "multiVmSyncStatus": "Enabled" if group else "Disabled",
        "protectedDisks": [
            {
                "diskId": _disk_id(item, index),
                "diskName": f"Disk{index}",
                "protectionStage": view.protection_stage,
                "healthErrorCode": None,
                "rpoInSeconds": 120,
                "resyncRequired": "NotRequired",
                "resyncProgressPercentage": resync,
                "resyncDurationInSeconds": 0,
                "diskCapacityInBytes": _gib(disk.size_gib),
                "fileSystemCapacityInBytes": _gib(disk.size_gib),
                "sourceDataInMegaBytes": 0.0,
                "psDataInMegaBytes": 0.0,
                "targetDataInMegaBytes": 0.0,
                "diskResized": "NotResized",
                "lastRpoCalculatedTime": stamp(now),
                "resyncProcessedBytes": 0,
                "resyncTotalTransferredBytes": 0,
                "resyncLast15MinutesTransferredBytes": 0,
                "resyncLastDataTransferTimeUTC": None,
                "resyncStartTime": None,
                "progressHealth": "Completed",
                "progressStatus": "Grey",
            }
            for index, disk in enumerate(spec.disks)
        ],
        "diskResized": "NotResized",
        "masterTargetId": mt.id if mt else None,
        "sourceVmCpuCount": 4,
        "sourceVmRamSizeInMB": 4094,
        "osType": spec.os_type,
        "vhdName": "\\\\.\\PHYSICALDRIVE0",
        "osDiskId": _disk_id(item, next(i for i, d in enumerate(spec.disks) if d.os_disk)),
        "azureVMDiskDetails": [
            {
                "vhdType": None,
                "vhdId": _disk_id(item, index),
                "diskId": None,
                "vhdName": None,
                "maxSizeMB": None,
                "targetDiskLocation": None,
                "targetDiskName": f"PHYSICALDRIVE{index}-{spec.vm_name.replace('-', '_')}",
                "lunId": None,
                "diskEncryptionSetId": None,
            }
            for index, _disk in enumerate(spec.disks)
        ],
        "recoveryAzureVMName": spec.vm_name,
        "recoveryAzureVMSize": "Standard_F2s_v2",
        "recoveryAzureStorageAccount": None,
        "recoveryAzureLogStorageAccountId": f"{rg}/providers/Microsoft.Storage/storageAccounts/"
        f"{state.scenario.log_storage_account}",
        "vmNics": [],
        "selectedRecoveryAzureNetworkId": f"{rg}/providers/Microsoft.Network/virtualNetworks/recovery-vnet",
        "selectedTfoAzureNetworkId": None,
        "selectedSourceNicId": None,
        "discoveryType": "vCenter",
        "enableRdpOnTargetOption": "Never",
        "datastores": [mt.datastores[0].name] if mt and mt.datastores else [],
        "targetVmId": f"{rg}/providers/Microsoft.Compute/virtualMachines/{spec.vm_name}",
        "recoveryAzureResourceGroupId": rg,
        "recoveryAvailabilitySetId": None,
        "targetAvailabilityZone": None,
        "targetProximityPlacementGroupId": None,
        "useManagedDisks": "true",
        "licenseType": "NotSpecified",
        "sqlServerLicenseType": "NotSpecified",
        "validationErrors": [],
        "lastRpoCalculatedTime": stamp(now),
        "lastUpdateReceivedTime": stamp(now),
        "replicaId": f"{item.vm_id}_replica_{container_name(state)}",
        "osVersion": spec.os_version,
        "protectedManagedDisks": [
            {
                "diskId": _disk_id(item, index),
                "seedManagedDiskId": f"{rg}/providers/Microsoft.Compute/disks/"
                f"asrseeddisk-{spec.vm_name}-{index}",
                "replicaDiskType": "Standard_LRS",
                "diskEncryptionSetId": None,
            }
            for index, _disk in enumerate(spec.disks)
        ],
        "lastRecoveryPointReceived": stamp(now - timedelta(minutes=5)),
        "firmwareType": "UEFI" if spec.os_type == "Windows" else "BIOS",
        "azureVmGeneration": "V2" if spec.os_type == "Windows" else "V1",
        "isAdditionalStatsAvailable": False,
        "totalDataTransferred": -1,
        "totalProgressHealth": "Completed" if resync >= 100 else "InProgress",
        "targetVmTags": {},
        "seedManagedDiskTags": None,
        "targetManagedDiskTags": None,
        "targetNicTags": {},
    }


def _inmage(state: SimState, item: ItemState, view: Any) -> dict[str, Any]:
    """Classic Azure -> on-premises details; Site Recovery clears MT id, OS version and disks here."""
    spec = item.spec
    now = state.clock.now()
    resync = _resync_percentage(state, item)
    reprotect = item.reprotect_input
    group = _group_id(item)
    return {
        "instanceType": "InMage",
        "activeSiteType": view.active_site_type,
        "sourceVmCpuCount": 0,
        "sourceVmRamSizeInMB": 0,
        "osDetails": None,
        "protectionStage": view.protection_stage,
        "vmId": item.vm_id,
        "vmProtectionState": view.protection_state,
        "vmProtectionStateDescription": view.protection_state_description,
        "resyncDetails": {
            "initialReplicationType": "InitialReplication",
            "initialReplicationProgressPercentage": str(resync),
        },
        "retentionWindowStart": None,
        "retentionWindowEnd": None,
        "compressedDataRateInMB": 0.5,
        "uncompressedDataRateInMB": 0.5,
        "rpoInSeconds": 120,
        "protectedDisks": [],
        "ipAddress": spec.ip_address,
        "lastHeartbeat": stamp(now - timedelta(seconds=60)),
        "processServerId": reprotect.get("processServerId"),
        "masterTargetId": None,
        "consistencyPoints": None,
        "diskResized": None,
        "rebootAfterUpdateStatus": None,
        "multiVmGroupId": group,
        "multiVmGroupName": spec.replication_group,
        "multiVmSyncStatus": "Enabled" if group else "Disabled",
        "agentDetails": {
            "agentVersion": "9.41.0.0",
            "agentUpdateStatus": "NotRequired",
            "postUpdateRebootStatus": "NotRequired",
            "agentExpiryDate": "9999-12-31T23:59:59.9999999",
        },
        "vCenterInfrastructureId": None,
        "infrastructureVmId": item.vm_id,
        "vmNics": [],
        "discoveryType": "Physical",
        "azureStorageAccountId": None,
        "datastores": [reprotect["datastoreName"]] if reprotect.get("datastoreName") else [],
        "validationErrors": [],
        "lastRpoCalculatedTime": stamp(now),
        "lastUpdateReceivedTime": stamp(now),
        "replicaId": item.vm_id,
        "osVersion": None,
        "isAdditionalStatsAvailable": False,
        "totalDataTransferred": -1,
        "totalProgressHealth": "Completed" if resync >= 100 else "InProgress",
    }


def _rcm_disks(item: ItemState, state: SimState, now: datetime) -> list[dict[str, Any]]:
    vault = state.scenario.vault
    rg = f"/subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}"
    account = f"{rg}/providers/Microsoft.Storage/storageAccounts/{state.scenario.log_storage_account}"
    disks = f"{rg}/providers/Microsoft.Compute/disks"
    return [
        {
            "diskId": _disk_id(item, index),
            "diskName": f"\\\\.\\PHYSICALDRIVE{index}",
            "isOSDisk": "true" if disk.os_disk else "false",
            "capacityInBytes": _gib(disk.size_gib),
            "logStorageAccountId": account,
            "diskEncryptionSetId": None,
            "seedManagedDiskId": f"{disks}/asrseeddisk-{item.spec.vm_name}-{index}",
            "seedBlobUri": None,
            "targetManagedDiskId": f"{disks}/PHYSICALDRIVE{index}-{item.spec.vm_name}",
            "targetBlobUri": None,
            "diskType": "Standard_LRS",
            "dataPendingInLogDataStoreInMB": 0.0,
            "dataPendingAtSourceAgentInMB": 0.0,
            "isInitialReplicationComplete": "true",
        }
        for index, disk in enumerate(item.spec.disks)
    ]


def _inmage_rcm(state: SimState, item: ItemState, view: Any) -> dict[str, Any]:
    spec = item.spec
    vault = state.scenario.vault
    now = state.clock.now()
    resync = _resync_percentage(state, item)
    appliance = state.scenario.appliances[0]
    rg = f"/subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}"
    site = f"{rg}/providers/Microsoft.OffAzure/VMwareSites/{vault.name}vmwaresite"
    syncing = view.protection_stage == "Resync"
    point_id = (
        f"{item_id(state, item)}/recoveryPoints/{item.recovery_point.id}" if item.recovery_point else None
    )
    return {
        "instanceType": "InMageRcm",
        "internalIdentifier": item.vm_id,
        "fabricDiscoveryMachineId": f"{site}/machines/{state.scenario.vcenter_name}_{item.vm_id}",
        "multiVmGroupName": spec.replication_group,
        "discoveryType": "VCenter",
        "processServerId": appliance.id,
        "processorCoreCount": 2,
        "allocatedMemoryInMB": 4094.0,
        "processServerName": appliance.name,
        "runAsAccountId": f"{site}/runasaccounts/{stable_id('runas', vault.name)}",
        "osType": spec.os_type,
        "firmwareType": "UEFI" if spec.os_type == "Windows" else "BIOS",
        "primaryNicIpAddress": spec.ip_address,
        "targetGeneration": "V2",
        "licenseType": "NotSpecified",
        "storageAccountId": None,
        "targetVmName": spec.vm_name,
        "targetVmSize": "Standard_F2s_v2",
        "targetResourceGroupId": rg,
        "targetLocation": vault.location,
        "targetAvailabilitySetId": "",
        "targetAvailabilityZone": "",
        "targetProximityPlacementGroupId": "",
        "targetBootDiagnosticsStorageAccountId": f"{rg}/providers/Microsoft.Storage/storageAccounts/"
        f"{state.scenario.log_storage_account}",
        "targetNetworkId": f"{rg}/providers/Microsoft.Network/virtualNetworks/recovery-vnet",
        "testNetworkId": f"{rg}/providers/Microsoft.Network/virtualNetworks/recovery-vnet",
        "failoverRecoveryPointId": point_id,
        "lastRecoveryPointReceived": stamp(now - timedelta(minutes=5)),
        "lastRpoInSeconds": 199,
        "lastRpoCalculatedTime": stamp(now),
        "lastRecoveryPointId": point_id,
        "initialReplicationProgressPercentage": None,
        "initialReplicationProcessedBytes": None,
        "initialReplicationTransferredBytes": None,
        "initialReplicationProgressHealth": "None",
        "resyncProgressPercentage": resync if syncing else None,
        "resyncProcessedBytes": None,
        "resyncTransferredBytes": None,
        "resyncProgressHealth": "InProgress" if syncing else "None",
        "resyncRequired": "false",
        "resyncState": "None",
        "agentUpgradeState": "None",
        "agentUpgradeAttemptToVersion": None,
        "agentUpgradeBlockingErrorDetails": [],
        "agentUpgradeJobId": None,
        "lastAgentUpgradeType": None,
        "lastAgentUpgradeErrorDetails": [],
        "isLastUpgradeSuccessful": None,
        "isAgentRegistrationSuccessfulAfterFailover": True,
        "protectedDisks": _rcm_disks(item, state, now),
        "mobilityAgentDetails": {
            "version": "9.44.6071.1",
            "latestVersion": None,
            "latestAgentReleaseDate": None,
            "driverVersion": "9.44.6071.1",
            "latestUpgradableVersionWithoutReboot": None,
            "lastHeartbeatUtc": stamp(now - timedelta(seconds=60)),
            "reasonsBlockingUpgrade": [],
            "isUpgradeable": "false",
        },
        "vmNics": [],
        "discoveredVmDetails": None,
    }


def _inmage_rcm_failback(state: SimState, item: ItemState, view: Any) -> dict[str, Any]:
    spec = item.spec
    vault = state.scenario.vault
    now = state.clock.now()
    resync = _resync_percentage(state, item)
    reprotect = item.reprotect_input
    appliance = next(
        (
            a
            for a in state.scenario.appliances
            if a.id.lower() == str(reprotect.get("reprotectAgentId", "")).lower()
        ),
        state.scenario.appliances[0],
    )
    rg = f"/subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}"
    site = f"{rg}/providers/Microsoft.OffAzure/VMwareSites/{vault.name}vmwaresite"
    syncing = view.protection_stage == "Resync"
    return {
        "instanceType": "InMageRcmFailback",
        "internalIdentifier": item.vm_id,
        "azureVirtualMachineId": f"{rg}/providers/Microsoft.Compute/virtualMachines/{spec.vm_name}",
        "multiVmGroupName": spec.replication_group,
        "reprotectAgentId": appliance.id,
        "reprotectAgentName": appliance.name,
        "osType": spec.os_type,
        "logStorageAccountId": reprotect.get("logStorageAccountId"),
        "targetvCenterId": f"{site}/vcenters/{state.scenario.vcenter_name}",
        "targetDataStoreName": reprotect.get("datastoreName"),
        "targetVmName": spec.on_premises_vm_name,
        "initialReplicationProgressPercentage": resync if syncing else None,
        "initialReplicationProcessedBytes": None,
        "initialReplicationTransferredBytes": None,
        "initialReplicationProgressHealth": "InProgress" if syncing else "None",
        "resyncProgressPercentage": None,
        "resyncProcessedBytes": None,
        "resyncTransferredBytes": None,
        "resyncProgressHealth": "None",
        "resyncRequired": "false",
        "resyncState": "None",
        "protectedDisks": [
            {
                "diskId": _disk_id(item, index),
                "diskName": f"\\\\.\\PHYSICALDRIVE{index}",
                "isOSDisk": "true" if disk.os_disk else "false",
                "capacityInBytes": _gib(disk.size_gib),
                "diskUuid": stable_id("diskuuid", item.name, str(index)),
                "dataPendingInLogDataStoreInMB": 0.0,
                "dataPendingAtSourceAgentInMB": 0.0,
                "isInitialReplicationComplete": "false" if syncing else "true",
                "lastSyncTime": stamp(now),
            }
            for index, disk in enumerate(spec.disks)
        ],
        "mobilityAgentDetails": {
            "version": "9.44.6071.1",
            "latestVersion": None,
            "latestAgentReleaseDate": None,
            "driverVersion": "9.44.6071.1",
            "latestUpgradableVersionWithoutReboot": None,
            "lastHeartbeatUtc": stamp(now - timedelta(seconds=60)),
            "reasonsBlockingUpgrade": ["UnsupportedProtectionScenario"],
            "isUpgradeable": "false",
        },
        "vmNics": [],
        "lastPlannedFailoverStartTime": stamp(item.last_failover_time),
        "lastPlannedFailoverStatus": "Succeeded" if item.last_failover_time else None,
        "discoveredVmDetails": {
            "vCenterId": f"{site}/vcenters/{state.scenario.vcenter_name}",
            "vCenterFQDN": state.scenario.vcenter_host,
            "datastores": [reprotect["datastoreName"]] if reprotect.get("datastoreName") else [],
            "ipAddresses": [spec.ip_address],
            "vmwareToolsStatus": "OK",
            "powerStatus": "ON" if item.stage is ItemStage.FAILED_BACK else "OFF",
            "vmFqdn": spec.on_premises_vm_name,
            "osName": spec.os_version,
            "createdTimestamp": stamp(now - timedelta(days=30)),
            "updatedTimestamp": stamp(now),
            "isDeleted": False,
            "lastDiscoveryTimeInUtc": stamp(now),
        },
        "lastUsedPolicyId": policy_id(state, state.scenario.forward_policy),
        "lastUsedPolicyFriendlyName": state.scenario.forward_policy,
        "isAgentRegistrationSuccessfulAfterFailover": False,
    }


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


def job_body(state: SimState, job: JobState, job_progress: JobProgress) -> dict[str, Any]:
    """A Site Recovery job with its tasks, as GET and list of replicationJobs return it."""
    items = [state.items[name.lower()] for name in job.item_names]
    child_names = [item.spec.vm_name for item in items] if job.recovery_plan else []
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


def recovery_point_body(state: SimState, item: ItemState) -> dict[str, Any] | None:
    """The recovery point the item's last failover used."""
    point = item.recovery_point
    if point is None:
        return None
    return {
        "id": f"{item_id(state, item)}/recoveryPoints/{point.id}",
        "name": point.id,
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/"
        "replicationProtectedItems/recoveryPoints",
        "properties": {
            "recoveryPointTime": stamp(point.time),
            "recoveryPointType": point.type,
            "providerSpecificDetails": None,
        },
    }
