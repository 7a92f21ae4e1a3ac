"""Tunables of the rule catalogue: heartbeat ages, waits and limits, all injectable for tests and demo."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from failback_operator.facts.reservations import MASTER_TARGET_DISK_SLOTS

# The vCenter privileges of the role Microsoft documents for Site Recovery's vCenter account
# ("Prepare an account for automatic discovery", task "Full replication, failover, failback":
# role Azure_Site_Recovery on the datacenter, propagated), as vSphere privilege ids. A read-only
# account holds only System.Anonymous, System.View and System.Read and cannot discover the
# datastores reprotect needs (FB005). docs/rules.md gives the table and its source.
SITE_RECOVERY_ROLE: dict[str, frozenset[str]] = {
    # Datastore -> Allocate space, Browse datastore, Low-level file operations, Remove file,
    # Update virtual machine files.
    "Datastore": frozenset(
        {
            "Datastore.AllocateSpace",
            "Datastore.Browse",
            "Datastore.FileManagement",
            "Datastore.DeleteFile",
            "Datastore.UpdateVirtualMachineFiles",
        }
    ),
    # Network -> Network assign.
    "Network": frozenset({"Network.Assign"}),
    # Resource -> Assign VM to resource pool, Migrate powered off VM, Migrate powered on VM.
    "Resource": frozenset({"Resource.AssignVMToPool", "Resource.ColdMigrate", "Resource.HotMigrate"}),
    # Tasks -> Create task, Update task.
    "Tasks": frozenset({"Task.Create", "Task.Update"}),
    # Virtual machine -> Configuration: the whole group, as vSphere (6.5 to 8) defines it.
    "Virtual machine -> Configuration": frozenset(
        f"VirtualMachine.Config.{name}"
        for name in (
            "AddExistingDisk",
            "AddNewDisk",
            "AddRemoveDevice",
            "AdvancedConfig",
            "Annotation",
            "CPUCount",
            "ChangeTracking",
            "DiskExtend",
            "DiskLease",
            "EditDevice",
            "HostUSBDevice",
            "ManagedBy",
            "Memory",
            "MksControl",
            "QueryFTCompatibility",
            "QueryUnownedFiles",
            "RawDevice",
            "ReloadFromPath",
            "RemoveDisk",
            "Rename",
            "ResetGuestInfo",
            "Resource",
            "Settings",
            "SwapPlacement",
            "ToggleForkParent",
            "UpgradeVirtualHardware",
        )
    ),
    # Virtual machine -> Interact -> Answer question, Device connection, Configure CD media,
    # Configure floppy media, Power off, Power on, VMware tools install.
    "Virtual machine -> Interact": frozenset(
        {
            "VirtualMachine.Interact.AnswerQuestion",
            "VirtualMachine.Interact.DeviceConnection",
            "VirtualMachine.Interact.SetCDMedia",
            "VirtualMachine.Interact.SetFloppyMedia",
            "VirtualMachine.Interact.PowerOff",
            "VirtualMachine.Interact.PowerOn",
            "VirtualMachine.Interact.ToolsInstall",
        }
    ),
    # Virtual machine -> Inventory -> Create, Register, Unregister.
    "Virtual machine -> Inventory": frozenset(
        {
            "VirtualMachine.Inventory.Create",
            "VirtualMachine.Inventory.Register",
            "VirtualMachine.Inventory.Unregister",
        }
    ),
    # Virtual machine -> Provisioning -> Allow virtual machine download, Allow virtual machine
    # files upload.
    "Virtual machine -> Provisioning": frozenset(
        {"VirtualMachine.Provisioning.GetVmFiles", "VirtualMachine.Provisioning.PutVmFiles"}
    ),
    # Virtual machine -> Snapshots -> Remove snapshots (the role has no Create snapshot).
    "Virtual machine -> Snapshots": frozenset({"VirtualMachine.State.RemoveSnapshot"}),
}
DEFAULT_RUN_AS_PRIVILEGES: frozenset[str] = frozenset().union(*SITE_RECOVERY_ROLE.values())

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
