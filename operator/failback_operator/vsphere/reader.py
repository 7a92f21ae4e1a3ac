"""Reads every vCenter fact the rules need for one master target and its plans, in a fixed number of calls.

Two property-collector reads do the work whatever the number of VMs: an index of the inventory
(names, UUIDs, hosts: small values) through a ContainerView, then the full properties of just
the VMs, hosts, datastores and datastore clusters concerned, walked to in the same call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote

from pyVmomi import vim

from failback_operator.facts.vsphere import (
    EsxiHost,
    MasterTargetVm,
    OnPremisesVm,
    RunAsPrivileges,
    VCenterFacts,
)
from failback_operator.vsphere.collector import (
    ObjectProperties,
    PropertyRead,
    container_view,
    retrieve,
    start_at,
    traversal,
    view_objects,
)
from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.errors import VCenterNotFoundError, translate_faults
from failback_operator.vsphere.licences import assigned_host_licences, host_agent_licence
from failback_operator.vsphere.mapping import (
    StorageDrsSetting,
    disks_and_controllers,
    extra_config_value,
    flatten_snapshots,
    host_datastore,
    storage_drs_setting,
)
from failback_operator.vsphere.privileges import read_run_as_privileges

__all__ = [
    "InventoryIndex",
    "PlanItemVm",
    "Remember",
    "VCenterQuery",
    "VCenterReading",
    "VmLocation",
    "VmRef",
    "read_inventory_index",
    "read_vcenter_facts",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
# Answers shared by the reads of one vCenter for a short time: (key, how to read it) -> answer.
Remember = Callable[[Hashable, Callable[[], Any]], Any]


def _now_read(key: Hashable, read: Callable[[], T]) -> T:
    return read()


_INDEX_PATHS: Mapping[str, Sequence[str]] = {
    # The power state too: a VM powered on shows in the index's stamp (FB031), see vsphere.inventory.
    "VirtualMachine": (
        "name",
        "config.uuid",
        "config.instanceUuid",
        "runtime.host",
        "parent",
        "runtime.powerState",
    ),
    "HostSystem": ("name",),
}
_VM_PATHS = (
    "name",
    "config.uuid",
    "config.instanceUuid",
    "config.hardware.device",
    "config.hardware.memoryMB",
    "config.extraConfig",
    "config.guestId",
    "config.guestFullName",
    "guest.toolsRunningStatus",
    "guest.toolsVersionStatus2",
    "guest.guestId",
    "guest.guestFullName",
    "guest.guestFamily",
    "runtime.powerState",
    "runtime.host",
    "snapshot",
    "datastore",
    "parent",
    "resourcePool",
)
_HOST_PATHS = (
    "name",
    "summary.config.product",
    "summary.hardware.memorySize",
    "summary.quickStats.overallMemoryUsage",
    "runtime.connectionState",
    "runtime.inMaintenanceMode",
    "datastore",
    "parent",
)
_DETAIL_PATHS: Mapping[str, Sequence[str]] = {
    "VirtualMachine": _VM_PATHS,
    "HostSystem": _HOST_PATHS,
    "Datastore": ("name", "summary", "host", "parent"),
    "StoragePod": ("name", "podStorageDrsEntry.storageDrsConfig"),
    "Folder": ("name", "parent"),
    "ComputeResource": ("name", "parent"),
    "Datacenter": ("name",),
    "ResourcePool": ("name",),
    # Read here so finding the assignment manager costs no call of its own.
    "LicenseManager": ("licenseAssignmentManager", "licenses"),
}
_ENABLE_UUID_KEY = "disk.EnableUUID"


@dataclass(frozen=True, kw_only=True, slots=True)
class VmRef:
    """How a VM is named by a resource: its instance UUID (preferred, stable) or its name."""

    name: str | None = None
    instance_uuid: str | None = None

    def describe(self) -> str:
        """How to name the VM in a message."""
        return f"instance UUID {self.instance_uuid}" if self.instance_uuid else f"name {self.name!r}"


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanItemVm:
    """A protected item of a plan and the on-premises VM it came from."""

    item: str
    vm: VmRef


@dataclass(frozen=True, kw_only=True, slots=True)
class VCenterQuery:
    """What to read: the master target, the plans' items, hosts that will run VMs, the run-as account."""

    master_target: VmRef
    items: tuple[PlanItemVm, ...] = ()
    # ESXi hosts (by name) that will power the failed-back VMs on, besides the VMs' current hosts (FB044).
    failback_hosts: tuple[str, ...] = ()
    # The configuration server's run-as account, whose effective privileges FB005 checks.
    run_as_user: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VmLocation:
    """Where a VM of some name lives: its id, host and folder (for name collisions, FB043)."""

    name: str
    moref: str
    host: str | None
    folder_id: str | None


