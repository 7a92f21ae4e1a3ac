"""Where a Site Recovery vault lives and how the operator signs in to it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

__all__ = ["ARM_SCOPE", "ClientSecret", "VaultConfig", "WorkloadIdentity"]

ARM_SCOPE = "https://management.azure.com/.default"


class ClientSecret(BaseModel):
    """A service principal's client secret, read from a Kubernetes Secret (never from spec)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["ClientSecret"] = "ClientSecret"
    tenant_id: str
    client_id: str
    # SecretStr keeps the value out of repr, str and model_dump_json.
    client_secret: SecretStr


class WorkloadIdentity(BaseModel):
    """AKS workload identity: a federated token file projected into the pod."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["WorkloadIdentity"] = "WorkloadIdentity"
    # Unset fields fall back to AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE,
    # which the AKS workload identity webhook injects.
    tenant_id: str | None = None
    client_id: str | None = None
    token_file_path: str | None = None


class VaultConfig(BaseModel):
    """Coordinates of one Recovery Services vault and its configuration server (fabric)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subscription_id: str
    resource_group: str
    vault: str
    # The configuration server's fabric name (classic) or the modernized replication fabric.
    fabric: str
    # Resource Manager endpoint; override for sovereign clouds or the simulator.
    endpoint: str = "https://management.azure.com"
    # Entra ID authority (host or URL); override for sovereign clouds or the simulator.
    authority: str | None = None
    credential_scopes: tuple[str, ...] = (ARM_SCOPE,)
    # PEM bundle trusted for both Entra ID and Resource Manager (private CA, simulator).
    ca_file: str | None = None
    # A private authority (simulator, Azure Stack) publishes no instance-discovery metadata.
    disable_instance_discovery: bool = False
    request_timeout_seconds: float = Field(default=60.0, gt=0)

    def vault_id(self) -> str:
        """ARM id of the vault, used to recognise ids that Site Recovery returns."""
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.RecoveryServices/vaults/{self.vault}"
        )

    @field_validator("endpoint")
    @classmethod
    def _https_only(cls, endpoint: str) -> str:
        # azure-core refuses to send a bearer token over plain HTTP; say so when the vault is read.
        if not endpoint.lower().startswith("https://"):
            raise ValueError("the Resource Manager endpoint must be an https:// URL")
        return endpoint.rstrip("/")
