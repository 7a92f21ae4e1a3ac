"""Typed views of the five kinds' status, matching crds/ so that nothing the operator writes is pruned."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from failback_operator.api.conditions import Condition
from failback_operator.api.resources import Architecture, OsType
from failback_operator.api.vocabulary import ConditionType, ItemStage, JobState, Operation, Phase

__all__ = [
    "STATUS_MODELS",
    "AcceptedApproval",
    "AgentRefusals",
    "ConditionType",
    "DiskSlotReservation",
    "DiskSlots",
    "FailbackApprovalStatus",
    "FailbackPlanStatus",
    "ItemError",
    "ItemIntent",
    "ItemRecoveryPoint",
    "ItemStatus",
    "JobState",
    "MasterTargetDisk",
    "MasterTargetStatus",
    "Phase",
    "PlanResolved",
    "Prerequisite",
    "PrerequisiteResult",
    "Provider",
    "RecoveryPointType",
    "RecoveryVaultStatus",
    "RetentionWaitStatus",
    "SiteRecoveryJob",
    "VCenterStatus",
]


class _StatusModel(BaseModel):
    """Base of the status views: camelCase on the wire, frozen, and no field the CRD lacks."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")

    def to_status(self) -> dict[str, Any]:
        """The JSON value to write to the status subresource (unset optional fields left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def stored_size(self) -> int:
        """How many characters the status takes as compact JSON: what etcd's per-object limit counts."""
        return len(json.dumps(self.to_status(), separators=(",", ":")))


# --- FailbackPlan ----------------------------------------------------------------------------


class Provider(StrEnum):
    """The Site Recovery provider that reprotects to on-premises."""

    IN_MAGE = "InMage"
    IN_MAGE_RCM = "InMageRcm"


class RecoveryPointType(StrEnum):
    """The recovery point type sent to Site Recovery."""

    LATEST_TIME = "LatestTime"
    LATEST_TAG = "LatestTag"
    CRASH_CONSISTENT = "CrashConsistent"
    APPLICATION_CONSISTENT = "ApplicationConsistent"


class AcceptedApproval(_StatusModel):
    """The FailbackApproval accepted for the current run."""

    name: str
    run: str | None = None
    accepted_at: datetime | None = None


class PlanResolved(_StatusModel):
    """Values resolved from other objects and Site Recovery, since the operator never writes spec."""

    architecture: Architecture | None = None
    provider: Provider | None = None
    master_target_id: str | None = None
    process_server_id: str | None = None
    retention_drive: str | None = None
    datastore: str | None = None
    run_as_account_id: str | None = None
    failback_policy_id: str | None = None
    log_storage_account_id: str | None = None
    recovery_point_type: RecoveryPointType | None = None


class ProtectedDisk(_StatusModel):
    """A protected disk, read before reprotect and kept."""

    id: str
    name: str | None = None
    capacity_bytes: int | None = None


class ItemIntent(_StatusModel):
    """A mutating call, written before it is made so that a restart never repeats it on a guess."""

    operation: Operation
    attempt: int
    time: datetime
    # The recovery plan the call goes through for a replication group (FB030); None for one item.
    recovery_plan: str | None = None
    # The Site Recovery job id, once the call answered or the job was found after a restart.
    job_name: str | None = None
    # The run the intent belongs to: a new run never inherits an unresolved intent.
    run: str | None = None


class AgentRefusals(_StatusModel):
    """FB028: reprotect refused because the agent has not re-registered yet; retried with backoff."""

    count: int
    first_at: datetime
    next_attempt_at: datetime


class SiteRecoveryJob(_StatusModel):
    """The Site Recovery job acting on an item."""

    name: str
    operation: str | None = None
    state: JobState | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None


class ItemError(_StatusModel):
    """The last error seen for an item, with the rule it maps to."""

    rule_id: str | None = None
    code: str | None = None
    message: str
    remedy: str | None = None
    time: datetime | None = None


