"""How a failed read of Site Recovery or vCenter becomes a condition's reason and a secret-free message."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from failback_operator.api.vocabulary import Reason
from failback_operator.azure import AuthenticationFailed, ClientSecret, Transient, VaultConfig
from failback_operator.facts import ConfigurationServer
from failback_operator.gathering import SiteRecoverySource
from failback_operator.services.vaults import read_vault
from failback_operator.services.vcenters import read_vcenter_status_facts
from failback_operator.status.connections import ReadFailure
from failback_operator.status.vaults import VaultReading
from failback_operator.vsphere import VCenterAbout, VCenterAuthError, VCenterEndpoint

SECRET = "s3cr3t-value-never-shown"
SOURCE = SiteRecoverySource(
    config=VaultConfig(subscription_id="sub", resource_group="rg", vault="PwsTestVault", fabric="cs"),
    identity=ClientSecret(tenant_id="t", client_id="c", client_secret=SecretStr(SECRET)),
)
ENDPOINT = VCenterEndpoint(host="vc.example", port=443, user="reader", password=SECRET)


class FakeSiteRecovery:
    """Answers the two reads a vault look makes, or fails them, and records that it was closed."""

    def __init__(self, error: Exception | None = None, delay: float = 0.0) -> None:
        self.error = error
        self.delay = delay
        self.closed = False

    async def configuration_server(self) -> ConfigurationServer:
        await asyncio.sleep(self.delay)
        if self.error:
            raise self.error
        return ConfigurationServer(name="PwsTestCS")

    async def failback_policies(self) -> tuple[()]:
        return ()

    async def close(self) -> None:
        self.closed = True


async def vault_outcome(client: FakeSiteRecovery, seconds: float = 5) -> VaultReading | ReadFailure:
    def connect(*_: Any) -> FakeSiteRecovery:
        return client

    return await read_vault(SOURCE, read_timeout=timedelta(seconds=seconds), connect=connect)


async def test_vault_read() -> None:
    client = FakeSiteRecovery()
    outcome = await vault_outcome(client)
    assert isinstance(outcome, VaultReading)
    assert outcome.configuration_server.name == "PwsTestCS"
    assert client.closed


async def test_refused_sign_in_is_named_without_the_secret() -> None:
    client = FakeSiteRecovery(
        AuthenticationFailed(f"AADSTS7000215: invalid secret {SECRET}", operation="get")
    )
    outcome = await vault_outcome(client)
    assert isinstance(outcome, ReadFailure)
    assert outcome.reason is Reason.SIGN_IN_FAILED
    assert outcome.message.startswith("vault PwsTestVault: sign-in refused: ")
    assert "AADSTS7000215" in outcome.message
    assert SECRET not in outcome.message
    assert client.closed


async def test_other_errors_and_silence_are_unreachable() -> None:
    failed = await vault_outcome(FakeSiteRecovery(Transient("503 Service Unavailable", operation="get")))
    assert isinstance(failed, ReadFailure)
    assert (failed.reason, failed.message) == (
        Reason.UNREACHABLE,
        "vault PwsTestVault: get: 503 Service Unavailable",
    )

    slow = await vault_outcome(FakeSiteRecovery(delay=5), seconds=0.05)
    assert isinstance(slow, ReadFailure)
    assert slow.message == "vault PwsTestVault: no answer within 0s"


async def test_a_credential_that_cannot_be_built_is_invalid() -> None:
    def connect(*_: Any) -> FakeSiteRecovery:
        raise ValueError("authority must be https")

    outcome = await read_vault(SOURCE, read_timeout=timedelta(seconds=1), connect=connect)
    assert isinstance(outcome, ReadFailure)
    assert outcome.reason is Reason.CREDENTIALS_INVALID


async def test_vcenter_reads() -> None:
    def reader(endpoint: VCenterEndpoint, user: str | None) -> VCenterAbout:
        return VCenterAbout(version="8.0.3", run_as_privileges=())

    def refused(endpoint: VCenterEndpoint, user: str | None) -> VCenterAbout:
        raise VCenterAuthError(
            f"vCenter {endpoint.address}: login refused for {endpoint.user}/{endpoint.password}"
        )

    def stuck(endpoint: VCenterEndpoint, user: str | None) -> VCenterAbout:
        time.sleep(0.3)
        return VCenterAbout()

    wait = timedelta(seconds=5)
    found = await read_vcenter_status_facts(ENDPOINT, None, read_timeout=wait, reader=reader)
    assert isinstance(found, VCenterAbout)
    assert found.version == "8.0.3"

    denied = await read_vcenter_status_facts(ENDPOINT, None, read_timeout=wait, reader=refused)
    assert isinstance(denied, ReadFailure)
    assert denied.reason is Reason.SIGN_IN_FAILED
    assert SECRET not in denied.message
    assert "vc.example:443" in denied.message

    late = await read_vcenter_status_facts(ENDPOINT, None, read_timeout=timedelta(seconds=0.05), reader=stuck)
    assert isinstance(late, ReadFailure)
    assert late.reason is Reason.UNREACHABLE
