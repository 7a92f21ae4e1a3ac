"""A small world of Site Recovery facts at each stage of the round trip, for the state machine tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from failback_operator.api.resources import Action, AfterCommit, CommitMode
from failback_operator.facts import (
    ApprovalRequirement,
    Architecture,
    CurrentScenario,
    DowntimeWindow,
    HealthError,
    Job,
    JobError,
    JobTask,
    OsType,
    PlanDeclaration,
    ProtectedDisk,
    ProtectedItem,
    ReplicationGroup,
    RunApproval,
    VaultFacts,
)
from failback_operator.workflow import Observation, PlanRequest, WorkflowSettings

NOW = datetime(2026, 11, 28, 22, 30, tzinfo=UTC)
WINDOW = DowntimeWindow(
    start=datetime(2026, 11, 28, 22, 0, tzinfo=UTC), end=datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
)
SETTINGS = WorkflowSettings()

CLASSIC_STATES: dict[str, dict[str, object]] = {
    "FailedOverToAzure": dict(
        instance_type="InMageAzureV2",
        protection_state="UnplannedFailoverCommitted",
        active_location="Recovery",
        allowed_operations=("CompleteMigration", "DisableProtection", "SwitchProtection"),
    ),
    "PendingCommitInAzure": dict(
        instance_type="InMageAzureV2",
        protection_state="UnplannedFailoverCommitPendingStatesBegin",
        active_location="Recovery",
        allowed_operations=("Commit", "SwitchProtection"),
    ),
    "Reprotecting": dict(
        instance_type="InMageAzureV2",
        protection_state="UnplannedFailoverCommitted",
        active_location="Recovery",
        allowed_operations=(),
        current_scenario=CurrentScenario(name="SwitchReplicationGroupProtection"),
    ),
    "Syncing": dict(
        instance_type="InMage",
        protection_state="ProtectionInitiated",
        active_location="Primary",
        allowed_operations=("DisableProtection",),
    ),
    "Protected": dict(
        instance_type="InMage",
        protection_state="Protected",
        active_location="Primary",
        allowed_operations=("UnplannedFailover", "DisableProtection"),
    ),
    "FailingBack": dict(
        instance_type="InMage",
        protection_state="Protected",
        active_location="Primary",
        allowed_operations=(),
        current_scenario=CurrentScenario(name="UnplannedFailover"),
    ),
    # As recorded for an item whose failover could not be completed (health error 78037).
    "FailoverFailed": dict(
        instance_type="InMage",
        protection_state="UnplannedFailoverCompletionFailed",
        protection_state_description="Failover couldn't be completed",
        active_location="Primary",
        allowed_operations=("RepairReplication", "UnplannedFailover", "DisableProtection"),
        replication_health="Critical",
        health_errors=(
            HealthError(code="78024", message="'Disk0' disk is inconsistent with its replication target"),
            HealthError(
                code="78037",
                message="The failover of the source machine failed.",
                recommended_action="Resolve the issue as recommended in the provider error details. ",
            ),
        ),
    ),
    "FailedBack": dict(
        instance_type="InMage",
        protection_state="UnplannedFailoverCommitPendingStatesBegin",
        active_location="Recovery",
        allowed_operations=("Commit", "DisableProtection"),
    ),
    "Committed": dict(
        instance_type="InMage",
        protection_state="UnplannedFailoverCommitted",
        active_location="Recovery",
        allowed_operations=("CompleteMigration", "DisableProtection", "SwitchProtection"),
    ),
    "ProtectedToAzure": dict(
        instance_type="InMageAzureV2",
        protection_state="Protected",
        active_location="Primary",
        allowed_operations=("UnplannedFailover", "DisableProtection", "TestFailover"),
    ),
    # Protected to Azure again after the round trip, its initial replication still running.
    "SyncingToAzure": dict(
        instance_type="InMageAzureV2",
        protection_state="Protected",
        active_location="Primary",
        allowed_operations=("DisableProtection",),
    ),
}

MODERNIZED_STATES: dict[str, dict[str, object]] = {
    "FailedOverToAzure": dict(
        instance_type="InMageRcm",
        protection_state="UnplannedFailoverCommitted",
        active_location="Recovery",
        allowed_operations=("CompleteMigration", "DisableProtection", "SwitchProtection"),
    ),
    "Protected": dict(
        instance_type="InMageRcmFailback",
        protection_state="Protected",
        active_location="Primary",
        allowed_operations=("PlannedFailover", "DisableProtection"),
    ),
    "FailedBack": dict(
        instance_type="InMageRcmFailback",
        protection_state="CommitPendingStatesBegin",
        active_location="Recovery",
        allowed_operations=(
            "CompleteMigration",
            "Commit",
            "DisableProtection",
            "SwitchProtection",
            "CancelFailover",
        ),
    ),
    # Not recorded: as the simulator models a committed planned failover.
    "Committed": dict(
        instance_type="InMageRcmFailback",
        protection_state="PlannedFailoverStatesBegin",
        protection_state_description="Planned failover committed",
        active_location="Recovery",
        allowed_operations=("CompleteMigration", "DisableProtection", "SwitchProtection"),
    ),
}


def item(
    name: str, state: str, architecture: Architecture = Architecture.CLASSIC, **extra: object
) -> ProtectedItem:
    table = CLASSIC_STATES if architecture == Architecture.CLASSIC else MODERNIZED_STATES
    fields: dict[str, object] = {
        "name": name,
        "id": f"/vault/replicationProtectedItems/{name}",
        "friendly_name": name.upper(),
        "os_type": OsType.WINDOWS,
        "os_version": "Windows Server 2016",
        "disks": (
            ProtectedDisk(id=f"{name}-os", name="os", is_os_disk=True),
            ProtectedDisk(id=f"{name}-data", name="data"),
            ProtectedDisk(id=f"{name}-temp", name="Temporary Storage", is_azure_temporary=True),
        ),
        **table[state],
    }
    fields.update(extra)
    return ProtectedItem(**fields)  # type: ignore[arg-type]


def job(
    job_id: str,
    scenario: str,
    target: str,
    state: str = "InProgress",
    start: datetime = NOW,
    tasks: tuple[JobTask, ...] = (),
    errors: tuple[JobError, ...] = (),
) -> Job:
    return Job(
        id=job_id,
        scenario=scenario,
        name=scenario,
        state=state,
        start=start,
        target_object_name=target,
        tasks=tasks,
        errors=errors,
    )


def shutdown_tasks(shutdown_state: str = "Succeeded") -> tuple[JobTask, ...]:
    return (
        JobTask(id="UnplannedFailoverPreflightChecksTask", name="VmUfoPrerequisitesCheck", state="Succeeded"),
        JobTask(
            id="ShutdownVmOnPrimaryForUFO",
            name="VmShutdownVmOnPrimary",
            friendly_name="Shut down the virtual machine",
            state=shutdown_state,
            state_description="Skipped" if shutdown_state == "Other" else shutdown_state,
        ),
        JobTask(
            id="PrepareForUnPlannedFailoverTask",
            name="VmPrepareForUfo",
            friendly_name="Synchronize latest changes",
            state="Succeeded",
        ),
        JobTask(id="UnPlannedFailoverTask", name="VmFailover", state="Succeeded"),
    )


def request(
    action: Action = Action.REPROTECT,
    groups: tuple[ReplicationGroup, ...] = (
        ReplicationGroup(name="apps", items=("vm-a", "vm-b"), recovery_plan="rp-apps"),
    ),
    architecture: Architecture = Architecture.CLASSIC,
    commit: CommitMode = CommitMode.MANUAL,
    after_commit: AfterCommit = AfterCommit.NONE,
    run: str = "run-1",
    approval_required: bool = True,
    window: DowntimeWindow | None = WINDOW,
    generation: int = 3,
) -> PlanRequest:
    plan = PlanDeclaration(
        name="windows-apps",
        namespace="team-apps",
        groups=groups,
        window=window,
        approval=ApprovalRequirement(required=approval_required),
        run=run,
        generation=generation,
    )
    return PlanRequest(
        plan=plan,
        action=action,
        commit=commit,
        after_commit=after_commit,
        architecture=architecture,
        generation=generation,
        run=run,
    )


def approval(run: str = "run-1") -> RunApproval:
    return RunApproval(
        name=f"approve-{run}", plan="windows-apps", run=run, approved_by="ops-lead", namespace="team-apps"
    )


def observe(
    *items: ProtectedItem,
    jobs: tuple[Job, ...] = (),
    reserved: bool = False,
    **extra: object,
) -> Observation:
    vault = VaultFacts(observed_at=NOW, protected_items=items, jobs=jobs)
    return Observation(vault=vault, disk_slots_reserved=reserved, **extra)  # type: ignore[arg-type]


def later(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)
