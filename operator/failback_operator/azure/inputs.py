"""Request bodies for reprotect, failback, cancel and commit, built as SDK models without I/O."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.errors import FailbackOperatorError
from failback_operator.facts.reprotect import ReprotectToAzureValues, ReprotectValues
from failback_operator.facts.spec import Architecture

__all__ = [
    "AZURE_TEMPORARY_DISK_LABEL",
    "ClassicRecoveryPoint",
    "FailoverDirection",
    "ModernizedRecoveryPoint",
    "RetentionVolumeNotOffered",
    "classic_failback_input",
    "classic_group_failback_input",
    "classic_reprotect_input",
    "modernized_failback_input",
    "modernized_group_failback_input",
    "modernized_reprotect_input",
    "reprotect_input",
    "reprotect_to_azure_input",
    "retention_drive_as_offered",
]

ClassicRecoveryPoint = Literal["LatestTime", "LatestTag"]
ModernizedRecoveryPoint = Literal["ApplicationConsistent", "CrashConsistent"]
FailoverDirection = Literal["PrimaryToRecovery", "RecoveryToPrimary"]

# The Azure VM's temporary disk (D: on Windows) holds nothing worth bringing home.
AZURE_TEMPORARY_DISK_LABEL = "Temporary Storage"


class RetentionVolumeNotOffered(FailbackOperatorError, ValueError):
    """FB021: the requested retention drive is not among the master target's offered volumes."""


def _volume_key(name: str) -> str:
    """Compare Windows letters without colon or backslash and case; Linux paths without trailing /."""
    stripped = name.strip()
    if stripped.startswith("/"):
        return stripped.rstrip("/") or "/"
    return stripped.rstrip("\\").rstrip(":").upper()


def retention_drive_as_offered(requested: str, offered_volume_names: Iterable[str]) -> str:
    """FB021: the master target's own name for the requested drive ("F:" -> "F" when it offers "F")."""
    offered = list(offered_volume_names)
    wanted = _volume_key(requested)
    for name in offered:
        if _volume_key(name) == wanted:
            return name
    listed = ", ".join(offered) or "none"
    raise RetentionVolumeNotOffered(
        f"FB021: retention drive {requested!r} is not offered by the master target (offered: {listed})"
    )


def classic_reprotect_input(
    *,
    master_target_id: str,
    process_server_id: str,
    retention_drive: str,
    datastore_name: str,
    failback_policy_id: str,
    run_as_account_id: str | None,
    exclude_azure_temporary_disk: bool = True,
) -> models.ReverseReplicationInput:
    """FB029: classic reprotect Azure -> on-premises through one master target and process server.

    `retention_drive` must already be the name the master target offers (retention_drive_as_offered).
    """
    disk_exclusion = (
        models.InMageDiskExclusionInput(
            volume_options=[
                models.InMageVolumeExclusionOptions(
                    volume_label=AZURE_TEMPORARY_DISK_LABEL, only_exclude_if_single_volume="Yes"
                )
            ]
        )
        if exclude_azure_temporary_disk
        else None
    )
    provider = models.InMageReprotectInput(
        master_target_id=master_target_id,
        process_server_id=process_server_id,
        retention_drive=retention_drive,
        run_as_account_id=run_as_account_id,
        datastore_name=datastore_name,
        disk_exclusion_input=disk_exclusion,
        profile_id=failback_policy_id,
    )
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary", provider_specific_details=provider
        )
    )


def modernized_reprotect_input(
    *,
    reprotect_agent_id: str,
    datastore_name: str,
    log_storage_account_id: str,
    failback_policy_id: str | None,
) -> models.ReverseReplicationInput:
    """FB029: modernized reprotect Azure -> on-premises through the appliance's reprotect agent."""
    provider = models.InMageRcmReprotectInput(
        reprotect_agent_id=reprotect_agent_id,
        datastore_name=datastore_name,
        log_storage_account_id=log_storage_account_id,
        policy_id=failback_policy_id,
    )
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary", provider_specific_details=provider
        )
    )


def classic_failback_input(
    recovery_point: ClassicRecoveryPoint,
    *,
    failover_direction: FailoverDirection = "PrimaryToRecovery",
) -> models.UnplannedFailoverInput:
    """FB042: classic failback of one item: unplanned failover that shuts the Azure VM down first.

    After reprotect the InMage item's primary side is Azure, so failing back is PrimaryToRecovery.
    """
    return models.UnplannedFailoverInput(
        properties=models.UnplannedFailoverInputProperties(
            failover_direction=failover_direction,
            source_site_operations="Required",
            provider_specific_details=models.InMageUnplannedFailoverInput(recovery_point_type=recovery_point),
        )
    )


