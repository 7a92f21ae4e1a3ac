"""A vault that refuses connections is reported in seconds: the SDK's retries are bounded."""

from __future__ import annotations

import socket
import time

import pytest

from failback_operator.azure.client import CONNECT_RETRIES, build_credential, build_management_client
from failback_operator.azure.config import ClientSecret, VaultConfig
from failback_operator.azure.errors import SiteRecoveryError
from failback_operator.azure.site_recovery import SiteRecovery


def _refused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _config(port: int, timeout: float = 60.0) -> VaultConfig:
    base = f"https://127.0.0.1:{port}"
    return VaultConfig(
        subscription_id="s",
        resource_group="rg",
        vault="v",
        fabric="f",
        endpoint=base,
        authority=base,
        disable_instance_discovery=True,
        request_timeout_seconds=timeout,
    )


IDENTITY = ClientSecret(tenant_id="t", client_id="c", client_secret="not-a-secret")


async def test_a_refused_vault_fails_a_read_within_seconds() -> None:
    client = SiteRecovery.connect(_config(_refused_port()), IDENTITY)
    started = time.monotonic()
    try:
        with pytest.raises(SiteRecoveryError, match=r"127\.0\.0\.1"):
            await client.protected_items()
    finally:
        await client.close()
    # azure-core's defaults (three connect retries, each with the sign-in's own retries) took ~24 s.
    assert time.monotonic() - started < 5


async def test_every_retry_of_a_request_fits_in_the_vault_request_timeout() -> None:
    config = _config(_refused_port(), timeout=7.0)
    credential = build_credential(config, IDENTITY)
    client = build_management_client(config, credential)
    try:
        retry = client._config.retry_policy
        assert (retry.connect_retries, retry.timeout) == (CONNECT_RETRIES, 7.0)
    finally:
        await client.close()
        await credential.close()
