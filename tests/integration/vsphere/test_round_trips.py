"""The reader's calls to vCenter do not grow with the number of VMs: counted at the SOAP stub."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VMFS_DATASTORE, Inventory

from failback_operator.vsphere import SharedInventory
from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.reader import PlanItemVm, VCenterQuery, VmRef, read_vcenter_facts

pytestmark = pytest.mark.vcsim

READ_CALLS = [
    "CreateContainerView",
    "RetrievePropertiesEx",  # the index: names, UUIDs and hosts of every VM and host
    "DestroyView",
    "RetrievePropertiesEx",  # the master target's details and its host's, shared by its plans
    "RetrievePropertiesEx",  # the details of the plan's own VMs, hosts, datastores, pods
    "QueryAssignedLicenses",
]
PRIVILEGE_CALLS = ["FetchUserPrivilegeOnEntities", "FetchUserPrivilegeOnEntities"]


@pytest.fixture
def soap_calls(session: VCenterSession) -> Iterator[list[str]]:
    """Every SOAP request the session's stub sends, by method name, in order.

    Property access (`vm.name`) goes through the same entry point as a `Fetch` request.
    """
    stub = session.service_instance._stub
    calls: list[str] = []
    invoke_method = stub.InvokeMethod

    def counted(mo: Any, info: Any, args: Any) -> Any:
        calls.append(info.wsdlName)
        return invoke_method(mo, info, args)

    stub.InvokeMethod = counted
    yield calls
    del stub.InvokeMethod


def test_reading_one_or_twenty_plan_vms_takes_the_same_calls(
    session: VCenterSession, inventory: Inventory, unique: str, soap_calls: list[str]
) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.create_vm(f"mt-{unique}", host=host, datastore=VMFS_DATASTORE)
    names = [f"item{n:02d}-{unique}" for n in range(20)]
    for name in names:
        inventory.create_vm(name, host=host, datastore=VMFS_DATASTORE, power_on=False)

    def read(count: int) -> list[str]:
        soap_calls.clear()
        query = VCenterQuery(
            master_target=VmRef(name=f"mt-{unique}"),
            items=tuple(PlanItemVm(item=name, vm=VmRef(name=name)) for name in names[:count]),
            run_as_user="discovery",
        )
        reading = read_vcenter_facts(session, query)
        assert len(reading.facts.on_premises_vms) == count
        assert all(vm.exists and vm.disk_backing_uuids for vm in reading.facts.on_premises_vms)
        return list(soap_calls)

    one, twenty = read(1), read(20)

    assert one == READ_CALLS + PRIVILEGE_CALLS
    assert twenty == one


def test_attribute_walking_would_cost_a_call_per_property(
    session: VCenterSession, inventory: Inventory, unique: str, soap_calls: list[str]
) -> None:
    """The counter sees property reads too, so the test above would catch a reader that walks attributes."""
    vm = inventory.create_vm(
        f"walk-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE
    )
    soap_calls.clear()

    _ = (vm.name, vm.config.uuid, vm.runtime.powerState)

    assert soap_calls == ["Fetch", "Fetch", "Fetch"]


def test_the_plans_of_one_master_target_share_its_details(
    session: VCenterSession, inventory: Inventory, unique: str, soap_calls: list[str]
) -> None:
    """A master target with many disks is the largest part of a read: read once per period, not per plan."""
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.create_vm(f"mt-{unique}", host=host, datastore=VMFS_DATASTORE)
    for name in ("a", "b"):
        inventory.create_vm(f"{name}-{unique}", host=host, datastore=VMFS_DATASTORE, power_on=False)
    shared = SharedInventory(ttl_seconds=3600)

    def read(name: str) -> list[str]:
        soap_calls.clear()
        query = VCenterQuery(
            master_target=VmRef(name=f"mt-{unique}"),
            items=(PlanItemVm(item=name, vm=VmRef(name=f"{name}-{unique}")),),
            run_as_user="discovery",
        )
        reading = read_vcenter_facts(
            session,
            query,
            index=shared.index("vcsim", session),  # type: ignore[arg-type]
            remember=lambda key, answer: shared.remembered("vcsim", key, answer),  # type: ignore[arg-type]
        )
        assert reading.facts.master_target_vm is not None
        assert reading.facts.master_target_host is not None
        assert [vm.exists for vm in reading.facts.on_premises_vms] == [True]
        return list(soap_calls)

    stub = session.service_instance._stub
    counted = stub.InvokeMethod  # the fixture's counter
    started_at: list[list[str]] = []

    def starting_objects(mo: Any, info: Any, args: Any) -> Any:
        if info.wsdlName == "RetrievePropertiesEx":
            started_at.append([spec.obj._moId for specs in args[0] for spec in specs.objectSet])
        return counted(mo, info, args)

    stub.InvokeMethod = starting_objects
    first = read("a")
    assert first.count("RetrievePropertiesEx") == 3  # the index, the master target's part, the plan's
    started_at.clear()
    assert read("b") == ["RetrievePropertiesEx"]  # another plan's look: its own VM only
    plan_vm = inventory.vm(f"b-{unique}")
    assert started_at == [[plan_vm._moId]], started_at
