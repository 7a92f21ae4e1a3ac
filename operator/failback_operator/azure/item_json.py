"""A replication protected item's list entry turned into its facts straight from its JSON.

The Azure SDK builds a model of every entry before it can be read: about 0.8 ms for a protected
item, and items that replicate back change (progress, heartbeat) at every read, so 5,000 of them
cost seconds of the operator's CPU per items list. This reads the same fields by their REST names
and gives the facts `parse.protected_item_from_sdk` gives from the SDK's model; a test holds the
two equal on the recorded entries and the simulator's vaults. Single items (GET) still go through
the SDK's model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from failback_operator.azure.parse import (
    _azure_temporary,
    _bool,
    _int,
    _last_segment,
    _os_type,
    _physical,
    _text,
    _when,
)
from failback_operator.facts.asr import CurrentScenario, HealthError, ProtectedDisk, ProtectedItem

__all__ = ["protected_item_from_json"]


def _string(value: Any) -> str | None:
    """A field the REST spec types as a string, as the SDK's model reads it: null stays null, and
    any other value is taken as its text (the SDK's `str()`), so that the facts are the same."""
    return value if value is None or isinstance(value, str) else str(value)


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings (operation names, datastores); a null entry, which no answer has, is left out."""
    return tuple(str(entry) for entry in value if entry is not None) if isinstance(value, list) else ()


def _flag(value: Any) -> bool | None:
    """A field the REST spec types as a boolean, as the SDK's model reads it (`bool()`)."""
    return None if value is None else bool(value)


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [entry for entry in value if isinstance(entry, Mapping)] if isinstance(value, list) else []


def _health_errors(errors: Iterable[Mapping[str, Any]]) -> tuple[HealthError, ...]:
    return tuple(
        HealthError(
            code=_string(e.get("errorCode")) or "",
            severity=_string(e.get("errorLevel")) or "Error",
            message=_string(e.get("errorMessage")) or "",
            summary=_string(e.get("summaryMessage")) or "",
            recommended_action=_string(e.get("recommendedAction")) or "",
            created=_when(e.get("creationTimeUtc")),
            category=_string(e.get("errorCategory")),
        )
        for e in errors
    )


def _item_health_errors(props: Mapping[str, Any]) -> tuple[HealthError, ...]:
    """`healthErrors`; older answers (2017) carry `replicationHealthErrors` and `failoverHealthErrors`."""
    if props.get("healthErrors") is not None:
        return _health_errors(_objects(props["healthErrors"]))
    return _health_errors(
        entry
        for key in ("replicationHealthErrors", "failoverHealthErrors")
        for entry in _objects(props.get(key))
    )


def _current_scenario(scenario: Any) -> CurrentScenario | None:
    if not isinstance(scenario, Mapping) or _string(scenario.get("scenarioName")) in (None, "", "None"):
        return None
    job_id = _last_segment(_string(scenario.get("jobId")))
    return CurrentScenario(
        name=str(scenario["scenarioName"]),
        job_id=None if job_id in (None, "None") else job_id,
        start=_when(scenario.get("startTime")),
    )


def _disks_classic(disks: Any, os_disk_id: str | None = None) -> tuple[ProtectedDisk, ...]:
    return tuple(
        ProtectedDisk(
            id=_string(d.get("diskId")) or "",
            name=_string(d.get("diskName")),
            capacity_bytes=_int(d.get("diskCapacityInBytes")),
            is_os_disk=bool(os_disk_id) and _string(d.get("diskId")) == os_disk_id,
            resync_required=_bool(_string(d.get("resyncRequired"))),
            is_azure_temporary=_azure_temporary(_string(d.get("diskName"))),
        )
        for d in _objects(disks)
    )


def _disks_modernized(disks: Any) -> tuple[ProtectedDisk, ...]:
    return tuple(
        ProtectedDisk(
            id=_string(d.get("diskId")) or "",
            name=_string(d.get("diskName")),
            capacity_bytes=_int(d.get("capacityInBytes")),
            is_os_disk=bool(_bool(_string(d.get("isOSDisk")))),
            is_azure_temporary=_azure_temporary(_string(d.get("diskName"))),
        )
        for d in _objects(disks)
    )


def _classic(details: Mapping[str, Any]) -> dict[str, Any]:
    """What the two classic providers (InMageAzureV2 to Azure, InMage back) report alike."""
    return {
        "multi_vm_group_name": _text(_string(details.get("multiVmGroupName"))),
        "rpo_seconds": _int(details.get("rpoInSeconds")),
        "master_target_id": _text(_string(details.get("masterTargetId"))),
        "process_server_id": _text(_string(details.get("processServerId"))),
        "agent_last_heartbeat": _when(details.get("lastHeartbeat")),
        "source_vm_id": (
            _text(_string(details.get("infrastructureVmId"))) or _text(_string(details.get("vmId")))
        ),
        "protected_as_physical": _physical(_string(details.get("discoveryType")), "Physical"),
        "failed_over_from_on_premises": True,
        "datastores": _strings(details.get("datastores")),
        # Site Recovery reports 0 once the item runs from Azure: unknown, not zero.
        "source_vm_ram_mb": _int(details.get("sourceVmRamSizeInMB")) or None,
    }


def _provider_facts(details: Mapping[str, Any]) -> dict[str, Any]:
    """The provider-specific part of an item, by its `instanceType` (as the SDK's discriminator)."""
    kind = details.get("instanceType")
    if kind == "InMageAzureV2":
        return {
            **_classic(details),
            "os_type": _os_type(_string(details.get("osType"))),
            "os_version": _string(details.get("osVersion")) or _string(details.get("osName")),
            "disks": _disks_classic(details.get("protectedDisks"), _string(details.get("osDiskId"))),
            "azure_vm_name": _text(_string(details.get("recoveryAzureVMName"))),
            "azure_vm_id": _text(_string(details.get("targetVmId"))),
        }
    if kind == "InMage":
        resync = details.get("resyncDetails")
        return {
            **_classic(details),
            "os_type": _os_type(_object(details.get("osDetails")).get("osType")),
            "os_version": _text(_string(details.get("osVersion"))),
            "disks": _disks_classic(details.get("protectedDisks")),
            "sync_progress_percent": (
                _int(resync.get("initialReplicationProgressPercentage"))
                if isinstance(resync, Mapping)
                else None
            ),
        }
    if kind == "InMageRcm":
        agent = details.get("mobilityAgentDetails")
        return {
            "os_type": _os_type(_string(details.get("osType"))),
            "os_version": _text(_string(details.get("osName"))),
            "disks": _disks_modernized(details.get("protectedDisks")),
            "multi_vm_group_name": _text(_string(details.get("multiVmGroupName"))),
            "rpo_seconds": _int(details.get("lastRpoInSeconds")),
            "process_server_id": _text(_string(details.get("processServerId"))),
            "agent_last_heartbeat": (
                _when(agent.get("lastHeartbeatUtc")) if isinstance(agent, Mapping) else None
            ),
            "azure_vm_name": _text(_string(details.get("targetVmName"))),
            "source_vm_id": _text(_string(details.get("fabricDiscoveryMachineId"))),
            "protected_as_physical": _physical(_string(details.get("discoveryType")), "PhysicalServer"),
            "failed_over_from_on_premises": True,
            "source_vm_ram_mb": _int(details.get("allocatedMemoryInMB")) or None,
            "agent_registered_after_failover": _flag(
                details.get("isAgentRegistrationSuccessfulAfterFailover")
            ),
        }
    if kind == "InMageRcmFailback":
        agent = details.get("mobilityAgentDetails")
        discovered = details.get("discoveredVmDetails")
        initial = details.get("initialReplicationProgressPercentage")
        store = _string(details.get("targetDataStoreName"))
        return {
            "os_type": _os_type(_string(details.get("osType"))),
            "os_version": _text(_string(discovered.get("osName")))
            if isinstance(discovered, Mapping)
            else None,
            "disks": _disks_modernized(details.get("protectedDisks")),
            "multi_vm_group_name": _text(_string(details.get("multiVmGroupName"))),
            # The appliance's reprotect agent is where the item replicates to, as a master target is.
            "master_target_id": _text(_string(details.get("reprotectAgentId"))),
            "agent_last_heartbeat": (
                _when(agent.get("lastHeartbeatUtc")) if isinstance(agent, Mapping) else None
            ),
            "azure_vm_name": _last_segment(_string(details.get("azureVirtualMachineId"))),
            "azure_vm_id": _text(_string(details.get("azureVirtualMachineId"))),
            "failed_over_from_on_premises": True,
            "agent_registered_after_failover": _flag(
                details.get("isAgentRegistrationSuccessfulAfterFailover")
            ),
            "datastores": (store,) if store else (),
            # Initial replication after reprotect, or a resync later: whichever runs.
            "sync_progress_percent": _int(
                initial if initial is not None else details.get("resyncProgressPercentage")
            ),
        }
    return {}


def protected_item_from_json(entry: Mapping[str, Any]) -> ProtectedItem:
    """A replication protected item's JSON, of any of the four providers, as one ProtectedItem."""
    props = _object(entry.get("properties"))
    details = props.get("providerSpecificDetails")
    provider = _provider_facts(details) if isinstance(details, Mapping) else {}
    disks: tuple[ProtectedDisk, ...] = provider.get("disks", ())
    return ProtectedItem(
        name=_string(entry.get("name")) or "",
        id=_string(entry.get("id")),
        friendly_name=_string(props.get("friendlyName")),
        instance_type=_string(details.get("instanceType")) if isinstance(details, Mapping) else None,
        protection_state=_string(props.get("protectionState")),
        protection_state_description=_string(props.get("protectionStateDescription")),
        replication_health=_string(props.get("replicationHealth")),
        failover_health=_string(props.get("failoverHealth")),
        active_location=_string(props.get("activeLocation")),
        allowed_operations=_strings(props.get("allowedOperations")),
        current_scenario=_current_scenario(props.get("currentScenario")),
        health_errors=_item_health_errors(props),
        # Site Recovery empties the disk list after reprotect: unknown then, not zero disks.
        disk_count=len(disks) or None,
        policy_id=_text(_string(props.get("policyId"))),
        last_successful_failover=_when(props.get("lastSuccessfulFailoverTime")),
        **provider,
    )
