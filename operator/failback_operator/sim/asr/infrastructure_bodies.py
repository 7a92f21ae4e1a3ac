"""ARM bodies of the vault's infrastructure: configuration server (fabric), container, policies, vCenter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from failback_operator.sim.asr.ids import (
    AZURE_CONTAINER,
    GIB,
    container_id,
    container_name,
    fabric_id,
    fabric_name,
    policy_id,
    stamp,
)
from failback_operator.sim.asr.providers import RecoveryServicesProvider
from failback_operator.sim.asr.scenario import Architecture
from failback_operator.sim.asr.state import SimState, stable_id

__all__ = [
    "container_body",
    "fabric_body",
    "mapping_bodies",
    "policy_bodies",
    "provider_body",
    "vcenter_body",
]


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
                for volume in state.listed_retention_volumes(mt.name)
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


def provider_body(state: SimState, provider: RecoveryServicesProvider) -> dict[str, Any]:
    """A Recovery Services provider as the spec's example shows it; it disconnects with the heartbeat."""
    server = state.scenario.configuration_server
    return {
        "id": f"{fabric_id(state)}/replicationRecoveryServicesProviders/{provider.name}",
        "name": provider.name,
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationRecoveryServicesProviders",
        "properties": {
            "fabricType": provider.fabric_type,
            "friendlyName": provider.friendly_name,
            "providerVersion": "5.1.8095.0",
            "serverVersion": "9.41.0.0",
            "providerVersionState": "Latest",
            "fabricFriendlyName": server.name,
            "lastHeartBeat": stamp(state.configuration_server_heartbeat()),
            "connectionStatus": "NotConnected" if state.heartbeat_stopped else "Connected",
            "protectedItemCount": len(state.visible_items()),
            "allowedScenarios": ["Refresh"],
            "healthErrorDetails": [],
            "draIdentifier": provider.name,
            "machineId": stable_id("machine", provider.friendly_name),
            "machineName": provider.friendly_name,
            "biosId": stable_id("bios", provider.friendly_name),
            "providerVersionDetails": _agent_versions("5.1.8095.0"),
        },
    }
