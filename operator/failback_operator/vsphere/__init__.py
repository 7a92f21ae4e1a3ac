"""vCenter adapter: reads the facts the rule catalogue needs through pyvmomi, and applies opted-in fixes.

This module is the adapter's one entrance: everything outside `vsphere/` imports from here, never
from its modules (`tests/unit/architecture/test_import_rules.py`).
"""

from failback_operator.vsphere.about import VCenterAbout, read_vcenter_about
from failback_operator.vsphere.collector import ObjectProperties
from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession, vcenter_session
from failback_operator.vsphere.errors import (
    VCenterAuthError,
    VCenterConnectionError,
    VCenterError,
    VCenterNotFoundError,
    VCenterTaskError,
)
from failback_operator.vsphere.inventory import SharedInventory, inventory_fingerprint
from failback_operator.vsphere.reader import (
    InventoryIndex,
    PlanItemVm,
    Remember,
    VCenterQuery,
    VCenterReading,
    VmLocation,
    VmRef,
    read_vcenter_facts,
)
from failback_operator.vsphere.remediation import ENABLE_UUID_KEY, enable_disk_uuid, wait_for_task
from failback_operator.vsphere.sessions import VCenterSessions

__all__ = [
    "ENABLE_UUID_KEY",
    "InventoryIndex",
    "ObjectProperties",
    "PlanItemVm",
    "Remember",
    "SharedInventory",
    "VCenterAbout",
    "VCenterAuthError",
    "VCenterConnectionError",
    "VCenterEndpoint",
    "VCenterError",
    "VCenterNotFoundError",
    "VCenterQuery",
    "VCenterReading",
    "VCenterSession",
    "VCenterSessions",
    "VCenterTaskError",
    "VmLocation",
    "VmRef",
    "enable_disk_uuid",
    "inventory_fingerprint",
    "read_vcenter_about",
    "read_vcenter_facts",
    "vcenter_session",
    "wait_for_task",
]
