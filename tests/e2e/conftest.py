"""Fixtures of the end-to-end tests: one vcsim for the session, a fresh simulator and plan per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.testenv.controlplane import ControlPlane, running_control_plane
from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.vsphere import vcenter_session
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VCSIM_MODEL, Inventory

from .world import DATASTORE, MASTER_TARGET, ON_PREMISES_VMS, TIME_SCALE, World, e2e_scenario


@pytest.fixture(scope="session")
def e2e_vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimServer]:
    """vcsim with the master target VM and the powered-off on-premises VMs the scenario maps to."""
    with run_vcsim(tmp_path_factory.mktemp("e2e-vcsim"), model_args=VCSIM_MODEL) as server:
        endpoint = server.endpoint
        with vcenter_session(endpoint) as session:
            built = Inventory(session=session, workdir=tmp_path_factory.mktemp("e2e-datastores"))
            host = built.host(MASTER_TARGET_HOST)
            built.nas_datastore(host, DATASTORE, "VMFS")
            built.create_vm(MASTER_TARGET, host=host, datastore=DATASTORE)
            for name in ON_PREMISES_VMS:
                built.create_vm(name, host=host, datastore=DATASTORE, power_on=False)  # FB031
        yield server


@pytest.fixture(scope="session")
def e2e_cluster(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Iterator[ControlPlane]:
    """A control plane of the end-to-end tier's own, whichever tests ran before on this worker.

    Plans other tiers leave behind (examples, Argo CD test data) name the same machines and would
    claim them from the plans under test.
    """
    with running_control_plane(tmp_path_factory.mktemp("e2e-controlplane")) as cluster:
        cluster.apply_crds(repo_root / "crds")
        cluster.kubectl(
            "apply",
            "--server-side",
            "--force-conflicts",
            "-f",
            str(repo_root / "examples/00-namespaces.yaml"),
        )
        yield cluster


@pytest.fixture
def simulator() -> Iterator[AsrSimulator]:
    with SimulatorThread(e2e_scenario(), time_scale=TIME_SCALE) as running:
        yield running


@pytest.fixture
def world(
    e2e_cluster: ControlPlane, simulator: AsrSimulator, e2e_vcsim: VcsimServer, tmp_path: Path
) -> Iterator[World]:
    built = World(e2e_cluster, simulator, e2e_vcsim, tmp_path, plan=f"plan-{uuid.uuid4().hex[:6]}")
    try:
        yield built
    finally:
        # A plan left active would claim the items of the next test's plan.
        built.delete_plan()
