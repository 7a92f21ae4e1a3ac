"""Shared helpers for tests that drive the Site Recovery simulator with the real SDK over HTTPS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential
from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient, models

from failback_operator.sim.asr import AsrSimulator, Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sim"
# Live Site Recovery responses the simulator is checked against (copied into tests/data, sources there).
RECORDINGS = Path(__file__).resolve().parents[1] / "data" / "asr-recordings"


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


def recorded(name: str, *path: str) -> Any:
    """A body from the live recordings, walked down `path`."""
    assert RECORDINGS.is_dir(), f"recordings not found at {RECORDINGS}"
    data = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
    for key in path:
        data = data[key]
    return data


def raw_get(vault: Vault, arm_path: str) -> dict[str, Any]:
    """GET an ARM path through the SDK pipeline (auth included) and return the JSON as sent."""
    response = vault.client.send_request(
        HttpRequest("GET", f"{vault.simulator.base_url}{arm_path}?api-version=2025-08-01")
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def vault_path(vault: Vault) -> str:
    """`/subscriptions/.../vaults/{vault}` of the simulator's scenario."""
    subscription = vault.simulator.runtime.scenario.vault.subscription
    return (
        f"/subscriptions/{subscription}/resourceGroups/{vault.resource_group}"
        f"/providers/Microsoft.RecoveryServices/vaults/{vault.vault}"
    )


def item_path(vault: Vault, item: str) -> str:
    """ARM path of a protected item."""
    return (
        f"{vault_path(vault)}/replicationFabrics/{vault.fabric}/replicationProtectionContainers/"
        f"{vault.container}/replicationProtectedItems/{item}"
    )


class FirstResponse:
    """A raw_response_hook that keeps the first response of an SDK call (the LRO's 202)."""

    def __init__(self) -> None:
        self.headers: dict[str, str] | None = None
        self.status: int | None = None

    def __call__(self, pipeline_response: Any) -> None:
        if self.headers is None:
            response = pipeline_response.http_response
            self.status = response.status_code
            self.headers = dict(response.headers)

    @property
    def job_id(self) -> str:
        """The Site Recovery job id: the last path segment of the operation URL."""
        assert self.headers is not None
        return self.headers["Location"].split("?")[0].rsplit("/", 1)[-1]


def policy_id(vault: Vault, name: str) -> str:
    """ARM id of a replication policy as Site Recovery spells it."""
    return vault_path(vault).replace("/subscriptions/", "/Subscriptions/", 1) + f"/replicationPolicies/{name}"


def classic_reprotect_input(vault: Vault, retention_drive: str = "F") -> models.ReverseReplicationInput:
    """The recorded classic reprotect Azure -> VMware (InMage) input."""
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=models.InMageReprotectInput(
                master_target_id="30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                process_server_id="30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                retention_drive=retention_drive,
                run_as_account_id="2",
                datastore_name="datastore1",
                disk_exclusion_input=models.InMageDiskExclusionInput(
                    volume_options=[
                        models.InMageVolumeExclusionOptions(
                            volume_label="Temporary Storage", only_exclude_if_single_volume="Yes"
                        )
                    ]
                ),
                profile_id=policy_id(vault, "Ploicyv2a-failback"),
            ),
        )
    )


def classic_reprotect_to_azure_input(vault: Vault) -> models.ReverseReplicationInput:
    """The recorded classic reprotect VMware -> Azure (InMageAzureV2) input after failback."""
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=models.InMageAzureV2ReprotectInput(
                master_target_id="30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                process_server_id="30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                run_as_account_id="2",
                policy_id=policy_id(vault, "Policyv2a"),
            ),
        )
    )


def classic_failback_input(source_site: str = "Required") -> models.UnplannedFailoverInput:
    """Classic failback: unplanned failover of the InMage item, LatestTime."""
    return models.UnplannedFailoverInput(
        properties=models.UnplannedFailoverInputProperties(
            failover_direction="PrimaryToRecovery",
            source_site_operations=source_site,
            provider_specific_details=models.InMageUnplannedFailoverInput(recovery_point_type="LatestTime"),
        )
    )


def modern_reprotect_input(vault: Vault) -> models.ReverseReplicationInput:
    """The recorded modernized reprotect Azure -> VMware (InMageRcm) input."""
    subscription = vault.simulator.runtime.scenario.vault.subscription
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=models.InMageRcmReprotectInput(
                reprotect_agent_id="7d30ec24-f20e-4c17-8dfd-d7ccb444b072",
                datastore_name="SharedDS-84-85",
                log_storage_account_id=f"/subscriptions/{subscription}/resourceGroups/{vault.resource_group}"
                "/providers/Microsoft.Storage/storageAccounts/v2aecystor",
                policy_id=policy_id(vault, "appconsistency-policy-failback"),
            ),
        )
    )


def modern_reprotect_to_azure_input(vault: Vault) -> models.ReverseReplicationInput:
    """The recorded modernized reprotect VMware -> Azure (InMageRcmFailback) input."""
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            provider_specific_details=models.InMageRcmFailbackReprotectInput(
                process_server_id="7d30ec24-f20e-4c17-8dfd-d7ccb444b072",
                run_as_account_id="runas",
                policy_id=policy_id(vault, "24-hour-replication-policy"),
            ),
        )
    )


def modern_failback_input(point: str = "ApplicationConsistent") -> models.PlannedFailoverInput:
    """Modernized failback: planned failover of the InMageRcmFailback item."""
    return models.PlannedFailoverInput(
        properties=models.PlannedFailoverInputProperties(
            provider_specific_details=models.InMageRcmFailbackPlannedFailoverProviderInput(
                recovery_point_type=point
            )
        )
    )


def missing_fields(ours: Any, theirs: Any, where: str = "") -> list[str]:
    """Field paths present in a recorded body and absent from ours (objects compared recursively,
    lists by their first element)."""
    missing: list[str] = []
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key, value in theirs.items():
            if key not in ours:
                missing.append(f"{where}.{key}")
            else:
                missing.extend(missing_fields(ours[key], value, f"{where}.{key}"))
    elif isinstance(theirs, list) and isinstance(ours, list) and theirs and ours:
        missing.extend(missing_fields(ours[0], theirs[0], f"{where}[0]"))
    return missing
