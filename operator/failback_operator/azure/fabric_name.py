"""Which replication fabric `spec.configurationServer` names: its ARM name or its friendly name."""

from __future__ import annotations

from collections.abc import Sequence

from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.azure.errors import ConfigurationServerNotFound

__all__ = ["configuration_server_fabric"]


def configuration_server_fabric(fabrics: Sequence[models.Fabric], wanted: str, *, vault: str) -> str:
    """The ARM name of the fabric `wanted` names, compared case-insensitively as ARM does.

    The ARM name (a long hash for a VMware site, e.g. 9a60d28b...) wins; otherwise the one fabric
    whose friendly name (the configuration server's, e.g. PwsTestCS) matches. None, or several
    with that friendly name, is a ConfigurationServerNotFound that lists what the vault has.
    """
    key = wanted.casefold()
    for fabric in fabrics:
        if (fabric.name or "").casefold() == key:
            return fabric.name or wanted
    named = [
        fabric
        for fabric in fabrics
        if fabric.name and ((fabric.properties and fabric.properties.friendly_name) or "").casefold() == key
    ]
    if len(named) == 1 and named[0].name:
        return named[0].name
    listed = ", ".join(
        f"{(f.properties.friendly_name if f.properties else None) or '?'} ({f.name})"
        for f in sorted(fabrics, key=lambda f: f.name or "")
    )
    reason = (
        "several fabrics have that friendly name" if named else "no fabric has that name or friendly name"
    )
    raise ConfigurationServerNotFound(
        f"configuration server '{wanted}' not found in vault '{vault}': {reason} "
        f"(fabrics: {listed or 'none'}); set spec.configurationServer to one of them"
    )
