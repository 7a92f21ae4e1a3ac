"""The licence each ESXi host runs under (FB035: the free hypervisor edition cannot fail back)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["assigned_host_licences", "host_agent_licence"]


def assigned_host_licences(
    licence_assignment_manager: Any, host_morefs: Sequence[str]
) -> dict[str, tuple[str | None, str | None]]:
    """Edition key and name of the licence assigned to each host, by host id, in one call.

    The licence key itself is never kept: it is a secret of the customer's.
    """
    if not host_morefs:
        return {}
    # One host: ask for it; several: one call for all assignments beats one call per host.
    entity = host_morefs[0] if len(host_morefs) == 1 else None
    assignments = licence_assignment_manager.QueryAssignedLicenses(entityId=entity)
    wanted = set(host_morefs)
    return {
        assignment.entityId: (
            getattr(assignment.assignedLicense, "editionKey", None),
            getattr(assignment.assignedLicense, "name", None),
        )
        for assignment in assignments or ()
        if assignment.entityId in wanted
    }


def host_agent_licence(licences: Sequence[Any] | None) -> tuple[str | None, str | None]:
    """Edition key and name when connected to an ESXi host directly (no assignment manager there)."""
    for licence in licences or ():
        return getattr(licence, "editionKey", None), getattr(licence, "name", None)
    return None, None