@dataclass(frozen=True, kw_only=True)
class VCenterReading:
    """The facts for the rules, plus what the adapter read that the facts models have no field for."""

    facts: VCenterFacts
    # Storage DRS of each datastore cluster holding a master target disk (detail behind FB020).
    master_target_storage_drs: tuple[StorageDrsSetting, ...] = ()
    master_target_memory_mb: int | None = None
    master_target_guest_family: str | None = None
    # Every VM in the vCenter by name, for the names reprotect would create (FB043).
    vms_by_name: Mapping[str, tuple[VmLocation, ...]] = field(default_factory=dict)
    # Why the run-as account's privileges could not be verified, when they could not (FB005).
    privileges_note: str | None = None
    # Why host licences could not be read, when they could not (FB035 then cannot pass).
    licence_note: str | None = None
    # Properties vCenter would not return ("vm-42 snapshot: NoPermission"); their facts read as unset.
    unreadable: tuple[str, ...] = ()
    api_version: str | None = None

    def vms_named(self, name: str) -> tuple[VmLocation, ...]:
        """VMs that already carry `name` anywhere in this vCenter."""
        return self.vms_by_name.get(name, ())


@dataclass(frozen=True)
class _Index:
    """The first read: every VM and host by id, with the small values used to pick the rest."""

    vms: Mapping[str, ObjectProperties]
    hosts: Mapping[str, ObjectProperties]

    def find_vm(self, ref: VmRef) -> ObjectProperties | None:
        """The one VM `ref` names; raises when a name is ambiguous rather than guessing."""
        if ref.instance_uuid:
            wanted = ref.instance_uuid.lower()
            matches = [
                vm for vm in self.vms.values() if str(vm.get("config.instanceUuid", "")).lower() == wanted
            ]
        elif ref.name:
            matches = [vm for vm in self.vms.values() if vm.get("name") == ref.name]
        else:
            raise ValueError("a VM is named by instance UUID or name")
        if len(matches) > 1:
            raise VCenterNotFoundError(
                f"{len(matches)} VMs match {ref.describe()}; name the VM by its instance UUID"
            )
        return matches[0] if matches else None

    def host_named(self, name: str) -> ObjectProperties | None:
        """The ESXi host of that name, if any."""
        return next((host for host in self.hosts.values() if host.get("name") == name), None)


# The inventory index, read once and shared by the reads of one vCenter (vsphere.inventory).
InventoryIndex = _Index


def read_inventory_index(session: VCenterSession) -> InventoryIndex:
    """Every VM and host of the vCenter with their small values, in one paged read."""
    with translate_faults(session.address, "read the inventory"):
        return _read_index(session)


def _plain_names(found: Iterable[ObjectProperties]) -> list[ObjectProperties]:
    """Entity names as people type them: vCenter sends `%`, `/` and `\\` in names as %25, %2f, %5c."""
    plain: list[ObjectProperties] = []
    for item in found:
        name = item.get("name")
        if isinstance(name, str) and "%" in name:
            item = ObjectProperties(
                obj=item.obj, values={**item.values, "name": unquote(name)}, missing=item.missing
            )
        plain.append(item)
    return plain


