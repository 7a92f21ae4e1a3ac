"""Builds master targets, plan VMs, hosts and datastores in vcsim with plain pyvmomi calls (tests, demo)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyVmomi import vim

from failback_operator.vsphere import VCenterSession, wait_for_task

__all__ = [
    "CONTROLLERS",
    "MASTER_TARGET_HOST",
    "SCSI_UNITS",
    "VCSIM_MODEL",
    "VMFS_DATASTORE",
    "Inventory",
    "controller_spec",
    "disk_spec",
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
