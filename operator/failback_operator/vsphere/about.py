"""vCenter as a whole, for the VCenter status: who it is (version, API, instance UUID) and FB005 at the top.

The run-as account's privileges are asked on the root folder and every datacenter, where the
Site Recovery role is granted and propagated; the master target's own objects are checked by the
MasterTarget's prerequisites.
"""

from __future__ import annotations

from typing import Any

from pyVmomi import vim

from failback_operator.facts.vsphere import RunAsPrivileges, VCenterAbout
from failback_operator.vsphere.collector import PropertyRead, retrieve, start_at
from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.errors import translate_faults
from failback_operator.vsphere.privileges import read_run_as_privileges

__all__ = ["VCenterAbout", "read_vcenter_about"]

_vim: Any = vim


def _datacenters(session: VCenterSession) -> list[tuple[str, Any]]:
    """Every datacenter directly under the root folder, with its name, in one property read."""
    read = PropertyRead(objects=[start_at(session.content.rootFolder)], paths={"Folder": ("childEntity",)})
    found = retrieve(session.content.propertyCollector, read)
    children = found[0].get("childEntity") if found else None
    datacenters = [child for child in children or () if isinstance(child, _vim.Datacenter)]
    if not datacenters:
        return []
    names = retrieve(
        session.content.propertyCollector,
        PropertyRead(objects=[start_at(dc) for dc in datacenters], paths={"Datacenter": ("name",)}),
    )
    return [(f"Datacenter:{item.get('name')}", item.obj) for item in names]


def read_vcenter_about(session: VCenterSession, run_as_user: str | None) -> VCenterAbout:
    """What the VCenter status shows; the privileges only when `run_as_user` is declared."""
    about = session.content.about
    privileges: tuple[RunAsPrivileges, ...] = ()
    note = None
    if run_as_user:
        with translate_faults(session.address, "read the run-as account's privileges"):
            entities = [("Folder:root", session.content.rootFolder), *_datacenters(session)]
            privileges, note = read_run_as_privileges(session, run_as_user, entities)
    return VCenterAbout(
        version=about.version,
        api_version=about.apiVersion,
        instance_uuid=about.instanceUuid,
        run_as_privileges=privileges,
        privileges_note=note,
    )