def _read_index(session: VCenterSession) -> _Index:
    """One ContainerView over VMs and hosts, read with one RetrievePropertiesEx (paged), then destroyed."""
    content = session.content
    view = container_view(content, ("VirtualMachine", "HostSystem"))
    try:
        found = retrieve(
            content.propertyCollector, PropertyRead(objects=[view_objects(view)], paths=_INDEX_PATHS)
        )
    finally:
        view.DestroyView()
    found = _plain_names(found)
    vms = {item.moref: item for item in found if item.kind == "VirtualMachine"}
    hosts = {item.moref: item for item in found if item.kind == "HostSystem"}
    return _Index(vms=vms, hosts=hosts)


def _read_details(
    session: VCenterSession, vms: Iterable[Any], hosts: Iterable[Any], *, licences: bool = True
) -> dict[str, ObjectProperties]:
    """One RetrievePropertiesEx for the chosen VMs and hosts, walking to datastores, pods, folders, pools
    (and the licence manager, unless `licences` is False)."""
    ds_parent = traversal("ds_parent", "Datastore", "parent")
    vm_datastores = traversal("vm_datastores", "VirtualMachine", "datastore", then=["ds_parent"])
    vm_folder = traversal("vm_folder", "VirtualMachine", "parent")
    vm_pool = traversal("vm_pool", "VirtualMachine", "resourcePool")
    host_datastores = traversal("host_datastores", "HostSystem", "datastore", then=["ds_parent"])
    # Up from a host to its datacenter: compute resource, then any depth of host folders.
    folder_up = traversal("folder_up", "Folder", "parent", then=["folder_up"])
    resource_up = traversal("resource_up", "ComputeResource", "parent", then=["folder_up"])
    host_up = traversal("host_up", "HostSystem", "parent", then=["resource_up"])
    objects = [start_at(vm, [vm_datastores, vm_folder, vm_pool, ds_parent]) for vm in vms]
    objects += [
        start_at(host, [host_datastores, ds_parent, host_up, resource_up, folder_up]) for host in hosts
    ]
    if licences:
        objects.append(start_at(session.content.licenseManager))
    if not objects:
        return {}
    found = retrieve(session.content.propertyCollector, PropertyRead(objects=objects, paths=_DETAIL_PATHS))
    return {item.moref: item for item in _plain_names(found)}


def _host_licences(
    session: VCenterSession, details: Mapping[str, ObjectProperties], host_refs: Sequence[str]
) -> tuple[Mapping[str, tuple[str | None, str | None]], str | None]:
    """Licence edition per host (vCenter's assignment manager, or the host's own licence on ESXi).

    An account that may not read licences leaves them unknown instead of failing the whole read.
    """
    manager = details.get(session.content.licenseManager._moId)
    if manager is None or not host_refs:
        return {}, None
    assignment_manager = manager.get("licenseAssignmentManager")
    if assignment_manager is None:
        return {ref: host_agent_licence(manager.get("licenses")) for ref in host_refs}, None
    try:
        return assigned_host_licences(assignment_manager, host_refs), None
    except vim.fault.NoPermission as fault:
        return (
            {},
            f"the operator's vCenter account may not read licences ({fault.privilegeId or 'NoPermission'})",
        )


def _datacenter_of(host_ref: str, details: Mapping[str, ObjectProperties]) -> ObjectProperties | None:
    """The datacenter above a host, following the `parent` values read with it."""
    current = details.get(host_ref)
    for _ in range(64):  # folders nest, but not without end
        parent = current.get("parent") if current else None
        if parent is None:
            return None
        current = details.get(parent._moId)
        if current is not None and current.kind == "Datacenter":
            return current
    return None


def _moref(obj: Any) -> str | None:
    return None if obj is None else str(obj._moId)


def _name_of(details: Mapping[str, ObjectProperties], obj: Any) -> str | None:
    ref = _moref(obj)
    item = details.get(ref) if ref else None
    return item.get("name") if item else None


def _datastore_names(details: Mapping[str, ObjectProperties]) -> dict[str, str]:
    return {ref: item.get("name") for ref, item in details.items() if item.kind == "Datastore"}


