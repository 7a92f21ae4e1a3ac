"""Scenario files: the vault, servers, items, job durations and faults a simulator run starts from."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from failback_operator.errors import FailbackOperatorError

__all__ = [
    "DOCUMENTED_JOB_ERROR_CODES",
    "Appliance",
    "Architecture",
    "ConfigurationServer",
    "Datastore",
    "Disk",
    "Faults",
    "Identity",
    "ItemStage",
    "JobDurations",
    "JobFailure",
    "MasterTarget",
    "ProcessServer",
    "ProtectedItemSpec",
    "RetentionVolume",
    "RunAsAccount",
    "Scenario",
    "ScenarioError",
    "Throttling",
    "Vault",
    "load_scenario",
    "parse_scenario",
]


class ScenarioError(FailbackOperatorError, ValueError):
    """A scenario file that cannot be used, with one line per offending field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Architecture(StrEnum):
    """Classic (configuration server, process server, master target) or modernized (appliance)."""

    CLASSIC = "classic"
    MODERNIZED = "modernized"


class ItemStage(StrEnum):
    """Where a protected item is in the round trip Azure -> on-premises -> Azure."""

    FAILED_OVER = "failed_over"  # running in Azure, failover not committed yet
    FAILED_OVER_COMMITTED = "failed_over_committed"  # running in Azure, committed: reprotect offered
    SYNCING_TO_ON_PREMISES = "syncing_to_on_premises"  # reprotected, initial replication running
    PROTECTED_TO_ON_PREMISES = "protected_to_on_premises"  # failback offered
    FAILED_BACK = "failed_back"  # running on-premises, not committed
    FAILED_BACK_COMMITTED = "failed_back_committed"
    SYNCING_TO_AZURE = "syncing_to_azure"
    PROTECTED_TO_AZURE = "protected_to_azure"


class Vault(_Model):
    """The Recovery Services vault: where Site Recovery lives in ARM."""

    subscription: str
    resource_group: str
    name: str
    location: str = "westeurope"


class Identity(_Model):
    """The Entra ID tenant and the one service principal that gets tokens."""

    tenant: str
    client_id: str
    client_secret: str = Field(repr=False)


class RunAsAccount(_Model):
    """An account the configuration server uses to push the mobility service."""

    id: str
    name: str


class ProcessServer(_Model):
    """A process server registered with the configuration server."""

    name: str
    id: str
    ip_address: str = "10.150.108.21"
    os_type: Literal["Windows", "Linux"] = "Windows"
    in_azure: bool = True


class RetentionVolume(_Model):
    """A retention volume of a master target: a bare drive letter on Windows, a path on Linux."""

    name: str
    capacity_gib: float = 10.0
    free_gib: float = 9.9
    # None: listed from the start. Otherwise added to the master target this many minutes before the
    # run starts, and listed only once Site Recovery discovers it (refresh or periodic discovery, FB022).
    added_minutes_ago: float | None = Field(default=None, ge=0)


class Datastore(_Model):
    """A datastore the master target's ESXi host sees."""

    name: str
    uuid: str
    capacity_gib: float = 439.5
    free_gib: float = 154.11
    type: str = "VMFS"


class MasterTarget(_Model):
    """An on-premises master target server (classic) with its retention volumes and datastores."""

    name: str
    id: str
    ip_address: str = "10.150.108.21"
    os_type: Literal["Windows", "Linux"] = "Windows"
    os_version: str = "Microsoft Windows Server 2016 Datacenter"
    disk_count: int = Field(default=3, ge=0, le=60)
    retention_volumes: list[RetentionVolume] = Field(default_factory=list)
    datastores: list[Datastore] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_volume_names(self) -> MasterTarget:
        names = [volume.name.lower() for volume in self.retention_volumes]
        if len(names) != len(set(names)):
            raise ValueError(f"retention volume names of master target '{self.name}' must be unique")
        return self


class Appliance(_Model):
    """A modernized replication appliance; its reprotect agent plays the master target's role."""

    name: str
    id: str
    ip_address: str = "10.150.208.10"
    datastores: list[str] = Field(default_factory=list)


class ConfigurationServer(_Model):
    """The on-premises configuration server, seen in ARM as a fabric."""

    name: str
    fabric_name: str
    internal_id: str = "01fbe5d9-6391-45fc-a729-bef0b458c9fe"
    container_name: str | None = None  # classic default: cloud_{internal_id}
    ip_address: str = "10.144.130.132"
    run_as_accounts: list[RunAsAccount] = Field(default_factory=list)
    heartbeat_stopped: bool = False


class Disk(_Model):
    """A disk of a protected machine."""

    name: str
    size_gib: float = Field(gt=0)
    os_disk: bool = False


class ProtectedItemSpec(_Model):
    """One replicated machine: its Azure VM, the on-premises VM it maps to, and its group."""

    name: str
    vm_name: str
    on_premises_vm_name: str
    os_type: Literal["Windows", "Linux"]
    os_version: str
    disks: list[Disk] = Field(min_length=1)
    replication_group: str | None = None
    recovery_plan: str | None = None
    stage: ItemStage = ItemStage.FAILED_OVER_COMMITTED
    booted_minutes_ago: float = Field(default=60.0, ge=0)
    ip_address: str = "10.150.108.22"

    @model_validator(mode="after")
    def _one_os_disk(self) -> ProtectedItemSpec:
        if sum(1 for disk in self.disks if disk.os_disk) != 1:
            raise ValueError("exactly one disk must have os_disk: true")
        return self


