"""Master targets built in vcsim that break one rule at a time: the adapter reads exactly the broken fact."""

from __future__ import annotations

from typing import Any

import pytest
from pyVmomi import vim
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VMFS_DATASTORE, Inventory

from failback_operator.facts.vsphere import ScsiControllerKind, VCenterFacts
from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.errors import VCenterNotFoundError
from failback_operator.vsphere.reader import (
    PlanItemVm,
    VCenterQuery,
    VCenterReading,
    VmRef,
    read_vcenter_facts,
)
from failback_operator.vsphere.remediation import enable_disk_uuid

pytestmark = pytest.mark.vcsim


def read(session: VCenterSession, master_target: str, items: tuple[str, ...] = ()) -> VCenterReading:
    query = VCenterQuery(
        master_target=VmRef(name=master_target),
        items=tuple(PlanItemVm(item=f"item-{name}", vm=VmRef(name=name)) for name in items),
    )
    return read_vcenter_facts(session, query)


def rule_facts(facts: VCenterFacts) -> dict[str, Any]:
    """The master target facts the rules judge, without identities that differ from VM to VM."""
    vm = facts.master_target_vm
    host = facts.master_target_host
    assert vm is not None
    assert host is not None
    return {
        "snapshots (FB006)": tuple(snapshot.name for snapshot in vm.snapshots),
        "storage drs (FB020)": vm.storage_drs_enabled,
        "tools (FB023)": vm.tools_running_status,
        "enable uuid (FB024)": vm.enable_uuid,
        "datastore types (FB025)": sorted({ds.type or "" for ds in host.datastores}),
        "controllers (FB026)": tuple(controller.kind for controller in vm.controllers),
        "disks (FB027)": len(vm.disks),
        "product (FB038)": host.product_line_id,
        "licence (FB035)": host.licence_edition_key,
    }


CLEAN = {
    "snapshots (FB006)": (),
    "storage drs (FB020)": False,
    "tools (FB023)": "guestToolsRunning",
    "enable uuid (FB024)": "TRUE",
    "datastore types (FB025)": ["OTHER", "VMFS"],
    "controllers (FB026)": (ScsiControllerKind.LSI_LOGIC,),
    "disks (FB027)": 1,
    "product (FB038)": "embeddedEsx",
    "licence (FB035)": "eval",
}


def master_target(inventory: Inventory, name: str, **options: Any) -> Any:
    return inventory.create_vm(
        name, host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE, **options
    )