def _storage_drs(
    vm: ObjectProperties, details: Mapping[str, ObjectProperties]
) -> tuple[StorageDrsSetting, ...]:
    """Storage DRS of every datastore cluster that holds one of the VM's datastores."""
    settings: dict[str, StorageDrsSetting] = {}
    for ds in vm.get("datastore") or ():
        ds_props = details.get(ds._moId)
        parent = ds_props.get("parent") if ds_props else None
        if parent is None or parent._wsdlName != "StoragePod" or parent._moId in settings:
            continue
        pod = details.get(parent._moId)
        if pod is None:
            continue
        settings[parent._moId] = storage_drs_setting(
            pod.get("name"), pod.get("podStorageDrsEntry.storageDrsConfig"), vm.moref
        )
    return tuple(settings.values())


def _storage_drs_applies(
    vm: ObjectProperties, details: Mapping[str, ObjectProperties], drs: Sequence[StorageDrsSetting]
) -> bool | None:
    """Whether Storage DRS may move the VM's disks; None when a datastore cluster could not be read."""
    if any(setting.applies for setting in drs):
        return True
    for ds in vm.get("datastore") or ():
        parent = details[ds._moId].get("parent") if ds._moId in details else None
        if parent is not None and parent._wsdlName == "StoragePod" and parent._moId not in details:
            return None
        if ds._moId not in details:
            return None
    return False


def _master_target_vm(vm: ObjectProperties, details: Mapping[str, ObjectProperties]) -> MasterTargetVm:
    disks, controllers = disks_and_controllers(
        vm.get("config.hardware.device") or (), _datastore_names(details)
    )
    drs = _storage_drs(vm, details)
    return MasterTargetVm(
        name=vm.get("name"),
        moref=vm.moref,
        uuid=vm.get("config.uuid"),
        instance_uuid=vm.get("config.instanceUuid"),
        disks=disks,
        controllers=controllers,
        snapshots=flatten_snapshots(vm.get("snapshot")),
        enable_uuid=extra_config_value(vm.get("config.extraConfig"), _ENABLE_UUID_KEY),
        tools_running_status=vm.get("guest.toolsRunningStatus"),
        tools_version_status=vm.get("guest.toolsVersionStatus2"),
        guest_id=vm.get("config.guestId") or vm.get("guest.guestId"),
        # What the guest reports beats what was configured at creation.
        guest_full_name=vm.get("guest.guestFullName") or vm.get("config.guestFullName"),
        power_state=vm.get("runtime.powerState"),
        host=_name_of(details, vm.get("runtime.host")),
        datastores=tuple(_name_of(details, ds) or ds._moId for ds in vm.get("datastore") or ()),
        storage_drs_enabled=_storage_drs_applies(vm, details, drs),
        folder=_name_of(details, vm.get("parent")),
        resource_pool=_name_of(details, vm.get("resourcePool")),
    )


def _on_premises_vm(
    item: PlanItemVm, vm: ObjectProperties | None, details: Mapping[str, ObjectProperties]
) -> OnPremisesVm:
    if vm is None:
        return OnPremisesVm(item=item.item, exists=False, name=item.vm.name)
    disks, _ = disks_and_controllers(vm.get("config.hardware.device") or (), _datastore_names(details))
    return OnPremisesVm(
        item=item.item,
        exists=True,
        name=vm.get("name"),
        moref=vm.moref,
        uuid=vm.get("config.uuid"),
        instance_uuid=vm.get("config.instanceUuid"),
        disk_backing_uuids=tuple(disk.backing_uuid for disk in disks if disk.backing_uuid),
        power_state=vm.get("runtime.powerState"),
        snapshots=flatten_snapshots(vm.get("snapshot")),
        datastores=tuple(_name_of(details, ds) or ds._moId for ds in vm.get("datastore") or ()),
        memory_mb=vm.get("config.hardware.memoryMB"),
        host=_name_of(details, vm.get("runtime.host")),
    )


