"""Which Recovery Services provider "Refresh server" goes to: the configuration server's own (FB022)."""

from __future__ import annotations

from collections.abc import Sequence

from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.azure.errors import NoRecoveryServicesProvider

__all__ = ["configuration_server_provider"]


def _rank(provider: models.RecoveryServicesProvider) -> tuple[bool, bool, bool, str]:
    properties = provider.properties or models.RecoveryServicesProviderProperties()
    friendly = (properties.friendly_name or "").lower()
    # The configuration server's own provider runs on the server the fabric is named after.
    on_configuration_server = bool(friendly) and friendly == (properties.fabric_friendly_name or "").lower()
    connected = (properties.connection_status or "").lower() == "connected"
    refreshable = "refresh" in {scenario.lower() for scenario in properties.allowed_scenarios or ()}
    return (not on_configuration_server, not connected, not refreshable, (provider.name or "").lower())


def configuration_server_provider(
    providers: Sequence[models.RecoveryServicesProvider], fabric: str
) -> models.RecoveryServicesProvider:
    """The provider to refresh: the only one; of several, the configuration server's own first.

    Ties go to a connected provider, then one that allows "Refresh", then the lowest name, so the
    same list always gives the same provider. Raises NoRecoveryServicesProvider naming `fabric`
    when there is none.
    """
    named = [provider for provider in providers if provider.name]
    if not named:
        raise NoRecoveryServicesProvider(fabric)
    return min(named, key=_rank)
