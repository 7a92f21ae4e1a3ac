"""Spec-side facts: what the MasterTarget, FailbackPlan and FailbackApproval resources declare.

The enums a resource spells (architecture, OS type, root volume layout) are the API's own, so
there is one vocabulary from the custom resource to the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from failback_operator.api.resources import Architecture, OsType, RootVolumeLayout

__all__ = [
    "ApprovalRequirement",
    "Architecture",
    "DowntimeWindow",
    "MasterTargetDeclaration",
    "NetworkPath",
    "OsType",
    "PlanDeclaration",
    "RecoveryPointType",
    "ReplicationGroup",
    "RootVolumeLayout",
    "RunApproval",
]


class RecoveryPointType(StrEnum):
    """Recovery point a failback uses: classic LatestTime/LatestTag, modernized app/crash consistent."""

    LATEST_TIME = "LatestTime"
    LATEST_TAG = "LatestTag"
    APPLICATION_CONSISTENT = "ApplicationConsistent"
    CRASH_CONSISTENT = "CrashConsistent"


class NetworkPath(StrEnum):
    """The private path between Azure and the on-premises site that replication back uses."""

    SITE_TO_SITE_VPN = "SiteToSiteVpn"
    EXPRESS_ROUTE_PRIVATE_PEERING = "ExpressRoutePrivatePeering"
    INTERNET = "Internet"


@dataclass(frozen=True, kw_only=True, slots=True)
class MasterTargetDeclaration:
    """A MasterTarget resource as declared: the on-premises receiver of reprotected VMs."""

    name: str
    architecture: Architecture = Architecture.CLASSIC
    os_type: OsType | None = None
    vm_name: str | None = None
    vm_instance_uuid: str | None = None
    root_volume_layout: RootVolumeLayout | None = None
    # A bare letter (`F`) or `F:` on Windows, an absolute path on Linux.
    retention_drive: str | None = None
    vault: str | None = None
    vcenter: str | None = None
    # Id or name under which the configuration server lists this master target (classic).
    registered_as: str | None = None
    remediate_enable_uuid: bool = False
    # Modernized: the appliance's reprotect agent and the log storage account reprotect needs.
    reprotect_agent: str | None = None
    log_storage_account_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ReplicationGroup:
    """Protected items that fail back together at one common point in time (multi-VM sync)."""

    name: str
    items: tuple[str, ...] = ()
    recovery_plan: str | None = None
    # A group names its master target only when it overrides the plan's.
    master_target: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DowntimeWindow:
    """The interval in which failback may shut the Azure VMs down (application down meanwhile)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class ApprovalRequirement:
    """Whether a second person must approve a run of the plan before failback."""

    required: bool = False
    # Who may approve; empty means anyone RBAC lets create a FailbackApproval.
    approvers: tuple[str, ...] = ()
    # Whether the approver may be the person who requested the run.
    allow_self_approval: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class RunApproval:
    """A FailbackApproval: one person's go-ahead for one run of one plan."""

    name: str
    plan: str
    run: str
    approved_by: str | None = None
    created: datetime | None = None
    namespace: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanDeclaration:
    """A FailbackPlan as declared: what to bring home, through which master target, and when."""

    name: str
    namespace: str = "default"
    vault: str | None = None
    master_target: str | None = None
    process_server: str | None = None
    datastore: str | None = None
    retention_drive: str | None = None
    # Items not in any replication group are reprotected and failed back one by one.
    items: tuple[str, ...] = ()
    groups: tuple[ReplicationGroup, ...] = ()
    window: DowntimeWindow | None = None
    approval: ApprovalRequirement = field(default_factory=ApprovalRequirement)
    # The token of the current run (`spec.run`); approvals must name it.
    run: str | None = None
    generation: int | None = None
    requested_by: str | None = None
    recovery_point_type: RecoveryPointType = RecoveryPointType.LATEST_TIME
    network_path: NetworkPath | None = None
    keep_ip_addresses: bool | None = None
    failback_nic_count: int | None = None
    vcenter: str | None = None
    # Failback to a vCenter other than the one the VMs came from (FB002).
    different_vcenter: bool = False
    # Classic: the configuration server's run-as account reprotect sends (`runAsAccountId`).
    run_as_account: str | None = None

    def all_items(self) -> tuple[str, ...]:
        """Every protected item the plan names, grouped or not, in declaration order."""
        seen: dict[str, None] = dict.fromkeys(self.items)
        for group in self.groups:
            seen.update(dict.fromkeys(group.items))
        return tuple(seen)