def test_clean_master_target_reads_every_fact(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    vm = master_target(inventory, f"mt-clean-{unique}")

    reading = read(session, f"mt-clean-{unique}")

    facts = reading.facts
    assert rule_facts(facts) == CLEAN
    mt = facts.master_target_vm
    assert mt is not None
    assert mt.uuid == vm.config.uuid
    assert mt.instance_uuid == vm.config.instanceUuid
    assert mt.guest_id == "windows2019srv_64Guest"
    assert mt.power_state == "poweredOn"
    assert mt.host == MASTER_TARGET_HOST
    assert mt.datastores == (VMFS_DATASTORE,)
    disk = mt.disks[0]
    assert disk.backing_uuid
    assert disk.datastore == VMFS_DATASTORE
    assert disk.file_name
    assert disk.file_name.startswith(f"[{VMFS_DATASTORE}] ")
    assert (disk.controller_key, disk.unit_number) == (mt.controllers[0].key, 0)
    assert mt.disk_placements[0].datastore == VMFS_DATASTORE
    host = facts.master_target_host
    assert host is not None
    assert host.name == MASTER_TARGET_HOST
    assert host.version
    assert host.free_memory_bytes
    assert f"mt-clean-{unique}" in host.vm_names
    vmfs = next(ds for ds in host.datastores if ds.name == VMFS_DATASTORE)
    assert vmfs.type == "VMFS"
    assert vmfs.accessible is True
    assert reading.master_target_memory_mb == 4096
    assert reading.unreadable == ()


def test_snapshot_on_master_target_fb006(session: VCenterSession, inventory: Inventory, unique: str) -> None:
    vm = master_target(inventory, f"mt-snap-{unique}")
    inventory.snapshot(vm, "veeam-nightly")
    inventory.snapshot(vm, "veeam-nightly-2")

    facts = read(session, f"mt-snap-{unique}").facts

    assert rule_facts(facts) == {**CLEAN, "snapshots (FB006)": ("veeam-nightly", "veeam-nightly-2")}
    assert facts.master_target_vm is not None
    assert all(snapshot.created is not None for snapshot in facts.master_target_vm.snapshots)


def test_pvscsi_controller_fb026(session: VCenterSession, inventory: Inventory, unique: str) -> None:
    vm = master_target(inventory, f"mt-pvscsi-{unique}")
    inventory.add_controller(vm, "pvscsi", bus=1)

    facts = read(session, f"mt-pvscsi-{unique}").facts

    assert rule_facts(facts) == {
        **CLEAN,
        "controllers (FB026)": (ScsiControllerKind.LSI_LOGIC, ScsiControllerKind.PARAVIRTUAL),
    }


@pytest.mark.parametrize(("kind", "expected"), [("lsilogic-sas", "lsilogic-sas"), ("buslogic", "buslogic")])
def test_controller_kinds_fb026(
    session: VCenterSession, inventory: Inventory, unique: str, kind: str, expected: str
) -> None:
    master_target(inventory, f"mt-{kind}-{unique}", controller=kind)

    facts = read(session, f"mt-{kind}-{unique}").facts

    assert rule_facts(facts) == {**CLEAN, "controllers (FB026)": (ScsiControllerKind(expected),)}


def test_missing_enable_uuid_then_remediation_fb024(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    master_target(inventory, f"mt-nouuid-{unique}", enable_uuid=None)

    before = read(session, f"mt-nouuid-{unique}").facts
    assert rule_facts(before) == {**CLEAN, "enable uuid (FB024)": None}
    assert before.master_target_vm is not None
    assert before.master_target_vm.moref

    enable_disk_uuid(session, before.master_target_vm.moref, timeout_seconds=30)

    after = read(session, f"mt-nouuid-{unique}").facts
    assert rule_facts(after) == CLEAN


def test_enable_uuid_false_is_read_as_written_fb024(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    master_target(inventory, f"mt-uuidfalse-{unique}", enable_uuid="FALSE")

    facts = read(session, f"mt-uuidfalse-{unique}").facts

    assert rule_facts(facts) == {**CLEAN, "enable uuid (FB024)": "FALSE"}


def test_tools_not_running_fb023(session: VCenterSession, inventory: Inventory, unique: str) -> None:
    master_target(inventory, f"mt-notools-{unique}", tools_running=False)

    facts = read(session, f"mt-notools-{unique}").facts

    assert rule_facts(facts) == {**CLEAN, "tools (FB023)": "guestToolsNotRunning"}


def test_host_with_only_nfs_datastores_fb025(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    host = inventory.standalone_host(f"esx-nfs-{unique}.example")
    inventory.nas_datastore(host, f"nfs-a-{unique}", "NFS")
    inventory.nas_datastore(host, f"nfs-b-{unique}", "NFS41")
    inventory.create_vm(f"mt-nfs-{unique}", host=host, datastore=f"nfs-a-{unique}")

    facts = read(session, f"mt-nfs-{unique}").facts

    assert rule_facts(facts) == {**CLEAN, "datastore types (FB025)": ["NFS", "NFS41"]}
    assert facts.master_target_host is not None
    assert facts.master_target_host.name == f"esx-nfs-{unique}.example"


def test_vsan_datastore_type_is_read_fb025(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    host = inventory.standalone_host(f"esx-vsan-{unique}.example")
    inventory.nas_datastore(host, f"vsan-{unique}", "vsan")
    inventory.create_vm(f"mt-vsan-{unique}", host=host, datastore=f"vsan-{unique}")

    facts = read(session, f"mt-vsan-{unique}").facts

    assert rule_facts(facts) == {**CLEAN, "datastore types (FB025)": ["vsan"]}


def test_sixty_one_disks_across_controllers_fb027(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    master_target(inventory, f"mt-disks-{unique}", disks=61)

    facts = read(session, f"mt-disks-{unique}").facts

    assert rule_facts(facts) == {
        **CLEAN,
        "disks (FB027)": 61,
        "controllers (FB026)": (ScsiControllerKind.LSI_LOGIC,) * 4,
    }
    vm = facts.master_target_vm
    assert vm is not None
    slots = {(disk.controller_key, disk.unit_number) for disk in vm.disks}
    assert len(slots) == 61
    scsi_keys = {controller.key for controller in vm.controllers}
    assert sum(disk.controller_key in scsi_keys for disk in vm.disks) == 60
    assert len({disk.backing_uuid for disk in vm.disks}) == 61


def test_storage_drs_exposure_fb020(session: VCenterSession, inventory: Inventory, unique: str) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    datastore = inventory.nas_datastore(host, f"sdrs-{unique}", "VMFS")
    inventory.create_vm(f"mt-sdrs-{unique}", host=host, datastore=f"sdrs-{unique}")
    pod = inventory.storage_pod(f"pod-{unique}", [datastore])

    exposed = read(session, f"mt-sdrs-{unique}")

    assert exposed.facts.master_target_vm is not None
    assert exposed.facts.master_target_vm.storage_drs_enabled is True
    (setting,) = exposed.master_target_storage_drs
    assert (setting.pod, setting.pod_enabled, setting.vm_override_enabled) == (f"pod-{unique}", True, None)

    inventory.set_storage_drs(pod, enabled=False)

    excluded = read(session, f"mt-sdrs-{unique}")
    assert excluded.facts.master_target_vm is not None
    assert excluded.facts.master_target_vm.storage_drs_enabled is False
    assert excluded.master_target_storage_drs[0].pod_enabled is False


def test_storage_vmotion_changes_vm_datastores_fb020(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.nas_datastore(host, f"target-{unique}", "VMFS")
    vm = master_target(inventory, f"mt-moved-{unique}", power_on=False)
    before = read(session, f"mt-moved-{unique}").facts.master_target_vm
    assert before is not None

    target = next(ds for ds in host.datastore if ds.name == f"target-{unique}")
    inventory.wait(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(datastore=target)))

    after = read(session, f"mt-moved-{unique}").facts.master_target_vm
    assert after is not None
    assert before.datastores == (VMFS_DATASTORE,)
    assert after.datastores == (f"target-{unique}",)
    # vcsim's RelocateVM moves the VM's datastore list but not the disk backings, so per-disk
    # drift is judged by the rules' unit tests on recorded placements.
    assert [p.disk for p in after.disk_placements] == [p.disk for p in before.disk_placements]


def test_remediation_of_a_deleted_vm_is_not_found_fb024(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    vm = master_target(inventory, f"mt-deleted-{unique}", enable_uuid=None, power_on=False)
    moref = vm._moId
    inventory.wait(vm.Destroy_Task())

    with pytest.raises(VCenterNotFoundError):
        enable_disk_uuid(session, moref, timeout_seconds=10)
