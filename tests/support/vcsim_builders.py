"""The vcsim inventory builders, shared with the demo from the package."""

from failback_operator.testenv.vcsim_inventory import (
    CONTROLLERS,
    MASTER_TARGET_HOST,
    SCSI_UNITS,
    VCSIM_MODEL,
    VMFS_DATASTORE,
    Inventory,
    controller_spec,
    disk_spec,
)

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
