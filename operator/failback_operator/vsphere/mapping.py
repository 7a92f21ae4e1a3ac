"""Pure conversions from pyvmomi data objects (devices, snapshots, mounts, SDRS config) to plain facts.

Nothing here talks to vCenter: each function takes values the property collector returned, so
the conversions are unit-tested with hand-built pyvmomi data objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pyVmomi import vim

from failback_operator.facts.vsphere import (
    HostDatastore,
    ScsiController,
    ScsiControllerKind,
    Snapshot,
    VirtualDisk,
)

__all__ = [
    "StorageDrsSetting",
    "controller_kind",
    "datastore_name_from_path",
    "disks_and_controllers",
    "extra_config_value",
    "flatten_snapshots",
    "host_datastore",
    "storage_drs_setting",
]

_DATASTORE_IN_PATH = re.compile(r"^\[(?P<name>[^\]]+)\]")


def controller_kind(device: Any) -> ScsiControllerKind:
    """The kind of a SCSI controller device (FB026 accepts only the LSI Logic ones)."""
    if isinstance(device, vim.vm.device.ParaVirtualSCSIController):
        return ScsiControllerKind.PARAVIRTUAL
    if isinstance(device, vim.vm.device.VirtualLsiLogicSASController):
        return ScsiControllerKind.LSI_LOGIC_SAS
    if isinstance(device, vim.vm.device.VirtualLsiLogicController):
        return ScsiControllerKind.LSI_LOGIC
    if isinstance(device, vim.vm.device.VirtualBusLogicController):
        return ScsiControllerKind.BUS_LOGIC
    return ScsiControllerKind.OTHER


def datastore_name_from_path(file_name: str | None) -> str | None:
    """`datastore1` from `[datastore1] vm/vm.vmdk`; None for anything else."""
    if not file_name:
        return None
    match = _DATASTORE_IN_PATH.match(file_name)
    return match.group("name") if match else None


def _label(device: Any) -> str | None:
    info = getattr(device, "deviceInfo", None)
    return getattr(info, "label", None) or None


def disks_and_controllers(
    devices: Iterable[Any], datastore_names: Mapping[str, str]
) -> tuple[tuple[VirtualDisk, ...], tuple[ScsiController, ...]]:
    """The VM's disks (backing uuid, file, datastore, slot) and SCSI controllers from its device list."""
    disks: list[VirtualDisk] = []
    controllers: list[ScsiController] = []
    for device in devices:
        if isinstance(device, vim.vm.device.VirtualSCSIController):
            controllers.append(
                ScsiController(
                    key=device.key,
                    bus_number=device.busNumber,
                    kind=controller_kind(device),
                    label=_label(device),
                )
            )
        elif isinstance(device, vim.vm.device.VirtualDisk):
            backing = device.backing
            file_name = getattr(backing, "fileName", None) or None
            datastore_ref = getattr(backing, "datastore", None)
            datastore = (
                datastore_names.get(datastore_ref._moId) if datastore_ref is not None else None
            ) or datastore_name_from_path(file_name)
            capacity = getattr(device, "capacityInBytes", None) or None
            if capacity is None and getattr(device, "capacityInKB", None):
                capacity = device.capacityInKB * 1024
            disks.append(
                VirtualDisk(
                    key=device.key,
                    label=_label(device),
                    # RDM and flat backings carry a uuid; other backings (e.g. sesparse) may not.
                    backing_uuid=getattr(backing, "uuid", None) or None,
                    file_name=file_name,
                    datastore=datastore,
                    controller_key=device.controllerKey,
                    unit_number=device.unitNumber,
                    capacity_bytes=capacity,
                )
            )
    return tuple(disks), tuple(controllers)


def extra_config_value(extra_config: Iterable[Any] | None, key: str) -> str | None:
    """The raw value of an `extraConfig` row (key case ignored, as ESXi does); None when absent."""
    wanted = key.lower()
    for option in extra_config or ():
        if str(option.key).lower() == wanted:
            return None if option.value is None else str(option.value)
    return None


def _walk_snapshots(trees: Iterable[Any]) -> Iterator[Any]:
    for tree in trees:
        yield tree
        yield from _walk_snapshots(tree.childSnapshotList or ())


def flatten_snapshots(snapshot_info: Any) -> tuple[Snapshot, ...]:
    """Every snapshot of the VM, depth first, from `snapshot.rootSnapshotList`; () when it has none."""
    if snapshot_info is None:
        return ()
    return tuple(
        Snapshot(name=tree.name, created=tree.createTime, description=tree.description or None)
        for tree in _walk_snapshots(snapshot_info.rootSnapshotList or ())
    )


def host_datastore(props: Any, host_moref: str) -> HostDatastore:
    """A datastore as one host sees it: type, capacity, and that host's mount (mounted, accessible, mode)."""
    summary = props.get("summary")
    mount_info = None
    for mount in props.get("host") or ():
        if mount.key._moId == host_moref:
            mount_info = mount.mountInfo
            break
    return HostDatastore(
        name=props.get("name"),
        type=getattr(summary, "type", None),
        url=getattr(summary, "url", None),
        accessible=getattr(summary, "accessible", None),
        # The host's own view of the mount wins over the datastore-wide `accessible`.
        mounted=getattr(mount_info, "mounted", None),
        access_mode=getattr(mount_info, "accessMode", None),
        capacity_bytes=getattr(summary, "capacity", None),
        free_bytes=getattr(summary, "freeSpace", None),
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class StorageDrsSetting:
    """Storage DRS as it applies to one VM: its datastore cluster, the cluster default, the VM override."""

    pod: str
    pod_enabled: bool
    default_vm_behavior: str | None  # automated / manual
    vm_override_enabled: bool | None  # None when the VM has no override row
    vm_override_behavior: str | None

    @property
    def applies(self) -> bool:
        """True when Storage DRS may move the VM's disks (FB020): the pod is on and the VM not excluded."""
        if not self.pod_enabled:
            return False
        return self.vm_override_enabled is not False


def storage_drs_setting(pod_name: str, drs_config: Any, vm_moref: str) -> StorageDrsSetting:
    """Storage DRS for `vm_moref` from a StoragePod's `podStorageDrsEntry.storageDrsConfig`."""
    pod_config = getattr(drs_config, "podConfig", None)
    override = None
    for vm_config in getattr(drs_config, "vmConfig", None) or ():
        if vm_config.vm is not None and vm_config.vm._moId == vm_moref:
            override = vm_config
            break
    return StorageDrsSetting(
        pod=pod_name,
        pod_enabled=bool(getattr(pod_config, "enabled", False)),
        default_vm_behavior=getattr(pod_config, "defaultVmBehavior", None),
        vm_override_enabled=getattr(override, "enabled", None),
        vm_override_behavior=getattr(override, "behavior", None),
    )
