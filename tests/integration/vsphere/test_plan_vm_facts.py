"""The on-premises VMs behind a plan, names reprotect would take, failback hosts, the run-as account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pyVmomi import vim
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VMFS_DATASTORE, Inventory

from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.errors import VCenterNotFoundError
from failback_operator.vsphere.reader import PlanItemVm, VCenterQuery, VmRef, read_vcenter_facts

pytestmark = pytest.mark.vcsim


def test_uuid_shared_with_protected_vm_fb001(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    protected = inventory.create_vm(f"app-{unique}", host=host, datastore=VMFS_DATASTORE, power_on=False)
    # Both cloned from one template: the master target carries the protected VM's BIOS UUID.
    inventory.create_vm(f"mt-clone-{unique}", host=host, datastore=VMFS_DATASTORE, uuid=protected.config.uuid)

    facts = read_vcenter_facts(
        session,
        VCenterQuery(
            master_target=VmRef(name=f"mt-clone-{unique}"),
            items=(PlanItemVm(item="app", vm=VmRef(instance_uuid=protected.config.instanceUuid)),),
        ),
    ).facts

    assert facts.master_target_vm is not None
    (vm,) = facts.on_premises_vms
    assert vm.exists
    assert vm.name == f"app-{unique}"
    assert facts.master_target_vm.uuid == vm.uuid == protected.config.uuid
    assert facts.master_target_vm.instance_uuid != vm.instance_uuid
    mt_disk_uuids = {disk.backing_uuid for disk in facts.master_target_vm.disks}
    assert vm.disk_backing_uuids
    assert not mt_disk_uuids & set(vm.disk_backing_uuids)


def test_on_premises_vms_existing_powered_on_and_gone_fb031(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.create_vm(f"mt-{unique}", host=host, datastore=VMFS_DATASTORE)
    running = inventory.create_vm(
        f"db-{unique}", host=host, datastore=VMFS_DATASTORE, disks=2, memory_mb=8192, power_on=True
    )
    inventory.snapshot(running, "before-failover")
    inventory.create_vm(f"web-{unique}", host=host, datastore=VMFS_DATASTORE, power_on=False)

    facts = read_vcenter_facts(
        session,
        VCenterQuery(
            master_target=VmRef(name=f"mt-{unique}"),
            items=(
                PlanItemVm(item="db", vm=VmRef(name=f"db-{unique}")),
                PlanItemVm(item="web", vm=VmRef(name=f"web-{unique}")),
                PlanItemVm(item="gone", vm=VmRef(name=f"gone-{unique}")),
            ),
        ),
    ).facts

    db, web, gone = facts.on_premises_vms
    assert (db.item, db.exists, db.power_state) == ("db", True, "poweredOn")
    assert (web.item, web.exists, web.power_state) == ("web", True, "poweredOff")
    assert (gone.item, gone.exists, gone.name) == ("gone", False, f"gone-{unique}")
    assert db.memory_mb == 8192
    assert len(db.disk_backing_uuids) == 2
    assert db.datastores == (VMFS_DATASTORE,)
    assert db.host == MASTER_TARGET_HOST
    assert tuple(snapshot.name for snapshot in db.snapshots) == ("before-failover",)
    assert web.snapshots == ()


def test_name_collision_where_reprotect_creates_a_vm_fb043(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.create_vm(f"mt-{unique}", host=host, datastore=VMFS_DATASTORE)
    inventory.create_vm(f"erp-{unique}", host=host, datastore=VMFS_DATASTORE, power_on=False)

    reading = read_vcenter_facts(
        session,
        VCenterQuery(
            master_target=VmRef(name=f"mt-{unique}"),
            # The item's VM is gone from where it was, but a VM of its name sits on the master target's host.
            items=(PlanItemVm(item="erp", vm=VmRef(instance_uuid="00000000-0000-0000-0000-00000000e7e7")),),
        ),
    )

    assert reading.facts.on_premises_vms[0].exists is False
    assert f"erp-{unique}" in reading.facts.vm_names_at_target
    assert f"crm-{unique}" not in reading.facts.vm_names_at_target
    (location,) = reading.vms_named(f"erp-{unique}")
    assert location.host == MASTER_TARGET_HOST
    assert reading.vms_named(f"crm-{unique}") == ()


def test_free_memory_of_failback_host_fb044(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    inventory.create_vm(f"mt-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE)

    facts = read_vcenter_facts(
        session, VCenterQuery(master_target=VmRef(name=f"mt-{unique}"), failback_hosts=("DC0_C0_H1",))
    ).facts

    (other,) = facts.hosts
    assert other.name == "DC0_C0_H1"
    assert other.memory_bytes
    assert other.memory_usage_bytes is not None
    assert other.free_memory_bytes == other.memory_bytes - other.memory_usage_bytes
    assert other.product_line_id == "embeddedEsx"


def test_unknown_failback_host_is_not_found(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    inventory.create_vm(f"mt-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE)

    with pytest.raises(VCenterNotFoundError, match="no ESXi host named 'esx-nowhere'"):
        read_vcenter_facts(
            session, VCenterQuery(master_target=VmRef(name=f"mt-{unique}"), failback_hosts=("esx-nowhere",))
        )


def test_ambiguous_vm_name_is_refused(session: VCenterSession, inventory: Inventory, unique: str) -> None:
    inventory.create_vm(f"mt-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE)
    other_host = inventory.standalone_host(f"esx-dup-{unique}.example")
    inventory.nas_datastore(other_host, f"dup-{unique}", "VMFS")
    folder = inventory.content.rootFolder.childEntity[0].vmFolder.CreateFolder(f"other-{unique}")
    # A second VM of the master target's name, in another folder.
    inventory.wait(
        folder.CreateVM_Task(
            config=vim.vm.ConfigSpec(
                name=f"mt-{unique}",
                guestId="otherGuest",
                files=vim.vm.FileInfo(vmPathName=f"[dup-{unique}]"),
            ),
            pool=other_host.parent.resourcePool,
            host=other_host,
        )
    )

    with pytest.raises(VCenterNotFoundError, match="2 VMs match name"):
        read_vcenter_facts(session, VCenterQuery(master_target=VmRef(name=f"mt-{unique}")))


def test_missing_master_target_reads_as_absent(session: VCenterSession, inventory: Inventory) -> None:
    observed = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)

    facts = read_vcenter_facts(
        session, VCenterQuery(master_target=VmRef(name="no-such-master-target")), now=lambda: observed
    ).facts

    assert facts.master_target_vm is None
    assert facts.master_target_host is None
    assert facts.observed_at == observed
    assert facts.version == "6.5.0"  # what vcsim's about.version says


def test_vcsim_privileges_are_reported_unverifiable_fb005(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    inventory.create_vm(f"mt-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE)

    reading = read_vcenter_facts(
        session, VCenterQuery(master_target=VmRef(name=f"mt-{unique}"), run_as_user="readonly-discovery")
    )

    privileges = reading.facts.run_as_privileges
    assert [p.entity for p in privileges][:3] == [
        "Datacenter:DC0",
        f"VirtualMachine:mt-{unique}",
        f"HostSystem:{MASTER_TARGET_HOST}",
    ]
    assert f"Datastore:{VMFS_DATASTORE}" in {p.entity for p in privileges}
    # vcsim grants the Admin role to any user name, so nothing it says about the account counts.
    assert all(p.checked is False for p in privileges)
    assert all(p.privileges == frozenset() for p in privileges)
    assert reading.privileges_note is not None
    assert "does not exist" in reading.privileges_note


def test_host_licence_is_read_from_assignment_manager_fb035(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    inventory.create_vm(f"mt-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE)

    facts = read_vcenter_facts(session, VCenterQuery(master_target=VmRef(name=f"mt-{unique}"))).facts

    host = facts.master_target_host
    assert host is not None
    # vcsim assigns its evaluation licence to every host; the free edition is covered by unit tests.
    assert (host.licence_edition_key, host.licence_name) == ("eval", "Evaluation Mode")


def test_names_at_target_cover_the_master_target_host_and_folder_only_fb043(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    mt_host = inventory.host(MASTER_TARGET_HOST)
    inventory.create_vm(f"mt-{unique}", host=mt_host, datastore=VMFS_DATASTORE)
    other_host = inventory.standalone_host(f"esx-far-{unique}.example")
    inventory.nas_datastore(other_host, f"far-{unique}", "VMFS")
    inventory.create_vm(f"same-folder-{unique}", host=other_host, datastore=f"far-{unique}", power_on=False)
    elsewhere = inventory.datacenter.vmFolder.CreateFolder(f"elsewhere-{unique}")
    inventory.wait(
        elsewhere.CreateVM_Task(
            config=vim.vm.ConfigSpec(
                name=f"far-away-{unique}",
                guestId="otherGuest",
                files=vim.vm.FileInfo(vmPathName=f"[far-{unique}]"),
            ),
            pool=other_host.parent.resourcePool,
            host=other_host,
        )
    )

    names = read_vcenter_facts(
        session, VCenterQuery(master_target=VmRef(name=f"mt-{unique}"))
    ).facts.vm_names_at_target

    # vCenter refuses a duplicate name within a folder, ESXi within a host: both places count.
    assert f"same-folder-{unique}" in names
    assert f"far-away-{unique}" not in names
    assert f"mt-{unique}" in names


def test_names_with_percent_read_as_typed(session: VCenterSession, inventory: Inventory, unique: str) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.create_vm(f"mt-{unique}", host=host, datastore=VMFS_DATASTORE)
    # vCenter stores "%" (and "/", "\\") in names escaped, as %25; plans name VMs as people type them.
    # (vcsim cannot create a disk in the escaped directory, so this VM has none.)
    inventory.create_vm(
        f"sap prd 100%-{unique}", host=host, datastore=VMFS_DATASTORE, disks=0, power_on=False
    )

    reading = read_vcenter_facts(
        session,
        VCenterQuery(
            master_target=VmRef(name=f"mt-{unique}"),
            items=(PlanItemVm(item="sap", vm=VmRef(name=f"sap prd 100%-{unique}")),),
        ),
    )

    (vm,) = reading.facts.on_premises_vms
    assert vm.exists
    assert vm.name == f"sap prd 100%-{unique}"
    assert f"sap prd 100%-{unique}" in reading.facts.vm_names_at_target
