"""vCenter facts: the master target VM, its ESXi host, the on-premises VMs, the run-as account.

Field names follow the vSphere object model (`config.uuid`, `config.instanceUuid`,
`extraConfig["disk.EnableUUID"]`, `guest.toolsRunningStatus`, `summary.config.product`,
`HostMountInfo.accessMode`) so the pyvmomi adapter maps them one to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ScsiControllerKind(StrEnum):
    """The SCSI controller types vSphere offers; only LSI Logic suits a master target (FB026)."""

    LSI_LOGIC = "lsilogic"  # VirtualLsiLogicController
    LSI_LOGIC_SAS = "lsilogic-sas"  # VirtualLsiLogicSASController
    PARAVIRTUAL = "pvscsi"  # ParaVirtualSCSIController
    BUS_LOGIC = "buslogic"  # VirtualBusLogicController
    OTHER = "other"


@dataclass(frozen=True, kw_only=True, slots=True)
class ScsiController:
    """A SCSI controller of a VM (`config.hardware.device`)."""

    key: int
    bus_number: int
    kind: ScsiControllerKind
    label: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VirtualDisk:
    """A virtual disk of a VM with its backing file and where it sits."""

    key: int
    label: str | None = None
    backing_uuid: str | None = None  # backing.uuid
    file_name: str | None = None  # "[datastore1] mt-win01/mt-win01_1.vmdk"
    datastore: str | None = None
    controller_key: int | None = None
    unit_number: int | None = None
    capacity_bytes: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DiskPlacement:
    """Where one master target disk lives; compared with the placement recorded at reprotect (FB020)."""

    disk: str  # backing uuid, else the disk label
    file_name: str | None = None
    datastore: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Snapshot:
    """A VM snapshot (flattened from `snapshot.rootSnapshotList`)."""

    name: str
    created: datetime | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class MasterTargetVm:
    """The master target VM as vCenter sees it."""

    name: str
    moref: str | None = None
    uuid: str | None = None  # config.uuid (BIOS UUID)
    instance_uuid: str | None = None  # config.instanceUuid
    disks: tuple[VirtualDisk, ...] = ()
    controllers: tuple[ScsiController, ...] = ()
    snapshots: tuple[Snapshot, ...] = ()
    enable_uuid: str | None = None  # raw extraConfig["disk.EnableUUID"], None when the row is missing
    tools_running_status: str | None = None  # guestToolsRunning, guestToolsNotRunning, ...
    tools_version_status: str | None = None
    guest_id: str | None = None  # config.guestId, e.g. windows2019srv_64Guest
    guest_full_name: str | None = None  # guest.guestFullName or config.guestFullName
    power_state: str | None = None  # poweredOn, poweredOff, suspended
    host: str | None = None  # name of the ESXi host running it
    datastores: tuple[str, ...] = ()
    # Storage DRS automation applies to the VM (its datastore cluster enabled and not overridden off).
    storage_drs_enabled: bool | None = None
    folder: str | None = None
    resource_pool: str | None = None

    @property
    def disk_placements(self) -> tuple[DiskPlacement, ...]:
        """Each disk's file and datastore, keyed by backing uuid (label when there is none)."""
        return tuple(
            DiskPlacement(
                disk=disk.backing_uuid or disk.label or str(disk.key),
                file_name=disk.file_name,
                datastore=disk.datastore,
            )
            for disk in self.disks
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class HostDatastore:
    """A datastore mounted on an ESXi host, with the host's view of the mount."""

    name: str
    type: str | None = None  # summary.type: VMFS, vsan, NFS, NFS41, VVOL, PMEM
    url: str | None = None
    uuid: str | None = None
    accessible: bool | None = None  # summary.accessible
    mounted: bool | None = None  # HostMountInfo.mounted
    access_mode: str | None = None  # HostMountInfo.accessMode: readWrite / readOnly
    capacity_bytes: int | None = None
    free_bytes: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EsxiHost:
    """An ESXi host: what product it is, its licence, datastores and free memory."""

    name: str
    moref: str | None = None
    product_line_id: str | None = None  # config.product.productLineId: embeddedEsx, esx, ws, gsx, vpx
    product_name: str | None = None  # e.g. "VMware ESXi"
    version: str | None = None  # e.g. "8.0.2"
    build: str | None = None
    # The licence assigned to the host (LicenseAssignmentManager.QueryAssignedLicenses).
    licence_edition_key: str | None = None  # e.g. esxBasic (free hypervisor), eval, esxEnterprisePlus
    licence_name: str | None = None
    datastores: tuple[HostDatastore, ...] = ()
    memory_bytes: int | None = None  # hardware.memorySize
    memory_usage_bytes: int | None = None  # quickStats.overallMemoryUsage, in bytes
    connection_state: str | None = None
    in_maintenance_mode: bool | None = None
    vm_names: tuple[str, ...] = ()

    @property
    def free_memory_bytes(self) -> int | None:
        """Physical memory not in use, or None when either side is unknown."""
        if self.memory_bytes is None or self.memory_usage_bytes is None:
            return None
        return max(self.memory_bytes - self.memory_usage_bytes, 0)


@dataclass(frozen=True, kw_only=True, slots=True)
class OnPremisesVm:
    """The on-premises VM behind a protected item; `exists=False` when it is gone (alternate location)."""

    item: str  # the protected item's name
    exists: bool
    name: str | None = None
    moref: str | None = None
    uuid: str | None = None
    instance_uuid: str | None = None
    disk_backing_uuids: tuple[str, ...] = ()
    power_state: str | None = None
    snapshots: tuple[Snapshot, ...] = ()
    datastores: tuple[str, ...] = ()
    memory_mb: int | None = None
    host: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RunAsPrivileges:
    """Effective privileges of the configuration server's run-as account on one entity (FB005)."""

    user: str
    entity: str  # the object checked, e.g. the datacenter or root folder
    privileges: frozenset[str] = frozenset()
    # False when the privileges could not be read (the rule then cannot pass).
    checked: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class VCenterFacts:
    """Everything read from one vCenter for one master target and the plans it serves."""

    vcenter: str
    observed_at: datetime | None = None
    version: str | None = None
    master_target_vm: MasterTargetVm | None = None
    master_target_host: EsxiHost | None = None
    # Other hosts the plans touch (e.g. where the on-premises VMs run and will power on).
    hosts: tuple[EsxiHost, ...] = ()
    on_premises_vms: tuple[OnPremisesVm, ...] = ()
    # VM names already present where reprotect would create new VMs (host/folder of the MT).
    vm_names_at_target: frozenset[str] = frozenset()
    run_as_privileges: tuple[RunAsPrivileges, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class VCenterAbout:
    """vCenter's identity and, when a run-as user is named, that user's privileges (FB005)."""

    version: str | None = None
    api_version: str | None = None
    instance_uuid: str | None = None
    run_as_privileges: tuple[RunAsPrivileges, ...] = ()
    # Why the privileges could not be verified, when they could not.
    privileges_note: str | None = None