class ItemRecoveryPoint(_StatusModel):
    """The recovery point an item's failback was sent with, and whether it is the group's common one."""

    type: RecoveryPointType
    # False: the item failed back to its own latest point, not to a point shared by its group (FB030).
    common_to_group: bool


class ItemStatus(_StatusModel):
    """What Site Recovery reports for one item, and what the operator is doing with it."""

    name: str
    group: str | None = None
    protected_item_id: str | None = None
    instance_type: str | None = None
    os_type: OsType | None = None
    os_version: str | None = None
    disk_count: int | None = None
    disks: tuple[ProtectedDisk, ...] | None = None
    stage: ItemStage | None = None
    # While replicating back to on-premises: how far, as Site Recovery reports it (0-100).
    sync_progress_percent: int | None = None
    protection_state: str | None = None
    replication_health: str | None = None
    allowed_operations: tuple[str, ...] | None = None
    intent: ItemIntent | None = None
    current_job: SiteRecoveryJob | None = None
    last_error: ItemError | None = None
    agent_refusals: AgentRefusals | None = None
    # FB028: when the item failed over to Azure (its VM booted there), and whether Site Recovery
    # reports the agent re-registered since (modernized items only).
    failed_over_at: datetime | None = None
    agent_registered: bool | None = None
    # The recovery point the failback was sent with (FB030).
    recovery_point: ItemRecoveryPoint | None = None
    # FB042: the failover job shut the Azure VM down (True), skipped it (False), or not known yet.
    shutdown_confirmed: bool | None = None
    # Committed and protected to Azure again: the round trip is over for this item.
    completed_round_trip: bool | None = None


class MasterTargetDisk(_StatusModel):
    """Where one master target disk was when reprotect completed (FB020 compares it with now)."""

    disk: str
    datastore: str | None = None
    file_name: str | None = None


class FailbackPlanStatus(_StatusModel):
    """A FailbackPlan's status."""

    observed_generation: int | None = None
    observed_run: str | None = None
    phase: Phase | None = None
    progression: str | None = None
    message: str | None = None
    items_ready: str | None = None
    disk_slots_reserved: int | None = None
    approval: AcceptedApproval | None = None
    resolved: PlanResolved | None = None
    items: tuple[ItemStatus, ...] | None = None
    # The master target's disks when reprotect completed; cleared when a new reprotect starts (FB020).
    master_target_disks: tuple[MasterTargetDisk, ...] | None = None
    conditions: tuple[Condition, ...] | None = None


# --- MasterTarget ----------------------------------------------------------------------------


class PrerequisiteResult(StrEnum):
    """The outcome of one rule on a master target."""

    PASSED = "Passed"
    FAILED = "Failed"
    WAITING = "Waiting"  # blocks until waiting_until, then passes or fails (FB022)
    WARNING = "Warning"
    INFO = "Info"
    UNKNOWN = "Unknown"


class Prerequisite(_StatusModel):
    """The finding of one rule (FB0xx)."""

    rule_id: str
    result: PrerequisiteResult
    message: str | None = None
    checked_at: datetime | None = None
    waiting_until: datetime | None = None


class RetentionWaitStatus(_StatusModel):
    """A retention drive the master target does not list yet, and the refresh made for it (FB022)."""

    drive: str
    missing_since: datetime
    refreshed_at: datetime | None = None
    refresh_job: str | None = None
    wait_until: datetime | None = None


class DiskSlotReservation(_StatusModel):
    """The disk slots one plan holds on a master target (FB027)."""

    namespace: str
    name: str
    run: str | None = None
    disks: int
    since: datetime | None = None


class DiskSlots(_StatusModel):
    """A master target's 60 disk slots and who holds them (FB027)."""

    capacity: int | None = None
    used: int | None = None
    reserved: int | None = None
    free: int | None = None
    reservations: tuple[DiskSlotReservation, ...] | None = None


class MasterTargetResolved(_StatusModel):
    """Values resolved from the spec and the configuration server."""

    site_recovery_id: str | None = None
    site_recovery_name: str | None = None
    instance_uuid: str | None = None
    retention_drive: str | None = None


