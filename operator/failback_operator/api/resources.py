"""Typed views of the five kinds' specs, matching crds/ field for field, for parsing bodies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = [
    "GROUP",
    "SPEC_MODELS",
    "VERSION",
    "Action",
    "AfterCommit",
    "ApprovalPolicy",
    "Architecture",
    "CommitMode",
    "Connectivity",
    "CredentialsType",
    "FailbackApprovalSpec",
    "FailbackPlanSpec",
    "MasterTargetSpec",
    "OsType",
    "RecoveryPoint",
    "RecoveryVaultSpec",
    "ReplicatedItem",
    "ReplicationGroup",
    "RootVolumeLayout",
    "VCenterSpec",
    "parse_spec",
]

GROUP = "failback.io"
VERSION = "v1alpha1"


class _SpecModel(BaseModel):
    """Base of the spec views: camelCase on the wire, frozen, and no field the CRD lacks."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")


# --- shared pieces ---------------------------------------------------------------------------


class ObjectRef(_SpecModel):
    """A reference by name to a cluster-scoped object, or to one in the same namespace."""

    name: str


class SecretRef(_SpecModel):
    """A reference to a Secret in the operator's namespace."""

    name: str


class OsType(StrEnum):
    """The OS type of a master target or a replicated item, spelled as Site Recovery spells `osType`."""

    WINDOWS = "Windows"
    LINUX = "Linux"


class Architecture(StrEnum):
    """Classic master target server, or modernized replication appliance."""

    CLASSIC = "Classic"  # master target server + process server in Azure (the article's setup)
    MODERNIZED = "Modernized"  # replication appliance in the master target's role


# --- RecoveryVault ---------------------------------------------------------------------------


class CredentialsType(StrEnum):
    """How the operator authenticates to Azure."""

    SERVICE_PRINCIPAL = "ServicePrincipal"
    WORKLOAD_IDENTITY = "WorkloadIdentity"


class VaultCredentials(_SpecModel):
    """A service principal's Secret, or the operator's workload identity."""

    type: CredentialsType
    secret_ref: SecretRef | None = None


class AzureCloud(_SpecModel):
    """Azure endpoints; public Azure unless a sovereign cloud or a simulator is meant."""

    resource_manager: str = "https://management.azure.com"
    authority: str = "https://login.microsoftonline.com"
    audience: str = "https://management.azure.com"
    ca_bundle: str | None = None


class Connectivity(StrEnum):
    """How the failed-over Azure VMs reach the on-premises site (FB011, FB016)."""

    SITE_TO_SITE_VPN = "SiteToSiteVpn"
    EXPRESS_ROUTE_PRIVATE_PEERING = "ExpressRoutePrivatePeering"
    INTERNET = "Internet"


class RecoveryVaultSpec(_SpecModel):
    """Where Site Recovery lives: vault, configuration server, credentials."""

    subscription_id: str
    resource_group: str
    vault_name: str
    configuration_server: str
    connectivity: Connectivity | None = None
    credentials: VaultCredentials
    cloud: AzureCloud = AzureCloud()


# --- VCenter ---------------------------------------------------------------------------------


class VCenterTls(_SpecModel):
    """How to trust vCenter's certificate."""

    ca_bundle: str | None = None
    thumbprint: str | None = None


class VCenterSpec(_SpecModel):
    """Where vCenter is and which Secret holds the login."""

    host: str
    port: int = 443
    credentials_secret_ref: SecretRef
    tls: VCenterTls | None = None
    # The vCenter user behind the configuration server's run-as account (FB005); Site Recovery
    # does not report it, so it is declared.
    run_as_user: str | None = None


# --- MasterTarget ----------------------------------------------------------------------------


class RootVolumeLayout(StrEnum):
    """A Linux master target's root volume layout, declared for FB017."""

    STANDARD = "Standard"
    LVM = "LVM"


class MasterTargetVm(_SpecModel):
    """The master target's VM in vCenter, by name or instance UUID."""

    name: str | None = None
    instance_uuid: str | None = None
    datacenter: str | None = None


class MasterTargetOs(_SpecModel):
    """The master target's operating system (FB009, FB017, FB041)."""

    type: OsType
    version: str
    root_volume_layout: RootVolumeLayout | None = None


class ModernizedSettings(_SpecModel):
    """What a reprotect through a modernized replication appliance needs."""

    reprotect_agent: str
    log_storage_account_id: str


