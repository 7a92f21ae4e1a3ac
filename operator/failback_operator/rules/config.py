"""Tunables of the rule catalogue: heartbeat ages, waits and limits, all injectable for tests and demo."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from failback_operator.facts.reservations import MASTER_TARGET_DISK_SLOTS

# What the discovery (run-as) account needs for reprotect and failback to create, attach and power
# VMs; a read-only account has only System.Anonymous, System.View and System.Read (FB005).
DEFAULT_RUN_AS_PRIVILEGES: frozenset[str] = frozenset(
    {
        "Datastore.AllocateSpace",
        "Datastore.Browse",
        "Datastore.FileManagement",
        "Datastore.UpdateVirtualMachineFiles",
        "Network.Assign",
        "Resource.AssignVMToPool",
        "VirtualMachine.Config.AddExistingDisk",
        "VirtualMachine.Config.AddNewDisk",
        "VirtualMachine.Config.RemoveDisk",
        "VirtualMachine.Config.Settings",
        "VirtualMachine.Interact.PowerOff",
        "VirtualMachine.Interact.PowerOn",
        "VirtualMachine.Inventory.Create",
        "VirtualMachine.Inventory.Register",
        "VirtualMachine.Inventory.Unregister",
        "VirtualMachine.State.CreateSnapshot",
        "VirtualMachine.State.RemoveSnapshot",
        "Task.Create",
    }
)

# Licence edition keys of the free vSphere Hypervisor, which allows failover but not failback (FB035).
FREE_HYPERVISOR_EDITIONS: frozenset[str] = frozenset({"esxbasic", "esxfree", "esxhypervisor"})


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleConfig:
    """Limits and expected values the checks compare against."""

    heartbeat_max_age: timedelta = timedelta(minutes=15)
    agent_heartbeat_max_age: timedelta = timedelta(minutes=30)
    # The fixed classic failback policy (FB003).
    policy_rpo_threshold_minutes: int = 15
    policy_retention_minutes: int = 24 * 60
    policy_app_consistent_frequency_minutes: int = 60
    # A master target has 4 SCSI controllers of 15 slots (FB027); the slot ledger reserves against it.
    master_target_disk_slots: int = MASTER_TARGET_DISK_SLOTS
    run_as_privileges: frozenset[str] = field(default=DEFAULT_RUN_AS_PRIVILEGES)
    free_hypervisor_editions: frozenset[str] = field(default=FREE_HYPERVISOR_EDITIONS)
    # Health error codes that defeat an application-consistent recovery point (FB032).
    app_consistent_blocking_errors: frozenset[str] = frozenset({"531006"})
    # How long a new retention volume may take to be listed, and how often to look (FB022).
    retention_volume_wait: timedelta = timedelta(minutes=15)
    retention_volume_poll: timedelta = timedelta(minutes=1)
    # While waiting, the configuration server is refreshed again this long after the last refresh.
    retention_volume_refresh_interval: timedelta = timedelta(minutes=5)
    # How long after boot in Azure the agent may take to re-register, and the retry backoff (FB028).
    agent_registration_window: timedelta = timedelta(minutes=15)
    agent_retry_initial: timedelta = timedelta(seconds=30)
    agent_retry_max: timedelta = timedelta(minutes=4)
