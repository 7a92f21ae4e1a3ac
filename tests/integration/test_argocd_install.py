"""The install recipes of docs/argocd.md run as written: kubectl on a real API server, helm --set-file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from failback_operator.api.status import STATUS_MODELS
from failback_operator.testenv.binaries import cache_dir
from failback_operator.testenv.controlplane import ControlPlane
from tests.support.real_parts import require_binary

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "argocd.md"
EXISTING = {"url": "https://argocd.example.internal"}


def _snippet(after: str) -> str:
    """The first ```sh block after a marker in docs/argocd.md."""
    text = DOC.read_text()
    start = text.index("```sh\n", text.index(after)) + len("```sh\n")
    return text[start : text.index("```", start)]


def _scripts() -> dict[str, str]:
    base = ROOT / "argocd" / "resource_customizations" / "failback.io"
    return {
        f"resource.customizations.health.failback.io_{kind}": (base / kind / "health.lua").read_text()
        for kind in STATUS_MODELS
    }


def _workdir(tmp_path: Path) -> Path:
    """A copy of the scripts where the recipes' relative paths resolve, so nothing lands in the repository."""
    shutil.copytree(ROOT / "argocd", tmp_path / "argocd")
    return tmp_path


def _run(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{cache_dir() / 'bin'}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.controlplane
def test_the_kubectl_recipe_adds_the_scripts_and_keeps_the_rest(
    control_plane: ControlPlane, tmp_path: Path
) -> None:
    control_plane.kubectl("create", "namespace", "argocd", check=False)
    control_plane.kubectl(
        "create", "configmap", "argocd-cm", "--namespace=argocd", f"--from-literal=url={EXISTING['url']}"
    )
    _run(
        _snippet("**Argo CD installed otherwise.**"),
        _workdir(tmp_path),
        KUBECONFIG=str(control_plane.kubeconfig),
    )
    stored = json.loads(
        control_plane.kubectl("get", "configmap", "argocd-cm", "--namespace=argocd", "--output=json").stdout
    )
    assert stored["data"] == {**EXISTING, **_scripts()}


def test_the_helm_recipe_sets_one_key_per_kind(tmp_path: Path) -> None:
    require_binary("helm")
    # A stand-in for the argo-cd chart's argocd-cm template: configs.cm becomes the data.
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: argo-cd\nversion: 0.0.1\n")
    (chart / "values.yaml").write_text(yaml.safe_dump({"configs": {"cm": EXISTING}}))
    (chart / "templates" / "argocd-cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n"
        "{{- toYaml .Values.configs.cm | nindent 2 }}\n"
    )
    recipe = _snippet("**Argo CD installed with its Helm chart.**")
    upgrade = 'helm upgrade argocd argo/argo-cd --namespace argocd --reuse-values "$@"\n'
    assert recipe.endswith(upgrade)
    recipe = recipe.removesuffix(upgrade) + 'helm template argocd ./chart "$@"\n'
    home = tmp_path / "helm-home"
    rendered = _run(
        recipe,
        _workdir(tmp_path),
        HELM_CACHE_HOME=str(home / "cache"),
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_DATA_HOME=str(home / "data"),
    )
    [config_map] = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    assert config_map["data"] == {**EXISTING, **_scripts()}
