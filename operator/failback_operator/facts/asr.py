"""Site Recovery facts: the configuration server (fabric), its servers, policies, items and jobs.

Field names follow the management API (`fabric.customDetails` of type `VMware` / `InMageRcm`,
`replicationProtectedItems`, `replicationJobs`), in the article's vocabulary. Values Site Recovery
returns as strings keep their meaning here: counts become ints, heartbeats aware datetimes (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from failback_operator.facts.spec import Architecture, OsType


@dataclass(frozen=True, kw_only=True, slots=True)
class HealthError:
    """One entry of `healthErrors`: code (e.g. `531006`), level (`Error`/`Warning`/`Info`), message."""

    code: str
    severity: str = "Error"  # errorLevel as Site Recovery reports it
    message: str = ""
    summary: str = ""
    recommended_action: str = ""
    created: datetime | None = None
    category: str | None = None  # errorCategory, e.g. `Replication`, `TestFailover`


@dataclass(frozen=True, kw_only=True, slots=True)
class RetentionVolume:
    """A retention volume a master target offers; Windows names it by a bare letter (`F`)."""

    name: str
    capacity_bytes: int | None = None
    free_bytes: int | None = None
    threshold_percentage: int | None = None
    # Only known where a source reports them; Site Recovery itself hides ineligible volumes.
    file_system: str | None = None
    locked: bool | None = None
    cache_volume: bool | None = None
    in_use: bool | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RegisteredDatastore:
    """A datastore the configuration server discovered for a master target (`dataStores[]`)."""

    name: str  # symbolicName
    uuid: str | None = None
    type: str | None = None  # `VMFS`, `vsan`, `NFS`, ...
    capacity_gb: float | None = None  # Site Recovery sends "439.5" (GB) as a string
    free_gb: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class MasterTargetServer:
    """A master target registered with the configuration server (`masterTargetServers[]`)."""

    id: str
    name: str
    ip_address: str | None = None
    os_type: OsType | None = None
    os_version: str | None = None  # e.g. "Microsoft Windows Server 2016 Datacenter"
    disk_count: int | None = None
    last_heartbeat: datetime | None = None
    version_status: str | None = None
    agent_version: str | None = None
    retention_volumes: tuple[RetentionVolume, ...] = ()
    datastores: tuple[RegisteredDatastore, ...] = ()
    validation_errors: tuple[HealthError, ...] = ()
    health_errors: tuple[HealthError, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class ProcessServer:
    """A process server registered with the configuration server (`processServers[]`)."""

    id: str
    name: str  # friendlyName
    ip_address: str | None = None
    os_type: OsType | None = None
    last_heartbeat: datetime | None = None
    health: str | None = None  # `Normal`, `Warning`, `Critical`, ...
    service_status: str | None = None  # psServiceStatus, e.g. `Running`
    version_status: str | None = None
    # Whether the server runs in Azure; None when it cannot be told from what Site Recovery returns.
    in_azure: bool | None = None
    health_errors: tuple[HealthError, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class RunAsAccount:
    """A credential the configuration server holds (`runAsAccounts[]`); the name only, never a secret."""

    id: str
    name: str
    # The vCenter user behind the account, where known (FB005 checks its privileges).
    vcenter_user: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DiscoveredVCenter:
    """A vCenter the configuration server discovers (`replicationvCenters`)."""

    name: str
    ip_address: str | None = None
    port: int | None = None
    run_as_account_id: str | None = None
    process_server_id: str | None = None
    last_heartbeat: datetime | None = None
    discovery_status: str | None = None
    health_errors: tuple[HealthError, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class ConfigurationServer:
    """The on-premises configuration server (fabric): its heartbeat and what it has registered."""

    name: str  # friendlyName
    fabric_name: str | None = None  # the fabric's ARM name
    architecture: Architecture = Architecture.CLASSIC
    host_name: str | None = None
    ip_address: str | None = None
    last_heartbeat: datetime | None = None
    # csServiceStatus `Running` and a fabric the vault still reaches; None when not reported.
    connected: bool | None = None
    service_status: str | None = None
    health: str | None = None
    version_status: str | None = None
    agent_version: str | None = None  # agentVersion, e.g. 9.41.0.0 (classic)
    process_servers: tuple[ProcessServer, ...] = ()
    master_targets: tuple[MasterTargetServer, ...] = ()
    run_as_accounts: tuple[RunAsAccount, ...] = ()
    vcenters: tuple[DiscoveredVCenter, ...] = ()
    health_errors: tuple[HealthError, ...] = ()


# Providers whose policies replicate Azure -> on-premises (classic InMage, modernized InMageRcmFailback).
FAILBACK_POLICY_PROVIDERS = frozenset({"InMage", "InMageRcmFailback"})
# Providers whose policies replicate on-premises -> Azure (classic InMageAzureV2, modernized InMageRcm).
FORWARD_POLICY_PROVIDERS = frozenset({"InMageAzureV2", "InMageRcm"})


@dataclass(frozen=True, kw_only=True, slots=True)
class FailbackPolicy:
    """The replication policy used for failback (`InMage` or `InMageRcmFailback` provider details)."""

    id: str
    name: str
    provider: str  # instanceType of providerSpecificDetails, e.g. `InMage`, `InMageRcmFailback`
    rpo_threshold_minutes: int | None = None
    retention_minutes: int | None = None  # recoveryPointHistory
    app_consistent_frequency_minutes: int | None = None
    crash_consistent_frequency_minutes: int | None = None
    multi_vm_sync_status: str | None = None
    # Configuration servers (fabric names or friendly names) the policy is mapped to.
    associated_configuration_servers: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class ProtectedDisk:
    """A disk Site Recovery replicates for an item (`protectedDisks[]`)."""

    id: str
    name: str | None = None
    capacity_bytes: int | None = None
    is_os_disk: bool = False
    resync_required: bool | None = None
    # Azure's temporary disk never comes home and takes no master target slot (FB027).
    is_azure_temporary: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class CurrentScenario:
    """What Site Recovery is doing with an item right now (`currentScenario`); `None` means idle."""

    name: str
    job_id: str | None = None
    start: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ProtectedItem:
    """A replication protected item as Site Recovery reports it.

    Site Recovery clears some facts after reprotect (InMage `osVersion`, `protectedDisks`,
    `masterTargetId`): the shell reads them before reprotect and passes the kept values here.
    """

    name: str  # ARM name, e.g. `V2A-W2K16-201-new`
    id: str | None = None
    friendly_name: str | None = None  # the VM's name, e.g. `V2A-W2K16-201`
    instance_type: str | None = None  # InMageAzureV2, InMage, InMageRcm, InMageRcmFailback
    protection_state: str | None = None
    protection_state_description: str | None = None
    replication_health: str | None = None
    failover_health: str | None = None
    active_location: str | None = None  # `Primary` / `Recovery`
    allowed_operations: tuple[str, ...] = ()
    current_scenario: CurrentScenario | None = None
    health_errors: tuple[HealthError, ...] = ()
    os_type: OsType | None = None
    os_version: str | None = None
    disk_count: int | None = None
    disks: tuple[ProtectedDisk, ...] = ()
    multi_vm_group_name: str | None = None
    recovery_plan: str | None = None
    # Eligibility for failback (FB036, FB037); None when it cannot be told.
    failed_over_from_on_premises: bool | None = None
    migrated: bool | None = None
    # discoveryType `Physical` of the forward protection; a reverse (InMage) item reports every
    # Azure VM as Physical, so keep the forward value.
    protected_as_physical: bool | None = None
    azure_vm_exists: bool | None = None
    azure_vm_in_original_resource_group: bool | None = None
    rpo_seconds: int | None = None
    master_target_id: str | None = None
    process_server_id: str | None = None
    policy_id: str | None = None
    agent_last_heartbeat: datetime | None = None
    # When the item last failed over: the VM booted in Azure then, and the agent re-registers
    # within 15 minutes of it (FB028).
    last_successful_failover: datetime | None = None
    # isAgentRegistrationSuccessfulAfterFailover (modernized providers only); None where not given.
    agent_registered_after_failover: bool | None = None
    azure_vm_name: str | None = None
    azure_vm_id: str | None = None
    # The on-premises VM's identity as Site Recovery knows it (vmId / infrastructureVmId).
    source_vm_id: str | None = None
    source_ip_static: bool | None = None
    # Known to the configuration server's database (FB010); None when not reported.
    known_to_configuration_server: bool | None = None
    datastores: tuple[str, ...] = ()
    source_vm_ram_mb: int | None = None  # sourceVmRamSizeInMB, what the VM needs at power-on (FB044)
    # How far the replication back to on-premises has come (initial replication or resync), 0-100.
    sync_progress_percent: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class JobError:
    """An error of a job or task: the service or provider error code and its texts."""

    code: str
    message: str = ""
    possible_causes: str = ""
    recommended_action: str = ""


FINAL_JOB_STATES = frozenset({"Succeeded", "Failed", "Cancelled", "Suspended", "CompletedWithInformation"})


@dataclass(frozen=True, kw_only=True, slots=True)
class JobTask:
    """One task of a job; a skipped task has state `Other` and stateDescription `Skipped`."""

    id: str  # taskId, e.g. `ShutdownVmOnPrimaryForUFO`
    name: str  # e.g. `VmShutdownVmOnPrimary`
    friendly_name: str | None = None
    state: str | None = None
    state_description: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    errors: tuple[JobError, ...] = ()
    # TaskDetails, VirtualMachineTaskDetails, RecoveryPlanGroupTaskDetails,
    # RecoveryPlanShutdownGroupTaskDetails (recovery-plan jobs nest group and machine tasks).
    task_type: str | None = None
    group_type: str | None = None  # rpGroupType of a group task: Shutdown, RpFailoverTask, BootGroup, ...
    children: tuple[JobTask, ...] = ()  # groupTaskCustomDetails.childTasks
    # A machine task of a recovery-plan job: the per-machine job it runs (None until it has started).
    child_job_id: str | None = None
    child_job_scenario: str | None = None
    target_object_name: str | None = None  # the machine a VirtualMachineTaskDetails task acts on

    def walk(self) -> tuple[JobTask, ...]:
        """This task and every task nested under it, depth first."""
        return (self, *(nested for child in self.children for nested in child.walk()))


@dataclass(frozen=True, kw_only=True, slots=True)
class Job:
    """A Site Recovery job (`replicationJobs`), e.g. `SwitchReplicationGroupProtection` (reprotect)."""

    id: str
    scenario: str  # scenarioName: UnplannedFailover, PlannedFailover, CommitFailover, ...
    name: str | None = None  # friendlyName, e.g. "Reprotect"
    state: str | None = None  # NotStarted, InProgress, Succeeded, Failed, Cancelled, Suspended
    state_description: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    target_object_id: str | None = None
    target_object_name: str | None = None
    errors: tuple[JobError, ...] = ()
    tasks: tuple[JobTask, ...] = ()
    target_instance_type: str | None = None  # ProtectionEntity, RecoveryPlan, ...
    allowed_actions: tuple[str, ...] = ()
    # Whether tasks and errors were read (GET by name); a list entry carries neither.
    detailed: bool = False

    @property
    def finished(self) -> bool:
        """Whether the job reached a final state."""
        return self.state in FINAL_JOB_STATES

    def all_tasks(self) -> tuple[JobTask, ...]:
        """Every task of the job, nested ones included, depth first."""
        return tuple(nested for task in self.tasks for nested in task.walk())


def child_job_ids(jobs: Iterable[Job]) -> frozenset[str]:
    """Ids of the per-machine child jobs the recovery-plan jobs among `jobs` name."""
    return frozenset(
        task.child_job_id for job in jobs for task in job.all_tasks() if task.child_job_id is not None
    )


@dataclass(frozen=True, slots=True)
class JobIndex:
    """A vault's jobs by id and by target, with the child jobs of its recovery-plan jobs, for the
    very tuple they index.

    A day of jobs at 5,000 items is 25,000 entries; finding an item's jobs by scanning them all,
    once per item and check, made a look at a 25-machine plan take seconds. A look builds it once,
    with its jobs read by name in place (`VaultFacts.job_index`), and every machine, rule and
    chained call of the look shares it.
    """

    jobs: tuple[Job, ...]
    by_id: Mapping[str, Job]
    children: frozenset[str]
    # Positions in `jobs` by case-folded target object name and id.
    by_target: Mapping[str, tuple[int, ...]]

    def acting_on(self, names: Iterable[str | None]) -> list[Job]:
        """The jobs whose target object's name or id is one of `names` (case-insensitive), in list order.

        Callers apply their own exact test to these: this only spares them the rest of the list.
        """
        positions: set[int] = set()
        for name in names:
            if name:
                positions.update(self.by_target.get(name.casefold(), ()))
        return [self.jobs[i] for i in sorted(positions)]


def index_jobs(jobs: Iterable[Job]) -> JobIndex:
    """The index of these jobs; of two listed under one id, the later is the one by id."""
    listed = tuple(jobs)
    by_target: dict[str, list[int]] = {}
    for position, job in enumerate(listed):
        for key in {job.target_object_name, job.target_object_id}:
            if key:
                by_target.setdefault(key.casefold(), []).append(position)
    return JobIndex(
        jobs=listed,
        by_id={job.id: job for job in listed},
        children=child_job_ids(listed),
        by_target={key: tuple(found) for key, found in by_target.items()},
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class RecoveryPlan:
    """A recovery plan as Site Recovery reports it: its items and what it allows now."""

    name: str
    id: str | None = None
    friendly_name: str | None = None
    allowed_operations: tuple[str, ...] = ()
    replication_providers: tuple[str, ...] = ()
    current_scenario: str | None = None
    current_scenario_status: str | None = None
    # ARM ids of the plan's replication protected items, in group order.
    item_ids: tuple[str, ...] = ()

    @property
    def item_names(self) -> tuple[str, ...]:
        """The protected items' names (the last segment of their ARM ids)."""
        return tuple(item_id.rstrip("/").rsplit("/", 1)[-1] for item_id in self.item_ids)


