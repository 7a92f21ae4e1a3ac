"""Ways to run the simulator: in the caller's event loop with the async SDK, and as a command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from azure.identity.aio import ClientSecretCredential
from azure.mgmt.recoveryservicessiterecovery import models
from azure.mgmt.recoveryservicessiterecovery.aio import SiteRecoveryManagementClient

from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from tests.support.asr_sim import (
    EXAMPLES,
    FirstResponse,
    classic_reprotect_input,
    item_path,
    scenario,
    sdk_client,
)

REPO = Path(__file__).resolve().parents[2]


async def test_async_simulator_with_the_async_sdk() -> None:
    async with AsrSimulator(scenario("modernized"), time_scale=3000) as simulator:
        assert simulator.port != 0
        assert simulator.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
        credential = ClientSecretCredential(
            simulator.tenant,
            simulator.client_id,
            simulator.client_secret,
            authority=simulator.base_url,
            disable_instance_discovery=True,
            connection_verify=str(simulator.ca_file),
        )
        vault = simulator.runtime.scenario.vault
        async with (
            credential,
            SiteRecoveryManagementClient(
                credential,
                vault.subscription,
                base_url=simulator.base_url,
                connection_verify=str(simulator.ca_file),
                credential_scopes=["https://management.azure.com/.default"],
            ) as client,
        ):
            items = [
                item
                async for item in client.replication_protected_items.list(vault.resource_group, vault.name)
            ]
            assert all(
                isinstance(item.properties.provider_specific_details, models.InMageRcmReplicationDetails)
                for item in items
            )


def test_location_url_answers_202_then_the_item() -> None:
    with SimulatorThread(scenario("classic-windows"), time_scale=1) as simulator:
        vault = sdk_client(simulator)
        first = FirstResponse()
        vault.client.replication_protected_items.begin_reprotect(
            *vault.item_scope,
            "V2A-W2K16-201-new",
            classic_reprotect_input(vault),
            polling=False,
            raw_response_hook=first,
        )
        assert first.headers is not None
        session = requests.Session()
        session.trust_env = False
        session.verify = str(simulator.ca_file)
        token = vault.client._config.credential.get_token("https://management.azure.com/.default").token
        session.headers["Authorization"] = f"Bearer {token}"
        running = session.get(first.headers["Location"])
        assert running.status_code == 202
        assert running.headers["Retry-After"] == "30"
        status = session.get(first.headers["Azure-AsyncOperation"]).json()
        assert status["status"] == "InProgress"
        assert status["name"] == first.job_id
        simulator.runtime.advance(20)
        done = session.get(first.headers["Location"])
        assert done.status_code == 200
        assert done.json()["properties"]["providerSpecificDetails"]["instanceType"] == "InMage"
        assert done.json()["id"].endswith(
            item_path(vault, "V2A-W2K16-201-new").split("/replicationFabrics/")[1]
        )
        assert session.get(first.headers["Azure-AsyncOperation"]).json()["status"] == "Succeeded"


def test_command_line_prints_where_to_connect(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "operator")}
    command = [
        sys.executable, "-m", "failback_operator", "sim", "asr",
        "--scenario", str(EXAMPLES / "classic-linux.yaml"), "--time-scale", "60", "--cert-dir", str(tmp_path),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.startswith("Site Recovery simulator listening on https://127.0.0.1:")
        base_url = first_line.rsplit(" ", 1)[-1].strip()
        rest = [process.stdout.readline() for _ in range(5)]
        assert any(str(tmp_path / "asr-sim-ca.pem") in line for line in rest)
        env_file = tmp_path / "asr-sim.env"
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"
        assert "AZURE_CLIENT_SECRET" in env_file.read_text()
        assert "sim-only-classic-linux-secret" not in "".join([first_line, *rest])
        session = requests.Session()
        session.trust_env = False
        state = session.get(f"{base_url}/_sim/state", verify=str(tmp_path / "asr-sim-ca.pem")).json()
        assert set(state["items"]) == {"V2A-RHEL8-301-new", "V2A-UBU20-302-new"}
        assert state["timeScale"] == 60
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "stopped" in output


def test_command_line_rejects_a_broken_scenario(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("architecture: classic\nvault: {name: v}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "operator")}
    result = subprocess.run(
        [sys.executable, "-m", "failback_operator", "sim", "asr", "--scenario", str(broken)],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "vault.subscription" in result.stderr