class HostDatastore(_StatusModel):
    """A datastore of the master target's ESXi host."""

    name: str
    type: str | None = None
    accessible: bool | None = None
    writable: bool | None = None
    free_bytes: int | None = None


class MasterTargetStatus(_StatusModel):
    """A MasterTarget's status."""

    observed_generation: int | None = None
    resolved: MasterTargetResolved | None = None
    esxi_host: str | None = None
    vmware_tools: str | None = None
    datastores: tuple[HostDatastore, ...] | None = None
    prerequisites: tuple[Prerequisite, ...] | None = None
    retention_waits: tuple[RetentionWaitStatus, ...] | None = None
    disk_slots: DiskSlots | None = None
    conditions: tuple[Condition, ...] | None = None


# --- RecoveryVault ---------------------------------------------------------------------------


class ConfigurationServerStatus(_StatusModel):
    """The configuration server as Site Recovery reports it (FB004)."""

    fabric_name: str | None = None
    fabric_type: str | None = None
    last_heartbeat: datetime | None = None
    version: str | None = None


class ProcessServerStatus(_StatusModel):
    """A process server registered with the configuration server (FB014)."""

    id: str
    name: str | None = None
    ip_address: str | None = None
    last_heartbeat: datetime | None = None
    health: str | None = None


class RetentionVolume(_StatusModel):
    """A retention volume a master target offers (FB021)."""

    name: str
    capacity_bytes: int | None = None
    free_bytes: int | None = None


class SiteRecoveryDatastore(_StatusModel):
    """A datastore a master target can write to, as Site Recovery lists it."""

    name: str
    type: str | None = None
    capacity_bytes: int | None = None
    free_bytes: int | None = None


class RegisteredMasterTarget(_StatusModel):
    """A master target (or appliance) registered with the configuration server."""

    id: str
    name: str | None = None
    os_type: str | None = None
    os_version: str | None = None
    last_heartbeat: datetime | None = None
    disk_count: int | None = None
    retention_volumes: tuple[RetentionVolume, ...] | None = None
    datastores: tuple[SiteRecoveryDatastore, ...] | None = None


class FailbackPolicyStatus(_StatusModel):
    """The failback replication policy found (FB003)."""

    id: str | None = None
    name: str | None = None
    rpo_threshold_minutes: int | None = None
    recovery_point_retention_minutes: int | None = None
    app_consistent_frequency_minutes: int | None = None


class RecoveryVaultStatus(_StatusModel):
    """A RecoveryVault's status."""

    observed_generation: int | None = None
    last_polled: datetime | None = None
    configuration_server: ConfigurationServerStatus | None = None
    process_servers: tuple[ProcessServerStatus, ...] | None = None
    master_targets: tuple[RegisteredMasterTarget, ...] | None = None
    failback_policy: FailbackPolicyStatus | None = None
    conditions: tuple[Condition, ...] | None = None


# --- VCenter ---------------------------------------------------------------------------------


class RunAsPrivileges(_StatusModel):
    """The privileges the configuration server's run-as account lacks (FB005)."""

    user: str | None = None
    missing: tuple[str, ...] | None = None
    checked_at: datetime | None = None


class VCenterStatus(_StatusModel):
    """A VCenter's status."""

    observed_generation: int | None = None
    version: str | None = None
    api_version: str | None = None
    instance_uuid: str | None = None
    privileges: RunAsPrivileges | None = None
    conditions: tuple[Condition, ...] | None = None


# --- FailbackApproval ------------------------------------------------------------------------


class FailbackApprovalStatus(_StatusModel):
    """A FailbackApproval's status."""

    observed_generation: int | None = None
    accepted_at: datetime | None = None
    conditions: tuple[Condition, ...] | None = None


STATUS_MODELS: Mapping[str, type[_StatusModel]] = {
    "RecoveryVault": RecoveryVaultStatus,
    "VCenter": VCenterStatus,
    "MasterTarget": MasterTargetStatus,
    "FailbackPlan": FailbackPlanStatus,
    "FailbackApproval": FailbackApprovalStatus,
}
