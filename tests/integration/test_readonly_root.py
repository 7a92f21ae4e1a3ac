"""The operator on a read-only root filesystem, writable only where the chart mounts an emptyDir.

The chart's own Deployment says where the operator may write (TMPDIR on an emptyDir); the operator
runs through failback_operator.testenv.readonly_root, which refuses every other write with EROFS,
against a real API server and the Site Recovery simulator over HTTPS (whose CA bundle it must write).
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.testenv.binaries import find_binary
from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.operator_process import OperatorProcess, running_operator
from failback_operator.testenv.readonly_root import ENTRY, WRITABLE_DIRS_ENV
from tests.support.asr_sim import scenario

pytestmark = pytest.mark.controlplane


def _chart_tmpdir(repo_root: Path) -> str:
    """The TMPDIR the chart gives the operator, checked to be an emptyDir mount."""
    rendered = subprocess.run(
        [
            str(find_binary("helm")),
            "template",
            "failback-operator",
            str(repo_root / "charts/failback-operator"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    [deployment] = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    tmpdir = {e["name"]: e.get("value") for e in container["env"]}["TMPDIR"]
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == tmpdir]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert "emptyDir" in volume
    return str(tmpdir)


@pytest.fixture
def simulator() -> Iterator[AsrSimulator]:
    with SimulatorThread(scenario("classic-windows"), time_scale=600) as running:
        yield running


def _vault(crds: ControlPlane, sim: AsrSimulator, name: str) -> None:
    loaded = sim.runtime.scenario
    documents: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "failback-system"}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"{name}-sp", "namespace": "failback-system"},
            "stringData": {
                "tenantId": sim.tenant,
                "clientId": sim.client_id,
                "clientSecret": sim.client_secret,
            },
        },
        {
            "apiVersion": "failback.io/v1alpha1",
            "kind": "RecoveryVault",
            "metadata": {"name": name},
            "spec": {
                "subscriptionId": loaded.vault.subscription,
                "resourceGroup": loaded.vault.resource_group,
                "vaultName": loaded.vault.name,
                "configurationServer": loaded.configuration_server.name,
                "credentials": {"type": "ServicePrincipal", "secretRef": {"name": f"{name}-sp"}},
                "cloud": {
                    "resourceManager": sim.base_url,
                    "authority": sim.base_url,
                    "caBundle": Path(sim.ca_file).read_text(encoding="utf-8"),
                },
            },
        },
    ]
    for document in documents:
        crds.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=json.dumps(document))


def _connected(crds: ControlPlane, name: str) -> bool:
    vault = json.loads(crds.kubectl("get", "recoveryvault", name, "-o", "json").stdout)
    conditions = (vault.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Connected" and c["status"] == "True" for c in conditions)


def _operator(crds: ControlPlane, workdir: Path, tmpdir: Path, writable: Path) -> Any:
    tmpdir.mkdir(parents=True, exist_ok=True)
    environment = {
        "FAILBACK_OPERATOR_NAMESPACE": "failback-system",
        "FAILBACK_LEASE_NAME": f"readonly-{uuid.uuid4().hex[:6]}",
        "FAILBACK_RECONCILE_POLL_SECONDS": "1",
        "FAILBACK_RECONCILE_RETRY_SECONDS": "1",
        "TMPDIR": str(tmpdir),
        WRITABLE_DIRS_ENV: str(writable),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return running_operator(
        crds.kubeconfig, workdir / "operator.log", environment, entry=ENTRY, standalone=False
    )


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_the_operator_works_writing_only_to_the_charts_emptydir(
    crds: ControlPlane, simulator: AsrSimulator, repo_root: Path, tmp_path: Path
) -> None:
    mounted = tmp_path / "mounts" / _chart_tmpdir(repo_root).strip("/")
    name = f"ro-{uuid.uuid4().hex[:6]}"
    _vault(crds, simulator, name)
    with _operator(crds, tmp_path, tmpdir=mounted, writable=mounted) as operator:
        operator: OperatorProcess
        assert _wait(operator.ready, 30), operator.log_tail(40)
        assert _wait(lambda: _connected(crds, name), 60), operator.log_tail(40)
    assert "Read-only file system" not in (tmp_path / "operator.log").read_text()
    crds.kubectl("delete", "recoveryvault", name, "--wait=false")


def test_without_a_writable_tmpdir_the_operator_is_never_ready(
    crds: ControlPlane, simulator: AsrSimulator, tmp_path: Path
) -> None:
    """The check has teeth: the operator does write temporary files, and is not Ready when it cannot."""
    readonly, writable = tmp_path / "readonly-tmp", tmp_path / "elsewhere"
    log = tmp_path / "operator.log"
    with _operator(crds, tmp_path, tmpdir=readonly, writable=writable) as operator:
        operator: OperatorProcess
        assert _wait(lambda: operator.liveness().get("leading") is True, 30), operator.log_tail(20)
        assert _wait(lambda: "No usable temporary directory found" in log.read_text(), 30), operator.log_tail(
            20
        )
        # Alive (the liveness probe would not restart it) and leading, but not Ready: it cannot act.
        assert not operator.ready()
        assert operator.liveness()["leading"] is True
