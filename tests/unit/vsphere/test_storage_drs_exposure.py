"""FB020 exposure from what the read returned: on, off, or unknown when a datastore cluster was not read."""

from __future__ import annotations

from pyVmomi import vim

from failback_operator.vsphere.collector import ObjectProperties
from failback_operator.vsphere.mapping import StorageDrsSetting
from failback_operator.vsphere.reader import _storage_drs_applies

VM = ObjectProperties(obj=vim.VirtualMachine("vm-1"), values={"datastore": [vim.Datastore("ds-1")]})


def datastore(parent: object) -> dict[str, ObjectProperties]:
    return {"ds-1": ObjectProperties(obj=vim.Datastore("ds-1"), values={"name": "ds-1", "parent": parent})}


def setting(applies: bool) -> StorageDrsSetting:
    return StorageDrsSetting(
        pod="pod-1",
        pod_enabled=applies,
        default_vm_behavior="automated",
        vm_override_enabled=None,
        vm_override_behavior=None,
    )


def test_datastore_in_a_plain_folder_is_not_exposed_fb020() -> None:
    assert _storage_drs_applies(VM, datastore(vim.Folder("group-s5")), []) is False


def test_enabled_pod_exposes_the_vm_fb020() -> None:
    assert _storage_drs_applies(VM, datastore(vim.StoragePod("pod-1")), [setting(True)]) is True


def test_pod_that_was_not_read_is_unknown_not_off_fb020() -> None:
    assert _storage_drs_applies(VM, datastore(vim.StoragePod("pod-1")), []) is None


def test_datastore_that_was_not_read_is_unknown_fb020() -> None:
    assert _storage_drs_applies(VM, {}, []) is None
