"""The Helm chart rendered with the helm built by tools/testenv, and a ServiceAccount's own kubeconfig."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from failback_operator.testenv.binaries import find_binary
from failback_operator.testenv.controlplane import ControlPlane

__all__ = [
    "CHART",
    "RBAC_KINDS",
    "chart_documents",
    "service_account_kubeconfig",
]

CHART = Path(__file__).resolve().parents[3] / "charts" / "failback-operator"
# What the chart grants the operator: its identity and exactly its rights.
RBAC_KINDS = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")


def chart_documents(
    *args: str,
    release: str = "failback-operator",
    namespace: str = "failback-system",
    chart: Path = CHART,
) -> list[dict[str, Any]]:
    """`helm template` of the chart, as a list of objects."""
    rendered = subprocess.run(
        [str(find_binary("helm")), "template", release, str(chart), "--namespace", namespace, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [document for document in yaml.safe_load_all(rendered) if document]


def service_account_kubeconfig(
    plane: ControlPlane, namespace: str, name: str, path: Path, duration: str = "24h"
) -> Path:
    """A kubeconfig signed in as ServiceAccount `namespace/name`, its token from the TokenRequest API."""
    token = plane.kubectl("create", "token", name, "--namespace", namespace, f"--duration={duration}")
    user = f"system:serviceaccount:{namespace}:{name}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "local",
                "cluster": {"server": plane.server, "certificate-authority": str(plane.ca_file)},
            }
        ],
        "users": [{"name": user, "user": {"token": token.stdout.strip()}}],
        "contexts": [
            {"name": "operator", "context": {"cluster": "local", "user": user, "namespace": namespace}}
        ],
        "current-context": "operator",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path
