"""The scripted ARM endpoint and a Site Recovery adapter connected to it, for the adapter's tests."""

from __future__ import annotations

import pytest
from scripted_arm import IDENTITY, ScriptedArm, vault_config

from failback_operator.azure import SiteRecovery


@pytest.fixture
async def arm(tmp_path):
    server = ScriptedArm(tmp_path)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def site_recovery(arm):
    adapter = SiteRecovery.connect(vault_config(arm), IDENTITY)
    yield adapter
    await adapter.close()
