"""The reader's calls to vCenter do not grow with the number of VMs: counted at the SOAP stub."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VMFS_DATASTORE, Inventory

from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.reader import PlanItemVm, VCenterQuery, VmRef, read_vcenter_facts

pytestmark = pytest.mark.vcsim

READ_CALLS = [
    "CreateContainerView",
    "RetrievePropertiesEx",  # the index: names, UUIDs and hosts of every VM and host
    "DestroyView",
    "RetrievePropertiesEx",  # the details of the chosen VMs, hosts, datastores, pods
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
