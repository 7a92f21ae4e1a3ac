"""The kustomize component that puts the health checks into argocd-cm, built with kubectl's kustomize."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from failback_operator.api.status import STATUS_MODELS
from tests.support.real_parts import require_binary

ROOT = Path(__file__).resolve().parents[3]
COMPONENT = ROOT / "argocd"
KEY = "resource.customizations.health.failback.io_{kind}"


def _files() -> dict[str, Path]:
    component = yaml.safe_load((COMPONENT / "kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    [generator] = component["configMapGenerator"]
    assert (generator["name"], generator["behavior"]) == ("argocd-cm", "merge")
    assert generator["options"]["disableNameSuffixHash"] is True
    pairs = [entry.split("=", 1) for entry in generator["files"]]
    return {key: COMPONENT / path for key, path in pairs}


def test_the_component_carries_every_kind_from_its_own_directory() -> None:
    files = _files()
    assert sorted(files) == sorted(KEY.format(kind=kind) for kind in STATUS_MODELS)
    for kind in STATUS_MODELS:
        path = files[KEY.format(kind=kind)]
        assert path == COMPONENT / "resource_customizations" / "failback.io" / kind / "health.lua"
        assert path.is_file()


def test_kustomize_merges_the_scripts_into_an_existing_argocd_cm(tmp_path: Path) -> None:
    kubectl = require_binary("kubectl")
    existing = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "labels": {"app.kubernetes.io/part-of": "argocd"}},
        "data": {"url": "https://argocd.example.internal", "statusbadge.enabled": "true"},
    }
    (tmp_path / "argocd-cm.yaml").write_text(yaml.safe_dump(existing))
    overlay = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "argocd",
        "resources": ["argocd-cm.yaml"],
        # kustomize takes only relative paths (or URLs) to components.
        "components": [os.path.relpath(COMPONENT, tmp_path)],
    }
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(overlay))
    built = subprocess.run(
        [str(kubectl), "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60, check=True
    )
    [config_map] = list(yaml.safe_load_all(built.stdout))
    assert (config_map["metadata"]["name"], config_map["metadata"]["namespace"]) == ("argocd-cm", "argocd")
    assert config_map["metadata"]["labels"] == existing["metadata"]["labels"]
    expected = dict(existing["data"])
    expected.update({key: path.read_text() for key, path in _files().items()})
    assert config_map["data"] == expected
