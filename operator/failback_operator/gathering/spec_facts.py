"""Pure conversions from the API's spec views to the facts the rule catalogue reads.

The API and the facts differ on purpose: the API is what a person writes, the facts are what a
rule needs. Each difference is decided here, once:

- Every group of the spec is a replication group, a one-item group without a recovery plan
  included: it keeps its name, and it fails back by itself, through its one item.
- The recovery point is asked for per architecture: `Latest` is `LatestTime` (classic) or
  `CrashConsistent` (modernized); `LatestApplicationConsistent` is `LatestTag` or
  `ApplicationConsistent`.
- The configuration server knows a vCenter by host name or IP address, so plans and master
  targets carry the VCenter's `host` when it is known, else the VCenter object's name.
- The master target is registered under `siteRecoveryName`; without it the rules try the VM's
  name, then the object's name.
- The API has no approver list, self-approval switch or requester: approvals are open to whoever
  RBAC lets create a FailbackApproval, self-approval is refused when the requester is known, and
  the shell passes the requester (`requested_by`) when it knows who raised the action.
"""

from __future__ import annotations

from datetime import datetime

from failback_operator.api import resources as api
from failback_operator.facts.spec import (
    ApprovalRequirement,
    Architecture,
    DowntimeWindow,
    MasterTargetDeclaration,
    NetworkPath,
    OsType,
    PlanDeclaration,
    RecoveryPointType,
    ReplicationGroup,
    RootVolumeLayout,
    RunApproval,
)

__all__ = [
    "approval_facts",
    "architecture_facts",
    "failback_plan_facts",
    "master_target_declaration",
    "network_path",
    "recovery_point_type",
]

_RECOVERY_POINTS: dict[tuple[Architecture, api.RecoveryPoint], RecoveryPointType] = {
    (Architecture.CLASSIC, api.RecoveryPoint.LATEST): RecoveryPointType.LATEST_TIME,
    (Architecture.CLASSIC, api.RecoveryPoint.LATEST_APPLICATION_CONSISTENT): RecoveryPointType.LATEST_TAG,
    (Architecture.MODERNIZED, api.RecoveryPoint.LATEST): RecoveryPointType.CRASH_CONSISTENT,
    (
        Architecture.MODERNIZED,
        api.RecoveryPoint.LATEST_APPLICATION_CONSISTENT,
    ): RecoveryPointType.APPLICATION_CONSISTENT,
}


def architecture_facts(architecture: api.Architecture) -> Architecture:
    """The facts' architecture for the API's (the same two values)."""
    return Architecture(architecture.value)


def recovery_point_type(point: api.RecoveryPoint, architecture: Architecture) -> RecoveryPointType:
    """The recovery point type Site Recovery is sent for the API's architecture-neutral choice."""
    return _RECOVERY_POINTS[(architecture, point)]


def network_path(connectivity: api.Connectivity | None) -> NetworkPath | None:
    """The vault's declared path between Azure and the site (FB011, FB016), when declared."""
    return NetworkPath(connectivity.value) if connectivity is not None else None


def master_target_declaration(
    name: str, spec: api.MasterTargetSpec, *, vcenter_host: str | None = None
) -> MasterTargetDeclaration:
    """A MasterTarget resource as the rules read it; `vcenter_host` is its VCenter's `spec.host`."""
    modernized = spec.modernized
    layout = spec.os.root_volume_layout
    return MasterTargetDeclaration(
        name=name,
        architecture=architecture_facts(spec.architecture),
        os_type=OsType(spec.os.type.value),
        vm_name=spec.vm.name,
        vm_instance_uuid=spec.vm.instance_uuid,
        root_volume_layout=RootVolumeLayout(layout.value) if layout is not None else None,
        retention_drive=spec.retention_drive,
        vault=spec.vault_ref.name,
        vcenter=vcenter_host or spec.v_center_ref.name,
        registered_as=spec.site_recovery_name,
        remediate_enable_uuid=spec.remediation.enable_disk_uuid,
        reprotect_agent=modernized.reprotect_agent if modernized else None,
        log_storage_account_id=modernized.log_storage_account_id if modernized else None,
    )


def _groups(spec: api.FailbackPlanSpec) -> tuple[ReplicationGroup, ...]:
    """Every group of the spec, one-item groups without a recovery plan included."""
    return tuple(
        ReplicationGroup(
            name=group.name,
            items=tuple(item.name for item in group.items),
            recovery_plan=group.recovery_plan,
        )
        for group in spec.groups
    )


def failback_plan_facts(
    name: str,
    namespace: str,
    spec: api.FailbackPlanSpec,
    *,
    architecture: Architecture,
    connectivity: api.Connectivity | None = None,
    vcenter_host: str | None = None,
    generation: int | None = None,
    requested_by: str | None = None,
) -> PlanDeclaration:
    """A FailbackPlan as the rules read it, for the architecture of the master target it names."""
    groups = _groups(spec)
    window = spec.window
    return PlanDeclaration(
        name=name,
        namespace=namespace,
        vault=spec.vault_ref.name,
        master_target=spec.master_target_ref.name,
        process_server=spec.process_server,
        datastore=spec.datastore,
        retention_drive=spec.retention_drive,
        groups=groups,
        window=DowntimeWindow(start=window.start, end=window.end) if window is not None else None,
        approval=ApprovalRequirement(required=spec.approval.policy is api.ApprovalPolicy.REQUIRED),
        run=spec.run,
        generation=generation,
        requested_by=requested_by,
        recovery_point_type=recovery_point_type(spec.recovery_point, architecture),
        network_path=network_path(connectivity),
        vcenter=vcenter_host,
        run_as_account=spec.run_as_account,
    )


def approval_facts(
    name: str, namespace: str, spec: api.FailbackApprovalSpec, *, created: datetime | None = None
) -> RunApproval:
    """A FailbackApproval as the rules read it (FB040 matches its plan and run)."""
    return RunApproval(
        name=name,
        plan=spec.plan_ref.name,
        run=spec.run,
        approved_by=spec.approver,
        created=created,
        namespace=namespace,
    )
