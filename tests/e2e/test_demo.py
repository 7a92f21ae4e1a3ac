"""`failback-operator demo` sets up the API and the examples on a fresh control plane."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.controlplane


def test_demo_applies_every_example(tmp_path: Path, repo_root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(repo_root / "operator")}
    completed = subprocess.run(
        [sys.executable, "-m", "failback_operator", "demo", "--no-wait", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    examples = [p for p in (repo_root / "examples").glob("*.yaml")]
    assert f"examples applied: {len(examples)} files" in completed.stdout
    for name in ("failbackplans.failback.io", "mastertargets.failback.io", "failbackapprovals.failback.io"):
        assert name in completed.stdout
    assert "failbackplan.failback.io/windows-apps" in completed.stdout
    assert f"export KUBECONFIG={tmp_path / 'kubeconfig'}" in completed.stdout
