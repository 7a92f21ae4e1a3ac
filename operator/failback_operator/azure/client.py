"""Builds the Entra ID credential and the Site Recovery management client for one vault."""

from __future__ import annotations

from typing import Any

from azure.core.credentials_async import AsyncTokenCredential
from azure.identity.aio import ClientSecretCredential, WorkloadIdentityCredential
from azure.mgmt.recoveryservicessiterecovery.aio import SiteRecoveryManagementClient

from failback_operator.azure.config import ClientSecret, VaultConfig, WorkloadIdentity
from failback_operator.azure.retry import ReadOnlyRetryPolicy

__all__ = ["API_VERSION", "build_credential", "build_management_client"]

API_VERSION = "2025-08-01"


# A part that cannot be reached is reported in seconds, not minutes: a refused or failed connection
# is tried once more (azure-core's default is three times, with the sign-in's own retries nested
# inside each), and every retry of one request, Retry-After waits included, fits in the vault's
# request timeout.
CONNECT_RETRIES = 1


def _retry_options(config: VaultConfig) -> dict[str, Any]:
    return {"retry_connect": CONNECT_RETRIES, "timeout": config.request_timeout_seconds}


def _tls_options(config: VaultConfig) -> dict[str, Any]:
    # The CA goes to each pipeline explicitly: environment variables would leak into every client.
    return {"connection_verify": config.ca_file} if config.ca_file else {}


def build_credential(config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> AsyncTokenCredential:
    """An azure-identity credential for the vault's authority, trusting the configured CA."""
    options: dict[str, Any] = {**_tls_options(config), **_retry_options(config)}
    if config.authority:
        options["authority"] = config.authority
    if config.disable_instance_discovery:
        options["disable_instance_discovery"] = True
    if isinstance(identity, ClientSecret):
        return ClientSecretCredential(
            identity.tenant_id,
            identity.client_id,
            identity.client_secret.get_secret_value(),
            **options,
        )
    return WorkloadIdentityCredential(
        tenant_id=identity.tenant_id,
        client_id=identity.client_id,
        token_file_path=identity.token_file_path,
        **options,
    )


def build_management_client(
    config: VaultConfig,
    credential: AsyncTokenCredential,
    *,
    retry_policy: ReadOnlyRetryPolicy | None = None,
) -> SiteRecoveryManagementClient:
    """The SDK client with the read-only retry policy and the endpoint, scopes and CA of the vault."""
    return SiteRecoveryManagementClient(
        credential,
        config.subscription_id,
        base_url=config.endpoint,
        api_version=API_VERSION,
        credential_scopes=list(config.credential_scopes),
        retry_policy=retry_policy or ReadOnlyRetryPolicy(**_retry_options(config)),
        connection_timeout=config.request_timeout_seconds,
        read_timeout=config.request_timeout_seconds,
        **_tls_options(config),
    )