class Remediation(_SpecModel):
    """Opt-in fixes the operator may apply to the master target's VM."""

    enable_disk_uuid: bool = False


class MasterTargetSpec(_SpecModel):
    """The on-premises receiver: which VM, what it runs, where it is registered."""

    architecture: Architecture
    vault_ref: ObjectRef
    v_center_ref: ObjectRef
    vm: MasterTargetVm
    site_recovery_name: str | None = None
    os: MasterTargetOs
    retention_drive: str | None = None
    modernized: ModernizedSettings | None = None
    remediation: Remediation = Remediation()


# --- FailbackPlan ----------------------------------------------------------------------------


class Action(StrEnum):
    """How far a plan is asked to go."""

    PREFLIGHT = "Preflight"
    REPROTECT = "Reprotect"
    FAILBACK = "Failback"
    COMMIT = "Commit"
    CANCEL = "Cancel"


class ApprovalPolicy(StrEnum):
    """Whether failback waits for a FailbackApproval of the current run (FB040)."""

    REQUIRED = "Required"
    NONE = "None"


class RecoveryPoint(StrEnum):
    """The recovery point asked for, independent of the architecture."""

    LATEST = "Latest"
    LATEST_APPLICATION_CONSISTENT = "LatestApplicationConsistent"


class CommitMode(StrEnum):
    """Commit as soon as failback succeeds, or when a person sets action Commit."""

    AUTO = "Auto"
    MANUAL = "Manual"


class AfterCommit(StrEnum):
    """What happens to the machines once the failback is committed."""

    REPROTECT_TO_AZURE = "ReprotectToAzure"
    NONE = "None"


class ReplicatedItem(_SpecModel):
    """A replication protected item, by its name in the vault."""

    name: str


class ReplicationGroup(_SpecModel):
    """Items that fail back together through one recovery plan (FB030)."""

    name: str
    recovery_plan: str | None = None
    items: tuple[ReplicatedItem, ...]


class DowntimeWindow(_SpecModel):
    """When failback may start (FB040)."""

    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        """Whether a failback may start at `moment`."""
        return self.start <= moment < self.end


class Approval(_SpecModel):
    """The plan's approval policy."""

    policy: ApprovalPolicy = ApprovalPolicy.REQUIRED


class FailbackPlanSpec(_SpecModel):
    """What to bring home, through which master target, and how far to go."""

    action: Action = Action.PREFLIGHT
    run: str
    vault_ref: ObjectRef
    master_target_ref: ObjectRef
    process_server: str | None = None
    run_as_account: str | None = None
    datastore: str
    retention_drive: str | None = None
    groups: tuple[ReplicationGroup, ...]
    window: DowntimeWindow | None = None
    approval: Approval = Approval()
    recovery_point: RecoveryPoint = RecoveryPoint.LATEST
    commit: CommitMode = CommitMode.MANUAL
    after_commit: AfterCommit = AfterCommit.NONE

    def grouped_items(self) -> Iterator[tuple[ReplicationGroup, ReplicatedItem]]:
        """Every item with its replication group, in spec order."""
        for group in self.groups:
            for item in group.items:
                yield group, item


# --- FailbackApproval ------------------------------------------------------------------------


class FailbackApprovalSpec(_SpecModel):
    """A second person's go-ahead for one run of one plan."""

    plan_ref: ObjectRef
    run: str
    approver: str | None = None
    comment: str | None = None

    def approves(self, plan_name: str, run: str) -> bool:
        """Whether this approval is for that plan's run (a stale one never approves the next)."""
        return self.plan_ref.name == plan_name and self.run == run


SPEC_MODELS: Mapping[str, type[_SpecModel]] = {
    "RecoveryVault": RecoveryVaultSpec,
    "VCenter": VCenterSpec,
    "MasterTarget": MasterTargetSpec,
    "FailbackPlan": FailbackPlanSpec,
    "FailbackApproval": FailbackApprovalSpec,
}


def parse_spec(body: Mapping[str, Any]) -> _SpecModel:
    """Parse a custom resource body's spec into the typed view of its kind."""
    kind = str(body.get("kind"))
    if body.get("apiVersion") != f"{GROUP}/{VERSION}" or kind not in SPEC_MODELS:
        raise ValueError(f"not a {GROUP}/{VERSION} resource: {body.get('apiVersion')} {kind}")
    return SPEC_MODELS[kind].model_validate(body.get("spec", {}))
