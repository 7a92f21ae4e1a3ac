"""Conversions of hand-built pyvmomi data objects into facts: controllers, disks, snapshots, mounts, SDRS."""

from __future__ import annotations

from datetime import UTC, datetime

from pyVmomi import vim

from failback_operator.facts.vsphere import ScsiControllerKind
from failback_operator.vsphere.collector import ObjectProperties
from failback_operator.vsphere.mapping import (
    controller_kind,
    datastore_name_from_path,
    disks_and_controllers,
    extra_config_value,
    flatten_snapshots,
    host_datastore,
    storage_drs_setting,
)

device = vim.vm.device


def test_controller_kinds_fb026() -> None:
    assert controller_kind(device.ParaVirtualSCSIController()) is ScsiControllerKind.PARAVIRTUAL
    assert controller_kind(device.VirtualLsiLogicController()) is ScsiControllerKind.LSI_LOGIC
    assert controller_kind(device.VirtualLsiLogicSASController()) is ScsiControllerKind.LSI_LOGIC_SAS
    assert controller_kind(device.VirtualBusLogicController()) is ScsiControllerKind.BUS_LOGIC
    assert controller_kind(device.VirtualAHCIController()) is ScsiControllerKind.OTHER


def test_disks_and_controllers_keep_slots_uuids_and_placement() -> None:
    controller = device.VirtualLsiLogicSASController(key=1000, busNumber=0)
    flat = device.VirtualDisk(
        key=2000,
        controllerKey=1000,
        unitNumber=3,
        capacityInKB=2048,
        backing=device.VirtualDisk.FlatVer2BackingInfo(
            fileName="[vmfs-01] mt/mt_1.vmdk", uuid="6000C29a-1", datastore=vim.Datastore("datastore-7")
        ),
    )
    rdm = device.VirtualDisk(
        key=2001,
        controllerKey=200,
        unitNumber=0,
        capacityInBytes=4096,
        backing=device.VirtualDisk.RawDiskMappingVer1BackingInfo(
            fileName="[other] mt/rdm.vmdk", uuid="rdm-1"
        ),
    )
    nic = device.VirtualVmxnet3(key=4000)

    disks, controllers = disks_and_controllers([controller, flat, rdm, nic], {"datastore-7": "vmfs-01"})

    assert [(c.key, c.bus_number, c.kind) for c in controllers] == [
        (1000, 0, ScsiControllerKind.LSI_LOGIC_SAS)
    ]
    assert [(d.key, d.controller_key, d.unit_number) for d in disks] == [(2000, 1000, 3), (2001, 200, 0)]
    assert [d.backing_uuid for d in disks] == ["6000C29a-1", "rdm-1"]
    # The datastore comes from the backing's reference, else from the bracket of the file name.
    assert [d.datastore for d in disks] == ["vmfs-01", "other"]
    assert [d.capacity_bytes for d in disks] == [2048 * 1024, 4096]


def test_datastore_name_from_path() -> None:
    assert datastore_name_from_path("[LocalDS 0] a/b.vmdk") == "LocalDS 0"
    assert datastore_name_from_path("/vmfs/volumes/x/b.vmdk") is None
    assert datastore_name_from_path(None) is None


def test_extra_config_value_fb024() -> None:
    rows = [
        vim.option.OptionValue(key="govcsim", value="TRUE"),
        vim.option.OptionValue(key="disk.enableUUID", value="true"),
    ]
    assert extra_config_value(rows, "disk.EnableUUID") == "true"
    assert extra_config_value(rows[:1], "disk.EnableUUID") is None
    assert extra_config_value(None, "disk.EnableUUID") is None


def test_flatten_snapshots_depth_first_fb006() -> None:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    tree = vim.vm.SnapshotTree
    info = vim.vm.SnapshotInfo(
        rootSnapshotList=[
            tree(
                name="nightly-1",
                createTime=when,
                description="",
                childSnapshotList=[tree(name="nightly-2", createTime=when, description="Veeam")],
            ),
            tree(name="manual", createTime=when, description=""),
        ]
    )

    snapshots = flatten_snapshots(info)

    assert [s.name for s in snapshots] == ["nightly-1", "nightly-2", "manual"]
    assert snapshots[1].description == "Veeam"
    assert snapshots[0].description is None
    assert flatten_snapshots(None) == ()


def test_host_datastore_uses_this_hosts_mount() -> None:
    mounts = [
        vim.Datastore.HostMount(
            key=vim.HostSystem("host-1"), mountInfo=vim.host.MountInfo(accessMode="readOnly", mounted=True)
        ),
        vim.Datastore.HostMount(
            key=vim.HostSystem("host-2"), mountInfo=vim.host.MountInfo(accessMode="readWrite", mounted=True)
        ),
    ]
    summary = vim.Datastore.Summary(
        name="nfs-1", type="NFS", accessible=True, capacity=10, freeSpace=4, url="ds:///nfs-1/"
    )
    props = ObjectProperties(
        obj=vim.Datastore("datastore-1"), values={"name": "nfs-1", "summary": summary, "host": mounts}
    )

    on_one, on_two, elsewhere = (host_datastore(props, ref) for ref in ("host-1", "host-2", "host-3"))

    assert (on_one.type, on_one.access_mode, on_one.mounted) == ("NFS", "readOnly", True)
    assert on_two.access_mode == "readWrite"
    assert (elsewhere.access_mode, elsewhere.mounted, elsewhere.accessible) == (None, None, True)
    assert (on_one.capacity_bytes, on_one.free_bytes) == (10, 4)


def _drs_config(pod_enabled: bool, overrides: list[tuple[str, bool | None]]) -> vim.storageDrs.ConfigInfo:
    return vim.storageDrs.ConfigInfo(
        podConfig=vim.storageDrs.PodConfigInfo(enabled=pod_enabled, defaultVmBehavior="automated"),
        vmConfig=[
            vim.storageDrs.VmConfigInfo(vm=vim.VirtualMachine(ref), enabled=enabled)
            for ref, enabled in overrides
        ],
    )


def test_storage_drs_applies_unless_pod_off_or_vm_excluded_fb020() -> None:
    on = storage_drs_setting("pod-1", _drs_config(True, []), "vm-1")
    excluded = storage_drs_setting("pod-1", _drs_config(True, [("vm-1", False)]), "vm-1")
    other_vm_excluded = storage_drs_setting("pod-1", _drs_config(True, [("vm-2", False)]), "vm-1")
    pod_off = storage_drs_setting("pod-1", _drs_config(False, [("vm-1", True)]), "vm-1")

    assert (on.applies, on.default_vm_behavior, on.vm_override_enabled) == (True, "automated", None)
    assert (excluded.applies, excluded.vm_override_enabled) == (False, False)
    assert other_vm_excluded.applies is True
    assert pod_off.applies is False