def classic_group_failback_input(
    recovery_point: ClassicRecoveryPoint,
    *,
    failover_direction: FailoverDirection = "RecoveryToPrimary",
) -> models.RecoveryPlanUnplannedFailoverInput:
    """FB030, FB042: classic failback of a replication group through its recovery plan.

    With LatestTag the group shares its common application-consistent point; with LatestTime each
    machine fails over to its own latest point (Microsoft's failback article).

    A recovery plan keeps the sides it was created with (on-premises primary), so failing back is
    RecoveryToPrimary.
    """
    return models.RecoveryPlanUnplannedFailoverInput(
        properties=models.RecoveryPlanUnplannedFailoverInputProperties(
            failover_direction=failover_direction,
            source_site_operations="Required",
            provider_specific_details=[
                models.RecoveryPlanInMageFailoverInput(recovery_point_type=recovery_point)
            ],
        )
    )


def modernized_failback_input(
    recovery_point: ModernizedRecoveryPoint,
    *,
    failover_direction: FailoverDirection | None = None,
) -> models.PlannedFailoverInput:
    """Modernized failback of one item: planned failover (Site Recovery shuts the Azure VM down itself)."""
    return models.PlannedFailoverInput(
        properties=models.PlannedFailoverInputProperties(
            failover_direction=failover_direction,
            provider_specific_details=models.InMageRcmFailbackPlannedFailoverProviderInput(
                recovery_point_type=recovery_point
            ),
        )
    )


def modernized_group_failback_input(
    recovery_point: ModernizedRecoveryPoint,
    *,
    failover_direction: FailoverDirection = "RecoveryToPrimary",
    use_multi_vm_sync_point: bool = True,
) -> models.RecoveryPlanPlannedFailoverInput:
    """FB030: modernized failback of a replication group through its recovery plan, one sync point."""
    return models.RecoveryPlanPlannedFailoverInput(
        properties=models.RecoveryPlanPlannedFailoverInputProperties(
            failover_direction=failover_direction,
            provider_specific_details=[
                models.RecoveryPlanInMageRcmFailbackFailoverInput(
                    recovery_point_type=recovery_point,
                    use_multi_vm_sync_point="Enable" if use_multi_vm_sync_point else "Disable",
                )
            ],
        )
    )


def reprotect_input(values: ReprotectValues) -> models.ReverseReplicationInput:
    """FB029: the reprotect body for values the rules resolved, classic or modernized.

    Refuses incomplete values rather than letting Site Recovery guess (no request is built).
    """
    if not values.complete:
        raise ValueError(f"FB029: reprotect values are missing: {', '.join(values.missing)}")
    required = {
        "master target": values.master_target_id,
        "datastore": values.datastore,
        "policy": values.policy_id,
    }
    if values.architecture is Architecture.MODERNIZED:
        required["log storage account"] = values.log_storage_account_id
    else:
        required["process server"] = values.process_server_id
        required["retention drive"] = values.retention_drive
    absent = [name for name, value in required.items() if not value]
    if absent:
        raise ValueError(f"FB029: reprotect values are missing: {', '.join(absent)}")
    if values.architecture is Architecture.MODERNIZED:
        return modernized_reprotect_input(
            reprotect_agent_id=str(values.master_target_id),
            datastore_name=str(values.datastore),
            log_storage_account_id=str(values.log_storage_account_id),
            failback_policy_id=values.policy_id,
        )
    return classic_reprotect_input(
        master_target_id=str(values.master_target_id),
        process_server_id=str(values.process_server_id),
        retention_drive=str(values.retention_drive),
        datastore_name=str(values.datastore),
        failback_policy_id=str(values.policy_id),
        run_as_account_id=values.run_as_account_id,
    )


def reprotect_to_azure_input(values: ReprotectToAzureValues) -> models.ReverseReplicationInput:
    """Protect a failed-back machine to Azure again, with the bodies Site Recovery recorded.

    Classic (item InMage, failback committed): InMageAzureV2ReprotectInput with the process server
    as master target and process server, the run-as account and the forward policy, direction
    RecoveryToPrimary (the item is active in its recovery location). Modernized (item
    InMageRcmFailback): InMageRcmFailbackReprotectInput with the appliance's agent as process
    server, the run-as account and the forward policy, no direction (as recorded).
    """
    if not values.complete or not values.process_server_id or not values.policy_id:
        missing = ", ".join(values.missing) or "process server or policy"
        raise ValueError(f"reprotect to Azure: values are missing: {missing}")
    if values.architecture is Architecture.MODERNIZED:
        return models.ReverseReplicationInput(
            properties=models.ReverseReplicationInputProperties(
                provider_specific_details=models.InMageRcmFailbackReprotectInput(
                    process_server_id=values.process_server_id,
                    run_as_account_id=values.run_as_account_id,
                    policy_id=values.policy_id,
                )
            )
        )
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=models.InMageAzureV2ReprotectInput(
                master_target_id=values.process_server_id,
                process_server_id=values.process_server_id,
                run_as_account_id=values.run_as_account_id,
                policy_id=values.policy_id,
            ),
        )
    )
