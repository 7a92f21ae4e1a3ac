"""Shared helpers for tests that drive the Site Recovery simulator with the real SDK over HTTPS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from azure.identity import ClientSecretCredential
from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

from failback_operator.sim.asr import AsrSimulator, Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sim"
RECORDINGS = Path("/work/shared/asr-recordings")


def scenario(name: str, **changes: object) -> Scenario:
    """An example scenario, optionally with top-level fields replaced."""
    loaded = load_scenario(EXAMPLES / f"{name}.yaml")
    return loaded.model_copy(update=changes) if changes else loaded


@dataclass
class Vault:
    """An SDK client bound to the simulator's vault, plus the names every call needs."""

    client: SiteRecoveryManagementClient
    simulator: AsrSimulator
    resource_group: str
    vault: str
    fabric: str
    container: str

    @property
    def scope(self) -> tuple[str, str]:
        return self.resource_group, self.vault

    @property
    def item_scope(self) -> tuple[str, str, str, str]:
        return self.resource_group, self.vault, self.fabric, self.container


def sdk_client(simulator: AsrSimulator, **client_options: object) -> Vault:
    """The production credential path: ClientSecretCredential against the simulator's Entra endpoints."""
    loaded = simulator.runtime.scenario
    credential = ClientSecretCredential(
        simulator.tenant,
        simulator.client_id,
        simulator.client_secret,
        authority=simulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(simulator.ca_file),
    )
    options: dict[str, object] = {"polling_interval": 0.05, "retry_backoff_factor": 0.05}
    options.update(client_options)
    client = SiteRecoveryManagementClient(
        credential,
        loaded.vault.subscription,
        base_url=simulator.base_url,
        connection_verify=str(simulator.ca_file),
        credential_scopes=["https://management.azure.com/.default"],
        **options,
    )
    server = loaded.configuration_server
    return Vault(
        client,
        simulator,
        loaded.vault.resource_group,
        loaded.vault.name,
        server.fabric_name,
        server.container_name or f"cloud_{server.internal_id}",
    )
