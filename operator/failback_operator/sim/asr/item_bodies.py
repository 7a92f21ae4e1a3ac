"""ARM bodies of replication protected items at each stage, shaped like the recorded responses."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from failback_operator.sim.asr.errors import FAILED_FAILOVER_HEALTH_ERRORS
from failback_operator.sim.asr.ids import (
    AZURE_CONTAINER,
    AZURE_FABRIC_ID,
    GIB,
    NO_SCENARIO_TIME,
    container_id,
    container_name,
    fabric_id,
    item_id,
    job_id,
    policy_id,
    stamp,
    vault_prefix,
)
from failback_operator.sim.asr.lifecycle import ItemView, item_view
from failback_operator.sim.asr.scenario import Architecture, ItemStage
from failback_operator.sim.asr.state import ItemState, SimState, stable_id

__all__ = ["item_body", "recovery_point_body"]


def _gib(value: float) -> int:
    return int(value * GIB)


def _resync_percentage(state: SimState, item: ItemState) -> int:
    if item.resync_started is None or item.stage not in (
        ItemStage.SYNCING_TO_ON_PREMISES,
        ItemStage.SYNCING_TO_AZURE,
    ):
        return 100
    end = state.resync_end(item)
    if end is None:
        return 0  # waiting for a process server slot
    minutes = (
        item.resync_minutes
        if item.resync_minutes is not None
        else state.scenario.job_durations.resync_minutes
    )
    total = timedelta(minutes=minutes).total_seconds() or 1.0
    done = total - (end - state.clock.now()).total_seconds()
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


# As recorded for an item whose failover failed: Site Recovery offers a repair or a new failover.
_FAILED_FAILOVER_OPS = ("RepairReplication", "UnplannedFailover", "DisableProtection")


def _failed_failover_view(view: ItemView) -> ItemView:
    """The recorded state of an item whose failover could not be completed (fault `completion_failed`)."""
    return replace(
        view,
        protection_state="UnplannedFailoverCompletionFailed",
        protection_state_description="Failover couldn't be completed",
        active_location="Primary",
        allowed_operations=_FAILED_FAILOVER_OPS,
    )


def _failed_failover_errors(item: ItemState, failed_at: datetime) -> list[dict[str, Any]]:
    """The recorded health errors of a failed failover, in the current API's `healthErrors` shape."""
    disk = item.spec.disks[0].name if item.spec.disks else "Disk0"
    return [
        {
            "innerHealthErrors": [],
            "errorSource": error.source,
            "errorType": None,
            "errorLevel": error.level,
            "errorCode": error.code,
            "errorMessage": error.message.replace("{disk}", disk),
            "possibleCauses": error.possible_causes,
            "recommendedAction": error.recommended_action,
            # Recorded so: the failover error carries no time, the replication errors do.
            "creationTimeUtc": "0001-01-01T00:00:00" if error.code == "78037" else stamp(failed_at),
            "recoveryProviderErrorMessage": None,
            "entityId": item.vm_id,
        }
        for error in FAILED_FAILOVER_HEALTH_ERRORS
    ]


def item_body(state: SimState, item: ItemState) -> dict[str, Any]:
    """A replication protected item at its current stage, as GET and list return it."""
    scenario = state.scenario
    server = scenario.configuration_server
    view = item_view(state.architecture, item.stage)
    failed_at = item.failover_failed_at if item.current_job_id is None else None
    if failed_at is not None:
        view = _failed_failover_view(view)
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
    health_errors = _health_errors(state, item)
    if failed_at is not None:
        health_errors += _failed_failover_errors(item, failed_at)
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
        "replicationHealth": "Critical" if failed_at is not None else health,
        "failoverHealth": health,
        "healthErrors": health_errors,
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
        # Recorded true once registered; false until then (modelled on the agent window, FB028).
        "isAgentRegistrationSuccessfulAfterFailover": now >= state.agent_registered_at(item),
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
