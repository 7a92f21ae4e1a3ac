"""The property collector plumbing on vcsim: paging, vanished objects, unset properties."""

from __future__ import annotations

from typing import Any

import pytest
from pyVmomi import vim
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VMFS_DATASTORE, Inventory

from failback_operator.vsphere.collector import PropertyRead, container_view, retrieve, start_at, view_objects
from failback_operator.vsphere.connection import VCenterSession

pytestmark = pytest.mark.vcsim


def test_paged_read_returns_every_object_once(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    for n in range(4):
        inventory.create_vm(
            f"page{n}-{unique}",
            host=inventory.host(MASTER_TARGET_HOST),
            datastore=VMFS_DATASTORE,
            power_on=False,
        )
    content = session.content
    view = container_view(content, ("VirtualMachine",))
    calls: list[str] = []
    collector = content.propertyCollector
    stub = session.service_instance._stub
    invoke = stub.InvokeMethod

    def counted(mo: Any, info: Any, args: Any) -> Any:
        calls.append(info.wsdlName)
        return invoke(mo, info, args)

    try:
        read = PropertyRead(objects=[view_objects(view)], paths={"VirtualMachine": ("name",)})
        whole = retrieve(collector, read)
        stub.InvokeMethod = counted
        paged = retrieve(collector, read, page_size=2)
    finally:
        del stub.InvokeMethod
        view.DestroyView()

    assert len(whole) >= 6
    assert sorted(item.moref for item in paged) == sorted(item.moref for item in whole)
    assert calls.count("ContinueRetrievePropertiesEx") == (len(whole) - 1) // 2
    assert calls[0] == "RetrievePropertiesEx"


def test_vanished_object_is_left_out_and_unset_property_is_absent(
    session: VCenterSession, inventory: Inventory, unique: str
) -> None:
    vm = inventory.create_vm(
        f"gone-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE
    )
    kept = inventory.create_vm(
        f"kept-{unique}", host=inventory.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE, power_on=False
    )
    inventory.wait(vm.PowerOffVM_Task())
    inventory.wait(vm.Destroy_Task())

    found = retrieve(
        session.content.propertyCollector,
        PropertyRead(objects=[start_at(vm), start_at(kept)], paths={"VirtualMachine": ("name", "snapshot")}),
    )

    (only,) = found
    assert only.get("name") == f"kept-{unique}"
    # No snapshot: absent from the values, whether the server left it out or sent it empty.
    assert "snapshot" not in only.values
    assert only.kind == "VirtualMachine"
    assert isinstance(only.obj, vim.VirtualMachine)
