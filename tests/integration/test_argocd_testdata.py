"""The Argo CD health testdata on a real API server: every object is accepted and its status kept whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from failback_operator.testenv.controlplane import ControlPlane

from ..unit.argocd.lua import load_api_yaml

pytestmark = pytest.mark.controlplane

ROOT = Path(__file__).resolve().parents[2]
CUSTOMIZATIONS = ROOT / "argocd" / "resource_customizations" / "failback.io"
PLURALS = {
    "RecoveryVault": "recoveryvaults",
    "VCenter": "vcenters",
    "MasterTarget": "mastertargets",
    "FailbackPlan": "failbackplans",
    "FailbackApproval": "failbackapprovals",
}
TESTDATA = sorted(CUSTOMIZATIONS.glob("*/testdata/*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    document = load_api_yaml(path)
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("path", TESTDATA, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_testdata_object_and_status_are_stored_as_written(crds: ControlPlane, path: Path) -> None:
    document = _load(path)
    kind = document["kind"]
    namespaced = kind in {"FailbackPlan", "FailbackApproval"}
    name = f"{path.parts[-3].lower()}-{path.stem}"
    metadata: dict[str, Any] = {"name": name}
    where = []
    if namespaced:
        crds.kubectl("create", "namespace", "argocd-testdata", check=False)
        metadata["namespace"] = "argocd-testdata"
        where = ["--namespace=argocd-testdata"]
    body = {"apiVersion": document["apiVersion"], "kind": kind, "metadata": metadata}
    body["spec"] = document["spec"]
    crds.kubectl("apply", "--server-side", "--filename=-", input=json.dumps(body))
    status = document.get("status")
    if status is None:
        return
    patched = crds.kubectl(
        "patch",
        PLURALS[kind],
        name,
        *where,
        "--subresource=status",
        "--type=merge",
        f"--patch={json.dumps({'status': status})}",
        "--output=json",
    )
    # Nothing pruned, nothing refused: the health check reads what the operator can really store.
    assert json.loads(patched.stdout)["status"] == status
