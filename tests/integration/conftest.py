"""Fixtures: a Site Recovery simulator per test, in its own thread, with the real SDK client."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from tests.support.asr_sim import Vault, scenario, sdk_client


@pytest.fixture(autouse=True)
def _no_ambient_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's Azure settings out of the tests."""
    for name in list(os.environ):
        if name.startswith("AZURE_"):
            monkeypatch.delenv(name)


def _start(name: str, time_scale: float = 3000.0) -> Iterator[AsrSimulator]:
    with SimulatorThread(scenario(name), time_scale=time_scale) as simulator:
        yield simulator


@pytest.fixture
def classic_sim() -> Iterator[AsrSimulator]:
    yield from _start("classic-windows")


@pytest.fixture
def linux_sim() -> Iterator[AsrSimulator]:
    yield from _start("classic-linux")


@pytest.fixture
def modern_sim() -> Iterator[AsrSimulator]:
    yield from _start("modernized")


@pytest.fixture
def classic(classic_sim: AsrSimulator) -> Vault:
    return sdk_client(classic_sim)


@pytest.fixture
def modern(modern_sim: AsrSimulator) -> Vault:
    return sdk_client(modern_sim)


@pytest.fixture
def linux(linux_sim: AsrSimulator) -> Vault:
    return sdk_client(linux_sim)