class JobDurations(_Model):
    """How long each Site Recovery job and the resync take, in scenario minutes (before scaling)."""

    reprotect_minutes: float = Field(default=20.0, gt=0)
    resync_minutes: float = Field(default=60.0, ge=0)
    failover_minutes: float = Field(default=10.0, gt=0)
    commit_minutes: float = Field(default=2.0, gt=0)
    cancel_minutes: float = Field(default=5.0, gt=0)
    refresh_minutes: float = Field(default=2.0, gt=0)  # "Refresh server" of the configuration server
    # Each job's and each resync's length is drawn uniformly within +/- this fraction of its
    # duration above, from a generator seeded with `seed`: the same scenario gives the same draws.
    spread: float = Field(default=0.0, ge=0, lt=1)
    seed: int = 0
    # How many items one process server replicates back at once; the others wait for a slot
    # before their resync starts. None: no limit.
    process_server_resyncs: int | None = Field(default=None, ge=1)


# Failback job errors Microsoft documents; the simulator words them as the documentation does.
DOCUMENTED_JOB_ERROR_CODES = ("95226", "78052", "78093", "8061", "8038")


class JobFailure(_Model):
    """Make the next matching job fail with a Site Recovery error code.

    A documented code comes with Microsoft's wording. Any other code needs its own `message`: an
    error a client has never seen, which it must report rather than interpret.
    """

    operation: Literal["reprotect", "unplanned_failover", "planned_failover", "commit", "cancel", "refresh"]
    # Declared before `code` so that the code's check can see it; used for undocumented codes only.
    message: str | None = Field(default=None, min_length=1)
    code: str
    item: str | None = None  # protected item name; any item when absent
    times: int = Field(default=1, ge=1)
    # unplanned_failover only: the failing machine is left as the recorded failed failover shows it
    # (UnplannedFailoverCompletionFailed, health error 78037) instead of where it was.
    completion_failed: bool = False

    @field_validator("code")
    @classmethod
    def _documented_or_worded(cls, code: str, info: ValidationInfo) -> str:
        if code in DOCUMENTED_JOB_ERROR_CODES or info.data.get("message"):
            return code
        raise ValueError(
            f"{code} is not a documented code ({', '.join(DOCUMENTED_JOB_ERROR_CODES)}); "
            "an undocumented code needs a message"
        )

    @model_validator(mode="after")
    def _completion_failed_on_failover(self) -> JobFailure:
        if self.completion_failed and self.operation != "unplanned_failover":
            raise ValueError("completion_failed is recorded for an unplanned failover only")
        return self


class Throttling(_Model):
    """ARM-like token buckets per principal and subscription (reads and writes apart)."""

    enabled: bool = True
    read_burst: int = Field(default=250, ge=1)
    read_refill_per_second: float = Field(default=25.0, gt=0)
    write_burst: int = Field(default=200, ge=1)
    write_refill_per_second: float = Field(default=10.0, gt=0)


class Faults(_Model):
    """Faults present when the scenario loads; tests switch them at run time too."""

    agent_not_installed_minutes: float = Field(default=15.0, ge=0)
    job_failures: list[JobFailure] = Field(default_factory=list)
    throttling: Throttling = Field(default_factory=Throttling)
    server_errors: int = Field(default=0, ge=0)  # next N ARM requests answer 500
    post_server_errors: int = Field(default=0, ge=0)  # next N POSTs answer 500, before processing
    slow_seconds: float = Field(default=0.0, ge=0)  # every ARM answer waits this long (real seconds)
    lose_post_responses: int = Field(default=0, ge=0)  # next N POSTs start their job, answer is lost
    lose_post_mode: Literal["drop", "500"] = "drop"


class Scenario(_Model):
    """A whole simulator scenario as written in examples/sim/*.yaml."""

    architecture: Architecture
    vault: Vault
    identity: Identity
    configuration_server: ConfigurationServer
    process_servers: list[ProcessServer] = Field(default_factory=list)
    master_targets: list[MasterTarget] = Field(default_factory=list)
    appliances: list[Appliance] = Field(default_factory=list)
    forward_policy: str = "Policyv2a"
    failback_policy: str = "Policyv2a-failback"
    log_storage_account: str = "pwsteststor"
    vcenter_name: str = "vcenter67"
    vcenter_host: str = "vcenter.contoso.local"
    items: list[ProtectedItemSpec] = Field(min_length=1)
    job_durations: JobDurations = Field(default_factory=JobDurations)
    # Site Recovery's own periodic discovery: a new retention volume is listed this long after it is added.
    discovery_interval_minutes: float = Field(default=15.0, gt=0)
    faults: Faults = Field(default_factory=Faults)
    page_size: int = Field(default=100, ge=1)
    time_scale: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _servers_match_architecture(self) -> Scenario:
        if self.architecture is Architecture.CLASSIC and not self.master_targets:
            raise ValueError("a classic scenario needs at least one master target")
        if self.architecture is Architecture.MODERNIZED and not self.appliances:
            raise ValueError("a modernized scenario needs at least one appliance")
        names = [item.name.lower() for item in self.items]
        if len(names) != len(set(names)):
            raise ValueError("protected item names must be unique (ARM compares them case-insensitively)")
        return self


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(scenario)"
        lines.append(f"{where}: {problem['msg']}")
    return "\n".join(lines)


def parse_scenario(data: object, source: str = "<scenario>") -> Scenario:
    """Validate already-loaded YAML/JSON data; errors name each offending field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(f"{source}:\n{_describe(error)}") from None


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario YAML file."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return parse_scenario(data, source=str(path))
