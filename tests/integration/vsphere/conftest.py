"""Fixtures for the vCenter adapter tests: one vcsim per test run, a verified vCenter login per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.real_parts import require_vcsim
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VCSIM_MODEL, VMFS_DATASTORE, Inventory

from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession, vcenter_session


@pytest.fixture(scope="session")
def vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimServer]:
    """A vcsim for the whole test run; stopped at the end whatever the tests did."""
    require_vcsim()
    with run_vcsim(tmp_path_factory.mktemp("vcsim"), model_args=VCSIM_MODEL) as server:
        yield server


@pytest.fixture
def endpoint(vcsim: VcsimServer) -> VCenterEndpoint:
    """The vcsim endpoint, TLS verified against its CA."""
    return vcsim.endpoint


@pytest.fixture
def session(endpoint: VCenterEndpoint) -> Iterator[VCenterSession]:
    with vcenter_session(endpoint) as opened:
        yield opened


@pytest.fixture(scope="session")
def datastore_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("datastores")


@pytest.fixture
def inventory(session: VCenterSession, datastore_root: Path) -> Inventory:
    """Builders over the shared vcsim; the master target host gets a VMFS datastore once."""
    built = Inventory(session=session, workdir=datastore_root)
    built.nas_datastore(built.host(MASTER_TARGET_HOST), VMFS_DATASTORE, "VMFS")
    return built


@pytest.fixture
def unique() -> str:
    """A short suffix that keeps names of objects built by different tests apart."""
    return uuid.uuid4().hex[:6]