@dataclass(frozen=True, kw_only=True, slots=True)
class VaultFacts:
    """Everything read from one vault in one poll."""

    observed_at: datetime | None = None
    configuration_server: ConfigurationServer | None = None
    failback_policies: tuple[FailbackPolicy, ...] = ()
    # Policies that replicate on-premises -> Azure (InMageAzureV2, InMageRcm): reprotect to Azure.
    forward_policies: tuple[FailbackPolicy, ...] = ()
    protected_items: tuple[ProtectedItem, ...] = ()
    jobs: tuple[Job, ...] = ()
    # (tracking id, job name): a recovery-plan call answers with a tracking id that a GET by name
    # follows to the real job, listed under its own name.
    tracking_ids: tuple[tuple[str, str], ...] = ()
    # The vault's recovery plans; None when they were not read (never "no plans").
    recovery_plans: tuple[RecoveryPlan, ...] | None = None
    # Free-form notes the adapter could not map (kept out of the rules, shown for diagnosis).
    notes: tuple[str, ...] = field(default=())
    # The items and recovery plans by name (see VaultIndex); built at the first lookup when not given.
    index: VaultIndex | None = field(default=None, repr=False, compare=False)
    # The jobs by id and target (see JobIndex); built at the first lookup.
    jobs_index: JobIndex | None = field(default=None, repr=False, compare=False)

    def job_index(self) -> JobIndex:
        """The jobs by id and by target, built once for this tuple of jobs."""
        index = self.jobs_index
        if index is None or index.jobs is not self.jobs:
            index = index_jobs(self.jobs)
            object.__setattr__(self, "jobs_index", index)
        return index

    def _valid_index(self) -> VaultIndex:
        index = self.index
        if index is None or index.items is not self.protected_items or index.plans is not self.recovery_plans:
            index = index_vault(self.protected_items, self.recovery_plans)
            object.__setattr__(self, "index", index)
        return index

    def item_named(self, name: str) -> ProtectedItem | None:
        """The first item whose ARM name or friendly (VM) name is `name`, compared case-insensitively."""
        return self._valid_index().items_by_name.get(name.casefold())

    def recovery_plan_named(self, name: str) -> RecoveryPlan | None:
        """The recovery plan of that name (case-insensitive); None also when the plans were not read."""
        return self._valid_index().plans_by_name.get(name.casefold())


@dataclass(frozen=True, slots=True)
class VaultIndex:
    """A vault's items and recovery plans by case-folded name, for the very tuples they index.

    The rules look items up for every plan item and reservation, and a vault holds thousands: the
    looks that share one read of the vault share one index of it (the gathering hands it over).
    """

    items: tuple[ProtectedItem, ...]
    plans: tuple[RecoveryPlan, ...] | None
    items_by_name: Mapping[str, ProtectedItem]
    plans_by_name: Mapping[str, RecoveryPlan]


def index_vault(items: tuple[ProtectedItem, ...], plans: tuple[RecoveryPlan, ...] | None) -> VaultIndex:
    """The index of these items (by ARM and friendly name, first in the vault's order) and plans."""
    items_by_name: dict[str, ProtectedItem] = {}
    for item in items:
        for key in (item.name, item.friendly_name):
            if key is not None:
                items_by_name.setdefault(key.casefold(), item)
    plans_by_name: dict[str, RecoveryPlan] = {}
    for plan in plans or ():
        plans_by_name.setdefault(plan.name.casefold(), plan)
    return VaultIndex(items=items, plans=plans, items_by_name=items_by_name, plans_by_name=plans_by_name)
