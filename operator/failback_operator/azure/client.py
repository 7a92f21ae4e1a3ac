"""Builds the Entra ID credential and the Site Recovery management client for one vault.

A vault's CA bundle becomes one `ssl.SSLContext` for the operator's life, handed to each client's
connection pool: azure-core would otherwise build a context per request from a CA path, and
aiohttp never reuses a connection made under another context (a TLS handshake per request and
SSL buffers held per connection).
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import aiohttp
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline.transport import AioHttpTransport
from azure.identity.aio import ClientSecretCredential, WorkloadIdentityCredential
from azure.mgmt.recoveryservicessiterecovery.aio import SiteRecoveryManagementClient

from failback_operator.azure.config import ClientSecret, VaultConfig, WorkloadIdentity
from failback_operator.azure.read_budget import ReadBudget, ReadBudgetPolicy
from failback_operator.azure.retry import ReadOnlyRetryPolicy

__all__ = ["API_VERSION", "PooledTransport", "build_credential", "build_management_client", "tls_context"]

API_VERSION = "2025-08-01"


# A part that cannot be reached is reported in seconds, not minutes: a refused or failed connection
# is tried once more (azure-core's default is three times, with the sign-in's own retries nested
# inside each), and every retry of one request, Retry-After waits included, fits in the vault's
# request timeout.
CONNECT_RETRIES = 1


def _retry_options(config: VaultConfig) -> dict[str, Any]:
    return {"retry_connect": CONNECT_RETRIES, "timeout": config.request_timeout_seconds}


@functools.lru_cache(maxsize=64)
def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """One verifying context per CA bundle (the system's trust store for None), built once."""
    return ssl.create_default_context(cafile=ca_file)


class PooledTransport(AioHttpTransport):  # type: ignore[misc]
    """azure-core's aiohttp transport whose pool verifies with one context, so connections are reused."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._context = context

    async def open(self) -> None:
        session: aiohttp.ClientSession | None = getattr(self, "session", None)
        if session is None and self._session_owner:
            # As azure-core builds its own session, with the pool verifying through our context;
            # requests then carry no `connection_verify`, so aiohttp keeps each connection open.
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._context),
                trust_env=True,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
            )
        await super().open()


def _transport(config: VaultConfig) -> dict[str, Any]:
    # The CA goes to each pipeline explicitly: environment variables would leak into every client.
    # The timeouts go to the transport: a client given one no longer builds its own from them.
    return {
        "transport": PooledTransport(
            tls_context(config.ca_file),
            connection_timeout=config.request_timeout_seconds,
            read_timeout=config.request_timeout_seconds,
        )
    }


def build_credential(config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> AsyncTokenCredential:
    """An azure-identity credential for the vault's authority, trusting the configured CA."""
    options: dict[str, Any] = {**_transport(config), **_retry_options(config)}
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
    read_budget: ReadBudget | None = None,
) -> SiteRecoveryManagementClient:
    """The SDK client with the read-only retry policy and the endpoint, scopes and CA of the vault;
    its GETs (each try) held to `read_budget` (a budget of its own with the defaults when None)."""
    return SiteRecoveryManagementClient(
        credential,
        config.subscription_id,
        base_url=config.endpoint,
        api_version=API_VERSION,
        credential_scopes=list(config.credential_scopes),
        retry_policy=retry_policy or ReadOnlyRetryPolicy(**_retry_options(config)),
        per_retry_policies=[ReadBudgetPolicy(read_budget or ReadBudget())],
        **_transport(config),
    )
