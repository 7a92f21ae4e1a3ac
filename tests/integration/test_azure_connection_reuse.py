"""A vault client keeps its TLS connections: one handshake per endpoint, not one per request."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from failback_operator.azure.site_recovery import SiteRecovery
from failback_operator.sim.asr import AsrSimulator

from .test_vault_reads import _source


class _Handshakes:
    """Counts the TLS client connections this process opens (asyncio wraps each in a BIO)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.client_side = 0
        original = ssl.SSLContext.wrap_bio

        def counting(context: ssl.SSLContext, *args: Any, server_side: bool = False, **kwargs: Any) -> Any:
            if not server_side:
                self.client_side += 1
            return original(context, *args, server_side=server_side, **kwargs)

        monkeypatch.setattr(ssl.SSLContext, "wrap_bio", counting)


async def test_reads_through_one_client_reuse_their_connections(
    classic_sim: AsrSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, identity = _source(classic_sim)
    handshakes = _Handshakes(monkeypatch)
    async with SiteRecovery.connect(config, identity) as client:
        for _ in range(6):
            assert len(await client.protected_items()) == 2
    # One connection for the token, one for Resource Manager: not one per read.
    assert handshakes.client_side <= 2, handshakes.client_side
    assert classic_sim.runtime.log.count("ReplicationProtectedItems_List") >= 6


def test_one_tls_context_per_ca_bundle(classic_sim: AsrSimulator) -> None:
    from failback_operator.azure.client import tls_context

    ca_file = str(classic_sim.ca_file)
    assert tls_context(ca_file) is tls_context(ca_file)
    assert tls_context(ca_file) is not tls_context(None)
