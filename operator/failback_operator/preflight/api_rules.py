"""The API server's cross-field rules (the CEL rules of crds/) that the pydantic spec views do not enforce.

The preflight reads files, not objects an API server accepted, so it applies the same rules,
with the CRDs' own messages, before reading anything: input the API server would refuse is
unusable input here too. Transition rules (`self == oldSelf`) have no meaning for files and are
left out. A unit test keeps each message identical to its CRD's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlparse

from pydantic import BaseModel

from failback_operator.api.resources import (
    Action,
    Architecture,
    CredentialsType,
    FailbackPlanSpec,
    MasterTargetSpec,
    OsType,
    RecoveryVaultSpec,
)

__all__ = ["MESSAGES", "api_rule_violations"]

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:?$")
_LINUX_PATH = re.compile(r"^(/[A-Za-z0-9._+-]+)+/?$")

MESSAGES = {
    "vm": "set exactly one of vm.name or vm.instanceUuid",
    "modernized-required": (
        "a Modernized master target needs spec.modernized (reprotect agent and log storage account)"
    ),
    "modernized-forbidden": "spec.modernized applies only to the Modernized architecture",
    "appliance-retention": (
        "a Modernized replication appliance has no retention volume; remove spec.retentionDrive"
    ),
    "windows-retention": (
        "on a Windows master target the retention drive is a drive letter such as F or F: "
        "(Site Recovery names the volume by its letter)"
    ),
    "linux-retention": (
        "on a Linux master target the retention drive is an absolute path such as /mnt/retention"
    ),
    "layout-required": (
        "a Linux master target must declare os.rootVolumeLayout (vSphere cannot see LVM; FB017 checks "
        "the declaration)"
    ),
    "layout-forbidden": "os.rootVolumeLayout applies only to a Linux master target",
    "window-required": (
        "action Failback or Commit needs a downtime window (spec.window): failback shuts the Azure VMs "
        "down (FB040)"
    ),
    "window-order": "window.end must be after window.start",
    "one-group": (
        "an item may belong to only one replication group of the plan (same item name found in two groups)"
    ),
    "plan-retention": (
        "retentionDrive must be a drive letter such as F or F: (Windows master target) or an absolute "
        "path such as /mnt/retention (Linux master target)"
    ),
    "groups-required": "a FailbackPlan needs at least one replication group",
    "recovery-plan-required": (
        "a replication group of more than one item needs its recoveryPlan, so that the group fails back "
        "and commits together (FB030)"
    ),
    "items-required": "a replication group needs at least one item",
    "secret-required": "credentials of type ServicePrincipal need a secretRef",
    "secret-forbidden": (
        "credentials of type WorkloadIdentity take no secretRef (the identity comes from the operator's "
        "service account)"
    ),
    "resource-manager-https": "cloud.resourceManager must be an https URL",
    "authority-https": "cloud.authority must be an https URL",
}


def _master_target(spec: MasterTargetSpec) -> Iterator[tuple[str, str]]:
    if (spec.vm.name is None) == (spec.vm.instance_uuid is None):
        yield "spec.vm", MESSAGES["vm"]
    modernized = spec.architecture is Architecture.MODERNIZED
    if modernized and spec.modernized is None:
        yield "spec.modernized", MESSAGES["modernized-required"]
    if not modernized and spec.modernized is not None:
        yield "spec.modernized", MESSAGES["modernized-forbidden"]
    drive = spec.retention_drive
    if modernized and drive is not None:
        yield "spec.retentionDrive", MESSAGES["appliance-retention"]
    if drive is not None and spec.os.type is OsType.WINDOWS and not _WINDOWS_DRIVE.match(drive):
        yield "spec.retentionDrive", MESSAGES["windows-retention"]
    if drive is not None and spec.os.type is OsType.LINUX and not _LINUX_PATH.match(drive):
        yield "spec.retentionDrive", MESSAGES["linux-retention"]
    if spec.os.type is OsType.LINUX and spec.os.root_volume_layout is None:
        yield "spec.os.rootVolumeLayout", MESSAGES["layout-required"]
    if spec.os.type is OsType.WINDOWS and spec.os.root_volume_layout is not None:
        yield "spec.os.rootVolumeLayout", MESSAGES["layout-forbidden"]


def _plan(spec: FailbackPlanSpec) -> Iterator[tuple[str, str]]:
    if spec.action in (Action.FAILBACK, Action.COMMIT) and spec.window is None:
        yield "spec.window", MESSAGES["window-required"]
    if spec.window is not None and not spec.window.end > spec.window.start:
        yield "spec.window", MESSAGES["window-order"]
    drive = spec.retention_drive
    if drive is not None and not (_WINDOWS_DRIVE.match(drive) or _LINUX_PATH.match(drive)):
        yield "spec.retentionDrive", MESSAGES["plan-retention"]
    if not spec.groups:
        yield "spec.groups", MESSAGES["groups-required"]
    owner: dict[str, str] = {}
    for index, group in enumerate(spec.groups):
        if not group.items:
            yield f"spec.groups[{index}].items", MESSAGES["items-required"]
        if group.recovery_plan is None and len(group.items) > 1:
            yield f"spec.groups[{index}].recoveryPlan", MESSAGES["recovery-plan-required"]
        for item in group.items:
            if owner.setdefault(item.name, group.name) != group.name:
                yield "spec.groups", MESSAGES["one-group"]


def _https(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(parsed.netloc)


def _vault(spec: RecoveryVaultSpec) -> Iterator[tuple[str, str]]:
    credentials = spec.credentials
    if credentials.type is CredentialsType.SERVICE_PRINCIPAL and credentials.secret_ref is None:
        yield "spec.credentials.secretRef", MESSAGES["secret-required"]
    if credentials.type is CredentialsType.WORKLOAD_IDENTITY and credentials.secret_ref is not None:
        yield "spec.credentials.secretRef", MESSAGES["secret-forbidden"]
    if not _https(spec.cloud.resource_manager):
        yield "spec.cloud.resourceManager", MESSAGES["resource-manager-https"]
    if not _https(spec.cloud.authority):
        yield "spec.cloud.authority", MESSAGES["authority-https"]


def api_rule_violations(spec: BaseModel) -> list[tuple[str, str]]:
    """(field path, the CRD's message) for each cross-field rule the spec breaks; empty when none."""
    if isinstance(spec, MasterTargetSpec):
        return list(_master_target(spec))
    if isinstance(spec, FailbackPlanSpec):
        return list(dict.fromkeys(_plan(spec)))
    if isinstance(spec, RecoveryVaultSpec):
        return list(_vault(spec))
    return []