def _esxi_host(
    host: ObjectProperties,
    details: Mapping[str, ObjectProperties],
    index: _Index,
    licences: Mapping[str, tuple[str | None, str | None]],
) -> EsxiHost:
    product = host.get("summary.config.product")
    usage_mb = host.get("summary.quickStats.overallMemoryUsage")
    edition, licence_name = licences.get(host.moref, (None, None))
    datastores = tuple(
        host_datastore(details[ds._moId], host.moref)
        for ds in host.get("datastore") or ()
        if ds._moId in details
    )
    vm_names = tuple(
        sorted(
            vm.get("name")
            for vm in index.vms.values()
            if vm.get("name") and _moref(vm.get("runtime.host")) == host.moref
        )
    )
    return EsxiHost(
        name=host.get("name"),
        moref=host.moref,
        product_line_id=getattr(product, "productLineId", None),
        product_name=getattr(product, "name", None),
        version=getattr(product, "version", None),
        build=getattr(product, "build", None),
        licence_edition_key=edition,
        licence_name=licence_name,
        datastores=datastores,
        memory_bytes=host.get("summary.hardware.memorySize"),
        memory_usage_bytes=None if usage_mb is None else usage_mb * 1024 * 1024,
        connection_state=host.get("runtime.connectionState"),
        in_maintenance_mode=host.get("runtime.inMaintenanceMode"),
        vm_names=vm_names,
    )


def _vms_by_name(index: _Index) -> dict[str, tuple[VmLocation, ...]]:
    by_name: dict[str, list[VmLocation]] = {}
    for vm in index.vms.values():
        if not vm.get("name"):
            continue
        host = index.hosts.get(_moref(vm.get("runtime.host")) or "")
        by_name.setdefault(vm.get("name"), []).append(
            VmLocation(
                name=vm.get("name"),
                moref=vm.moref,
                host=host.get("name") if host else None,
                folder_id=_moref(vm.get("parent")),
            )
        )
    return {name: tuple(locations) for name, locations in by_name.items()}


def _names_at_target(index: _Index, master_target: ObjectProperties) -> frozenset[str]:
    """Names already taken where reprotect creates a VM: on the master target's host and in its folder."""
    host = _moref(master_target.get("runtime.host"))
    folder = _moref(master_target.get("parent"))
    return frozenset(
        vm.get("name")
        for vm in index.vms.values()
        if vm.get("name")
        and (
            (host is not None and _moref(vm.get("runtime.host")) == host)
            or (folder is not None and _moref(vm.get("parent")) == folder)
        )
    )


def _run_as_entities(
    session: VCenterSession, master_target: ObjectProperties | None, details: Mapping[str, ObjectProperties]
) -> list[tuple[str, Any]]:
    """Where FB005 looks: the master target's datacenter, the master target, its host and datastores.

    The Site Recovery role is granted on the datacenter (propagated); reprotect then works on the
    master target, its host and the host's datastores.
    """
    host_ref = _moref(master_target.get("runtime.host")) if master_target else None
    datacenter = _datacenter_of(host_ref, details) if host_ref else None
    entities: list[tuple[str, Any]] = (
        [(f"Datacenter:{datacenter.get('name')}", datacenter.obj)]
        if datacenter is not None
        else [("Folder:root", session.content.rootFolder)]
    )
    if master_target is None:
        return entities
    entities.append((f"VirtualMachine:{master_target.get('name')}", master_target.obj))
    host = details.get(host_ref) if host_ref else None
    if host is not None:
        entities.append((f"HostSystem:{host.get('name')}", host.obj))
        entities += [
            (f"Datastore:{details[ds._moId].get('name')}", ds)
            for ds in host.get("datastore") or ()
            if ds._moId in details
        ]
    return entities


