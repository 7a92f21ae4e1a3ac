"""ARM ids and names of the simulated vault's resources, and Site Recovery's time format."""

from __future__ import annotations

from datetime import datetime

from failback_operator.sim.asr.state import ItemState, SimState

__all__ = [
    "AZURE_CONTAINER",
    "AZURE_FABRIC_ID",
    "GIB",
    "NEVER",
    "NO_SCENARIO_TIME",
    "container_id",
    "container_name",
    "fabric_id",
    "fabric_name",
    "item_id",
    "job_id",
    "policy_id",
    "stamp",
    "vault_prefix",
]

NEVER = "0001-01-01T00:00:00"
NO_SCENARIO_TIME = "1753-01-01T01:01:01Z"
AZURE_CONTAINER = "d38048d4-b460-4791-8ece-108395ee8478"
AZURE_FABRIC_ID = "21a9403c-6ec1-44f2-b744-b4e50b792387"
GIB = 1024**3


def stamp(moment: datetime | None) -> str | None:
    """ISO 8601 with a Z, as Site Recovery writes times."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def vault_prefix(state: SimState) -> str:
    """`/Subscriptions/.../vaults/{vault}` as Site Recovery spells ids (capital S)."""
    vault = state.scenario.vault
    return (
        f"/Subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}"
        f"/providers/Microsoft.RecoveryServices/vaults/{vault.name}"
    )


def fabric_name(state: SimState) -> str:
    """The configuration server's fabric name."""
    return state.scenario.configuration_server.fabric_name


def container_name(state: SimState) -> str:
    """The protection container of the configuration server."""
    server = state.scenario.configuration_server
    return server.container_name or f"cloud_{server.internal_id}"


def fabric_id(state: SimState) -> str:
    """ARM id of the configuration server's fabric."""
    return f"{vault_prefix(state)}/replicationFabrics/{fabric_name(state)}"


def container_id(state: SimState) -> str:
    """ARM id of the configuration server's protection container."""
    return f"{fabric_id(state)}/replicationProtectionContainers/{container_name(state)}"


def item_id(state: SimState, item: ItemState) -> str:
    """ARM id of a protected item."""
    return f"{container_id(state)}/replicationProtectedItems/{item.name}"


def policy_id(state: SimState, name: str) -> str:
    """ARM id of a replication policy."""
    return f"{vault_prefix(state)}/replicationPolicies/{name}"


def job_id(state: SimState, job_name: str) -> str:
    """ARM id of a job."""
    return f"{vault_prefix(state)}/replicationJobs/{job_name}"
