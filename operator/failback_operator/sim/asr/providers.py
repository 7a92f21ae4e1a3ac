"""The Recovery Services providers registered in the fabric: the ones "Refresh server" is sent to."""

from __future__ import annotations

from dataclasses import dataclass

from failback_operator.sim.asr.scenario import Architecture
from failback_operator.sim.asr.state import SimState, stable_id

__all__ = ["RecoveryServicesProvider", "find_provider", "recovery_services_providers"]


@dataclass(frozen=True)
class RecoveryServicesProvider:
    """A provider (DRA): the configuration server's own (classic) or an appliance's (modernized)."""

    name: str  # a stable GUID, the provider's ARM name
    friendly_name: str  # the server it runs on
    fabric_type: str


def recovery_services_providers(state: SimState) -> list[RecoveryServicesProvider]:
    """Classic: one provider, on the configuration server. Modernized: one per replication appliance."""
    scenario = state.scenario
    if scenario.architecture is Architecture.CLASSIC:
        server = scenario.configuration_server
        return [RecoveryServicesProvider(stable_id("provider", server.name), server.name, "VMware")]
    return [
        RecoveryServicesProvider(stable_id("provider", appliance.name), appliance.name, "InMageRcm")
        for appliance in scenario.appliances
    ]


def find_provider(state: SimState, name: str) -> RecoveryServicesProvider | None:
    """A provider by ARM name, compared case-insensitively."""
    return next((p for p in recovery_services_providers(state) if p.name.lower() == name.lower()), None)