def read_vcenter_facts(
    session: VCenterSession,
    query: VCenterQuery,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    index: InventoryIndex | None = None,
    remember: Remember = _now_read,
) -> VCenterReading:
    """Everything the rules need about one master target and its plans' VMs, hosts and run-as account.

    `index`: the inventory index when it was read already (shared by the reads of one vCenter).
    `remember`: shares the answers that are the same for every plan of a master target (the hosts'
    licences, the run-as account's privileges) between the reads of one vCenter.
    """
    observed_at = now()
    with translate_faults(session.address, "read the inventory"):
        index = index if index is not None else _read_index(session)
        master_target = index.find_vm(query.master_target)
        item_vms = [(item, index.find_vm(item.vm)) for item in query.items]
        chosen_vms = {vm.moref: vm for vm in [master_target, *(vm for _, vm in item_vms)] if vm is not None}
        host_refs = {
            ref: index.hosts[ref]
            for ref in (_moref(vm.get("runtime.host")) for vm in chosen_vms.values())
            if ref is not None and ref in index.hosts
        }
        for name in query.failback_hosts:
            host = index.host_named(name)
            if host is None:
                raise VCenterNotFoundError(f"vCenter {session.address} has no ESXi host named {name!r}")
            host_refs[host.moref] = host
        # The master target (its many disks the largest part), the failback hosts and the master
        # target's host are the same for every plan of a master target: shared like the licences.
        shared_hosts = {
            ref: host
            for ref, host in host_refs.items()
            if ref == (_moref(master_target.get("runtime.host")) if master_target else None)
            or host.get("name") in query.failback_hosts
        }
        shared: Mapping[str, ObjectProperties] = remember(
            ("details", master_target.moref if master_target else None, tuple(sorted(shared_hosts))),
            lambda: _read_details(
                session,
                [master_target.obj] if master_target else [],
                [host.obj for host in shared_hosts.values()],
            ),
        )
        own_vms = [
            vm.obj for ref, vm in chosen_vms.items() if master_target is None or ref != master_target.moref
        ]
        own_hosts = [host.obj for ref, host in host_refs.items() if ref not in shared_hosts]
        details = {**shared, **_read_details(session, own_vms, own_hosts, licences=False)}
        licences, licence_note = remember(
            ("licences", tuple(sorted(host_refs))), lambda: _host_licences(session, details, list(host_refs))
        )

    hosts = {ref: _esxi_host(details[ref], details, index, licences) for ref in host_refs if ref in details}
    mt_details = details.get(master_target.moref) if master_target else None
    mt_vm = _master_target_vm(mt_details, details) if mt_details else None
    mt_host_ref = _moref(mt_details.get("runtime.host")) if mt_details else None
    on_premises = tuple(
        _on_premises_vm(item, details.get(vm.moref) if vm else None, details) for item, vm in item_vms
    )

    privileges: tuple[RunAsPrivileges, ...] = ()
    privileges_note = None
    if query.run_as_user:
        entities = _run_as_entities(session, mt_details, details)
        with translate_faults(session.address, "read the run-as account's privileges"):
            user = query.run_as_user
            privileges, privileges_note = remember(
                ("privileges", user, tuple(name for name, _ in entities)),
                lambda: read_run_as_privileges(session, user, entities),
            )

    log.debug(
        "read %d of %d VMs and %d hosts from vCenter %s",
        len(chosen_vms),
        len(index.vms),
        len(host_refs),
        session.address,
    )
    about = session.content.about
    facts = VCenterFacts(
        vcenter=session.address,
        observed_at=observed_at,
        version=about.version,
        master_target_vm=mt_vm,
        master_target_host=hosts.get(mt_host_ref) if mt_host_ref else None,
        hosts=tuple(host for ref, host in hosts.items() if ref != mt_host_ref),
        on_premises_vms=on_premises,
        vm_names_at_target=_names_at_target(index, master_target) if master_target else frozenset(),
        run_as_privileges=privileges,
    )
    return VCenterReading(
        facts=facts,
        master_target_storage_drs=_storage_drs(mt_details, details) if mt_details else (),
        master_target_memory_mb=mt_details.get("config.hardware.memoryMB") if mt_details else None,
        master_target_guest_family=mt_details.get("guest.guestFamily") if mt_details else None,
        vms_by_name=_vms_by_name(index),
        privileges_note=privileges_note,
        licence_note=licence_note,
        unreadable=tuple(
            f"{item.kind} {item.get('name') or item.moref} {path}: {fault}"
            for item in details.values()
            if item.kind in ("VirtualMachine", "HostSystem")
            for path, fault in sorted(item.missing.items())
        ),
        api_version=about.apiVersion,
    )
