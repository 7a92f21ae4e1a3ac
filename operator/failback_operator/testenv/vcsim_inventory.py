"""Builds master targets, plan VMs, hosts and datastores in vcsim with plain pyvmomi calls (tests, demo)."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pyVmomi import vim

from failback_operator.vsphere import VCenterSession, wait_for_task

__all__ = [
    "CONTROLLERS",
    "MASTER_TARGET_HOST",
    "SCSI_UNITS",
    "VCSIM_MODEL",
    "VMFS_DATASTORE",
    "DatastoreState",
    "DiskState",
    "Inventory",
    "InventoryState",
    "VmState",
    "capture",
    "controller_spec",
    "disk_spec",
    "restore",
]

# One datacenter, a cluster of two hosts and one standalone host (DC0_H0), one VM per pool.
VCSIM_MODEL = ("-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "1", "-vm", "1", "-ds", "1")
# Master targets are built on the standalone host, on a VMFS datastore made for them.
MASTER_TARGET_HOST = "DC0_H0"
VMFS_DATASTORE = "mt-vmfs-01"

_keys = itertools.count(1)

CONTROLLERS: dict[str, Any] = {
    "lsilogic-sas": vim.vm.device.VirtualLsiLogicSASController,
    "lsilogic": vim.vm.device.VirtualLsiLogicController,
    "pvscsi": vim.vm.device.ParaVirtualSCSIController,
    "buslogic": vim.vm.device.VirtualBusLogicController,
}
# Unit 7 of a SCSI bus belongs to the controller itself.
SCSI_UNITS = [unit for unit in range(16) if unit != 7]


def _new_key() -> int:
    return -(1000 + next(_keys))


def controller_spec(kind: str, bus: int) -> Any:
    controller = CONTROLLERS[kind](key=_new_key(), busNumber=bus, sharedBus="noSharing")
    return vim.vm.device.VirtualDeviceSpec(operation="add", device=controller)


def disk_spec(datastore: str, controller_key: int, unit: int, size_kb: int = 1024) -> Any:
    disk = vim.vm.device.VirtualDisk(
        key=_new_key(),
        controllerKey=controller_key,
        unitNumber=unit,
        capacityInKB=size_kb,
        backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
            diskMode="persistent", thinProvisioned=True, fileName=f"[{datastore}]"
        ),
    )
    return vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create", device=disk)


@dataclass
class Inventory:
    """The vcsim inventory the tests build in: one datacenter, its folders, and ways to add to it."""

    session: VCenterSession
    workdir: Path

    @property
    def content(self) -> Any:
        return self.session.content

    @property
    def datacenter(self) -> Any:
        return self.content.rootFolder.childEntity[0]

    def host(self, name: str) -> Any:
        view = self.content.viewManager.CreateContainerView(self.content.rootFolder, [vim.HostSystem], True)
        try:
            return next(host for host in view.view if host.name == name)
        finally:
            view.DestroyView()

    def vm(self, name: str) -> Any:
        # The inventory keeps "%", "/" and "\\" in names escaped.
        escaped = name.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")
        return self.content.searchIndex.FindChild(self.datacenter.vmFolder, escaped)

    def nas_datastore(self, host: Any, name: str, kind: str) -> Any:
        """A datastore of any `kind` (vcsim keeps the type given to CreateNasDatastore): VMFS, NFS, vsan."""
        existing = [ds for ds in host.datastore if ds.name == name]
        if existing:
            return existing[0]
        local = self.workdir / "datastores" / name
        local.mkdir(parents=True, exist_ok=True)
        spec = vim.host.NasVolume.Specification(
            remoteHost=f"{name}.storage.example",
            remotePath=f"/export/{name}",
            localPath=str(local),
            accessMode="readWrite",
            type=kind,
        )
        return host.configManager.datastoreSystem.CreateNasDatastore(spec)

    def standalone_host(self, name: str) -> Any:
        """A new ESXi host in its own compute resource, with no datastore at all."""
        spec = vim.host.ConnectSpec(hostName=name, userName="root", password="unused", force=True)
        self.wait(self.datacenter.hostFolder.AddStandaloneHost_Task(spec=spec, addConnected=True))
        return self.host(name)

    def create_vm(
        self,
        name: str,
        *,
        host: Any,
        datastore: str,
        controller: str = "lsilogic",  # the only kind the failback article allows (FB026)
        disks: int = 1,
        uuid: str | None = None,
        guest_id: str = "windows2019srv_64Guest",
        enable_uuid: str | None = "TRUE",
        tools_running: bool = True,
        power_on: bool = True,
        memory_mb: int = 4096,
    ) -> Any:
        """A VM on `host`, its disks spread over as many SCSI controllers of `controller` kind as needed."""
        changes: list[Any] = []
        controllers: list[Any] = []
        for bus in range(min(4, -(-disks // len(SCSI_UNITS)))):
            change = controller_spec(controller, bus)
            controllers.append(change.device)
            changes.append(change)
        slots = [(ctrl, unit) for ctrl in controllers for unit in SCSI_UNITS]
        for ctrl, unit in slots[:disks]:
            changes.append(disk_spec(datastore, ctrl.key, unit))
        for ide_unit in range(disks - len(slots)):
            # Past 60 SCSI slots the disk goes on the built-in IDE controller (key 200).
            changes.append(disk_spec(datastore, 200, ide_unit))
        extra = [vim.option.OptionValue(key="disk.EnableUUID", value=enable_uuid)] if enable_uuid else []
        config = vim.vm.ConfigSpec(
            name=name,
            guestId=guest_id,
            numCPUs=2,
            memoryMB=memory_mb,
            files=vim.vm.FileInfo(vmPathName=f"[{datastore}]"),
            deviceChange=changes,
            extraConfig=extra,
        )
        if uuid:
            config.uuid = uuid
        pool = host.parent.resourcePool
        self.wait(self.datacenter.vmFolder.CreateVM_Task(config=config, pool=pool, host=host))
        vm = self.vm(name)
        if power_on:
            self.wait(vm.PowerOnVM_Task())
        # vcsim resets guest info on creation; its SET.guest.* rows write guest state instead.
        status = "guestToolsRunning" if tools_running else "guestToolsNotRunning"
        self.reconfigure(
            vm, extraConfig=[vim.option.OptionValue(key="SET.guest.toolsRunningStatus", value=status)]
        )
        return vm

    def wait(self, task: Any) -> Any:
        return wait_for_task(self.session, task, timeout_seconds=30, poll_seconds=0.05)

    def reconfigure(self, vm: Any, **spec: Any) -> None:
        self.wait(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(**spec)))

    def add_controller(self, vm: Any, kind: str, bus: int) -> None:
        self.reconfigure(vm, deviceChange=[controller_spec(kind, bus)])

    def snapshot(self, vm: Any, name: str) -> None:
        self.wait(
            vm.CreateSnapshot_Task(name=name, description="nightly backup", memory=False, quiesce=False)
        )

    def remove_snapshots(self, vm: Any) -> None:
        """Delete every snapshot of `vm`, as a vSphere admin does for FB006."""
        self.wait(vm.RemoveAllSnapshots_Task())

    def storage_pod(self, name: str, datastores: list[Any]) -> Any:
        pod = self.datacenter.datastoreFolder.CreateStoragePod(name=name)
        self.wait(pod.MoveIntoFolder_Task(datastores))
        return pod

    def set_storage_drs(self, pod: Any, enabled: bool) -> None:
        spec = vim.storageDrs.ConfigSpec(podConfigSpec=vim.storageDrs.PodConfigSpec(enabled=enabled))
        manager = self.content.storageResourceManager
        self.wait(manager.ConfigureStorageDrsForPod_Task(pod=pod, spec=spec, modify=True))


# --- carrying an inventory across a vcsim restart -----------------------------------------------


@dataclass(frozen=True)
class DatastoreState:
    """A datastore added through the API: vcsim serves it from a local directory, which outlives it."""

    name: str
    kind: str
    local_path: str
    remote_host: str
    remote_path: str
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class DiskState:
    """A virtual disk: its controller slot, its file (vcsim derives the disk UUID from it) and size."""

    controller: str
    bus: int
    unit: int
    file_name: str
    capacity_kb: int
    uuid: str


@dataclass(frozen=True)
class VmState:
    """What a VM is to the operator: identity, placement, hardware, power and guest state, snapshots."""

    name: str
    uuid: str
    instance_uuid: str
    vm_path: str
    host: str
    guest_id: str
    cpus: int
    memory_mb: int
    controllers: tuple[tuple[str, int], ...]
    disks: tuple[DiskState, ...]
    extra_config: tuple[tuple[str, str], ...]
    power_state: str
    tools_running_status: str
    snapshots: tuple[str, ...]


@dataclass(frozen=True)
class InventoryState:
    """The datastores and VMs of a vcsim, as `capture` read them; compared whole after a restore."""

    datastores: tuple[DatastoreState, ...]
    vms: tuple[VmState, ...]


_CONTROLLER_KINDS = {cls: kind for kind, cls in CONTROLLERS.items()}
# vcsim's own marker row; the guest.* rows it turns into guest state are read from the guest.
_NOT_CARRIED = frozenset({"govcsim"})


def _view(content: Any, kind: Any) -> list[Any]:
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.DestroyView()


def _snapshot_names(trees: Any) -> list[str]:
    names: list[str] = []
    for tree in trees or []:
        names.append(tree.name)
        names.extend(_snapshot_names(tree.childSnapshotList))
    return names


def _vm_state(vm: Any) -> VmState:
    config = vm.config
    devices = config.hardware.device
    by_key = {device.key: device for device in devices}
    controllers = sorted(
        (_CONTROLLER_KINDS[type(d)], d.busNumber) for d in devices if type(d) in _CONTROLLER_KINDS
    )
    disks = []
    for device in devices:
        if not isinstance(device, vim.vm.device.VirtualDisk):
            continue
        disk: Any = device  # the stubs type a disk's backing and unit as optional; here they are set
        controller = by_key[disk.controllerKey]
        kind = _CONTROLLER_KINDS.get(type(controller), "ide")
        disks.append(
            DiskState(
                controller=kind,
                bus=controller.busNumber,
                unit=disk.unitNumber,
                file_name=disk.backing.fileName,
                capacity_kb=disk.capacityInKB,
                uuid=disk.backing.uuid,
            )
        )
    snapshot = getattr(vm, "snapshot", None)  # unset while the VM has none
    return VmState(
        name=vm.name,
        uuid=config.uuid,
        instance_uuid=config.instanceUuid,
        vm_path=config.files.vmPathName,
        host=vm.runtime.host.name,
        guest_id=config.guestId,
        cpus=config.hardware.numCPU,
        memory_mb=config.hardware.memoryMB,
        controllers=tuple(controllers),
        disks=tuple(disks),
        extra_config=tuple(
            sorted((o.key, str(o.value)) for o in config.extraConfig if o.key not in _NOT_CARRIED)
        ),
        power_state=str(vm.runtime.powerState),
        tools_running_status=str(vm.guest.toolsRunningStatus),
        snapshots=tuple(_snapshot_names(snapshot.rootSnapshotList if snapshot else None)),
    )


def capture(session: VCenterSession) -> InventoryState:
    """Read the NAS datastores and every VM, to `restore` them in a restarted vcsim."""
    content = session.content
    # vcsim leaves a NAS datastore's own host list empty: read the mounts from the hosts' side.
    mounted_on: dict[str, list[str]] = {}
    for host in _view(content, vim.HostSystem):
        for datastore in host.datastore:
            mounted_on.setdefault(datastore.name, []).append(host.name)
    datastores = []
    for datastore in _view(content, vim.Datastore):
        info = datastore.info
        if not isinstance(info, vim.host.NasDatastoreInfo):
            continue  # the model's own local datastores: vcsim makes them again
        nas: Any = info.nas  # always set on a NAS datastore
        datastores.append(
            DatastoreState(
                name=datastore.name,
                kind=datastore.summary.type,
                local_path=info.url,
                remote_host=nas.remoteHost,
                remote_path=nas.remotePath,
                hosts=tuple(sorted(mounted_on.get(datastore.name, ()))),
            )
        )
    vms = [_vm_state(vm) for vm in _view(content, vim.VirtualMachine)]
    return InventoryState(
        datastores=tuple(sorted(datastores, key=lambda d: d.name)),
        vms=tuple(sorted(vms, key=lambda v: v.name)),
    )


def restore(session: VCenterSession, state: InventoryState) -> None:
    """Make a restarted vcsim hold `state` again: same names, UUIDs, disk files, power and guest state.

    The model's hosts, datastores and VMs come back with vcsim itself (their UUIDs derive from
    their paths), its VMs moved back to their hosts; the rest is created again at the same paths.
    Snapshots come back as a chain.
    """
    built = Inventory(session=session, workdir=Path("."))
    hosts = {host.name: host for host in _view(session.content, vim.HostSystem)}
    for datastore in state.datastores:
        for host_name in datastore.hosts:
            host = hosts[host_name]
            if any(mounted.name == datastore.name for mounted in host.datastore):
                continue
            spec = vim.host.NasVolume.Specification(
                remoteHost=datastore.remote_host,
                remotePath=datastore.remote_path,
                localPath=datastore.local_path,
                accessMode="readWrite",
                type=datastore.kind,
            )
            host.configManager.datastoreSystem.CreateNasDatastore(spec)
    local_paths = {d.name: d.local_path for d in state.datastores}
    for wanted in state.vms:
        vm = built.vm(wanted.name)
        if vm is None:
            vm = _recreate(built, hosts[wanted.host], wanted, local_paths)
        elif vm.runtime.host.name != wanted.host:
            # The model places its cluster's VMs on a host at random at each start.
            host = hosts[wanted.host]
            built.wait(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=host, pool=host.parent.resourcePool)))
        _put_back_power(built, vm, wanted.power_state)
        if str(vm.guest.toolsRunningStatus) != wanted.tools_running_status:
            built.reconfigure(
                vm,
                extraConfig=[
                    vim.option.OptionValue(
                        key="SET.guest.toolsRunningStatus", value=wanted.tools_running_status
                    )
                ],
            )


def _recreate(built: Inventory, host: Any, wanted: VmState, local_paths: dict[str, str]) -> Any:
    """The VM at its old path (so its disk files and UUIDs are the same), from a clean directory."""
    datastore, _, relative = wanted.vm_path.partition("] ")
    directory = PurePosixPath(relative).parent
    if datastore.lstrip("[") in local_paths and str(directory) not in {"", "."}:
        # The dead vcsim's files would make the new one pick another directory and disk names.
        shutil.rmtree(Path(local_paths[datastore.lstrip("[")]) / directory, ignore_errors=True)
    changes: list[Any] = []
    controller_keys: dict[tuple[str, int], int] = {("ide", 0): 200, ("ide", 1): 201}
    for kind, bus in wanted.controllers:
        change = controller_spec(kind, bus)
        controller_keys[(kind, bus)] = change.device.key
        changes.append(change)
    for disk in wanted.disks:
        change = disk_spec("", controller_keys[(disk.controller, disk.bus)], disk.unit, disk.capacity_kb)
        change.device.backing.fileName = disk.file_name
        changes.append(change)
    config = vim.vm.ConfigSpec(
        name=wanted.name,
        guestId=wanted.guest_id,
        numCPUs=wanted.cpus,
        memoryMB=wanted.memory_mb,
        uuid=wanted.uuid,
        instanceUuid=wanted.instance_uuid,
        files=vim.vm.FileInfo(vmPathName=wanted.vm_path),
        deviceChange=changes,
        extraConfig=[vim.option.OptionValue(key=k, value=v) for k, v in wanted.extra_config],
    )
    built.wait(
        built.datacenter.vmFolder.CreateVM_Task(config=config, pool=host.parent.resourcePool, host=host)
    )
    vm = built.vm(wanted.name)
    for name in wanted.snapshots:
        built.snapshot(vm, name)
    return vm


def _put_back_power(built: Inventory, vm: Any, power_state: str) -> None:
    current = str(vm.runtime.powerState)
    if current == power_state:
        return
    if power_state == "poweredOff":
        built.wait(vm.PowerOffVM_Task())
        return
    if current == "poweredOff":
        built.wait(vm.PowerOnVM_Task())
    if power_state == "suspended":
        built.wait(vm.SuspendVM_Task())
