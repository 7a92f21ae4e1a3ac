"""A classic Windows replication group from `kubectl apply` to committed, the operator its own process.

Real parts only: kube-apiserver and etcd, the Site Recovery simulator over HTTPS through the real
SDK and azure-identity, and vcsim through pyvmomi. The operator runs through the vcsim gaps shim
(tests/integration/vcsim_gaps.py), which supplies the two facts vcsim cannot model.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.sim.asr.scenario import Scenario
from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.operator_process import OperatorProcess, running_operator
from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.vsphere.connection import VCenterEndpoint, vcenter_session

from ..integration.asr_sim_support import scenario
from ..integration.preflight_setup import GAPS_SHIM, Setup, classic_setup
from ..integration.vsphere.vcsim_builders import MASTER_TARGET_HOST, VCSIM_MODEL, Inventory

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

MASTER_TARGET = "V2A-PS-200"
DATASTORE = "datastore1"
ITEMS = ("V2A-W2K16-201-new", "V2A-W2K19-202-new")
ON_PREMISES_VMS = ("V2A-W2K16-201", "V2A-W2K19-202")
# Simulated minutes per real second: reprotect (20 min) takes 2 s, resync (60 min) 6 s.
TIME_SCALE = 600

OPERATOR_ENVIRONMENT = {
    "FAILBACK_OPERATOR_NAMESPACE": "failback-system",
    "FAILBACK_ACTIVE_POLL_SECONDS": "1",
    "FAILBACK_IDLE_POLL_SECONDS": "2",
    "FAILBACK_INTENT_GRACE_SECONDS": "20",
    "FAILBACK_AGENT_RETRY_SECONDS": "1",
}


def e2e_scenario() -> Scenario:
    """Classic Windows, the master target on the items' newest OS, the vCenter at vcsim's address."""
    base = scenario("classic-windows", vcenter_host="127.0.0.1")
    master_targets = [
        mt.model_copy(update={"os_version": "Microsoft Windows Server 2019 Datacenter"})
        if mt.name == MASTER_TARGET
        else mt
        for mt in base.master_targets
    ]
    return base.model_copy(update={"master_targets": master_targets})


@pytest.fixture(scope="module")
def vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimServer]:
    with run_vcsim(tmp_path_factory.mktemp("vcsim"), model_args=VCSIM_MODEL) as server:
        yield server


@pytest.fixture(scope="module")
def inventory(vcsim: VcsimServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inventory]:
    endpoint = VCenterEndpoint(
        host=vcsim.host, port=vcsim.port, user=vcsim.user, password=vcsim.password, ca_file=str(vcsim.ca_file)
    )
    with vcenter_session(endpoint) as session:
        built = Inventory(session=session, workdir=tmp_path_factory.mktemp("datastores"))
        host = built.host(MASTER_TARGET_HOST)
        built.nas_datastore(host, DATASTORE, "VMFS")
        built.create_vm(MASTER_TARGET, host=host, datastore=DATASTORE)
        for name in ON_PREMISES_VMS:
            # Powered off, as reprotect leaves them (FB031).
            built.create_vm(name, host=host, datastore=DATASTORE, power_on=False)
        yield built


@pytest.fixture(scope="module")
def simulator() -> Iterator[AsrSimulator]:
    with SimulatorThread(e2e_scenario(), time_scale=TIME_SCALE) as running:
        yield running


def _setup(simulator: AsrSimulator, vcsim: VcsimServer) -> Setup:
    setup = classic_setup(simulator, vcsim, master_target_vm=MASTER_TARGET)
    setup.vcenter["spec"]["discoveryUser"] = "vcenteruser"
    now = datetime.now(UTC)
    plan = setup.plans[0]["spec"]
    plan["window"] = {
        "start": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    plan["approval"] = {"policy": "Required"}
    return setup


def _apply(control_plane: ControlPlane, documents: list[dict[str, Any]]) -> None:
    control_plane.kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump_all(documents)
    )


def _plan(control_plane: ControlPlane) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        control_plane.kubectl("get", "failbackplan", "windows-apps", "-n", "team-apps", "-o", "json").stdout
    )
    return found


def _wait_for(
    control_plane: ControlPlane, operator: OperatorProcess, phase: str, timeout: float = 120.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    plan = _plan(control_plane)
    while time.monotonic() < deadline:
        plan = _plan(control_plane)
        status = plan.get("status") or {}
        current = status.get("observedGeneration") == plan["metadata"]["generation"]
        if current and status.get("phase") == phase:
            return plan
        if status.get("phase") in {"Failed", "Paused"} and phase not in {"Failed", "Paused"}:
            break
        time.sleep(0.5)
    raise AssertionError(
        f"plan did not reach {phase}; status: {json.dumps(plan.get('status'), indent=1)}\n"
        f"operator log:\n{operator.log_tail(60)}"
    )


@pytest.fixture(scope="module")
def cluster(crds: ControlPlane, repo_root: Path) -> ControlPlane:
    crds.kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", str(repo_root / "examples/00-namespaces.yaml")
    )
    return crds


def test_classic_group_from_apply_to_committed(
    cluster: ControlPlane,
    simulator: AsrSimulator,
    vcsim: VcsimServer,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    setup = _setup(simulator, vcsim)
    _apply(cluster, [*setup.secrets, setup.vault, setup.vcenter, setup.master_target])
    _apply(cluster, setup.plans)
    with running_operator(
        cluster.kubeconfig, tmp_path / "operator.log", OPERATOR_ENVIRONMENT, entry=(str(GAPS_SHIM),)
    ) as operator:
        protected = _wait_for(cluster, operator, "Completed")
        status = protected["status"]
        assert status["itemsReady"] == "2/2"
        assert {i["stage"] for i in status["items"]} == {"ProtectedToOnPremises"}
        # Facts Site Recovery clears after reprotect were kept.
        assert {i["osType"] for i in status["items"]} == {"Windows"}
        conditions = {c["type"]: c for c in status["conditions"]}
        assert conditions["Protected"]["status"] == "True"
        assert conditions["Ready"]["observedGeneration"] == protected["metadata"]["generation"]
        counts = simulator.runtime.log.counts()
        for item in ITEMS:
            assert counts.get(f"ReplicationProtectedItems_Reprotect {item}") == 1, counts

        # Fail back and commit: one go-ahead for this run, then the action a person commits to Git.
        approval = {
            "apiVersion": "failback.io/v1alpha1",
            "kind": "FailbackApproval",
            "metadata": {"name": "go-run-1", "namespace": "team-apps"},
            "spec": {"planRef": {"name": "windows-apps"}, "run": "run-1", "approver": "ops-lead"},
        }
        _apply(cluster, [approval])
        cluster.kubectl(
            "patch",
            "failbackplan",
            "windows-apps",
            "-n",
            "team-apps",
            "--type=merge",
            "-p",
            json.dumps({"spec": {"action": "Commit"}}),
        )
        committed = _wait_for(cluster, operator, "Completed", timeout=180)
        conditions = {c["type"]: c for c in committed["status"]["conditions"]}
        assert conditions["Committed"]["status"] == "True"
        assert conditions["FailedBack"]["status"] == "True"
        assert all(i["shutdownConfirmed"] for i in committed["status"]["items"])
        counts = simulator.runtime.log.counts()
        assert counts.get("ReplicationRecoveryPlans_UnplannedFailover rp-app1") == 1, counts
        assert counts.get("ReplicationRecoveryPlans_FailoverCommit rp-app1") == 1, counts
        for item in ITEMS:
            assert counts.get(f"ReplicationProtectedItems_Reprotect {item}") == 1, counts

    board = cluster.kubectl("get", "fbp", "-n", "team-apps").stdout
    assert "windows-apps" in board
    assert "Completed" in board
    assert "2/2" in board
    events = cluster.kubectl(
        "get",
        "events",
        "-n",
        "team-apps",
        "--field-selector",
        "involvedObject.name=windows-apps",
        "-o",
        "json",
    ).stdout
    reasons = {e["reason"] for e in json.loads(events)["items"]}
    assert {"ReprotectStarted", "FailoverStarted", "CommitStarted"} <= reasons
