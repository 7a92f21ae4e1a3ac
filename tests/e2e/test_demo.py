"""`failback-operator demo` walks both plans home, non-interactively, as the chart's ServiceAccount."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

SERVICE_ACCOUNT = "system:serviceaccount:failback-system:failback-operator"


def test_demo_brings_every_plan_home(tmp_path: Path, repo_root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(repo_root / "operator"), "COLUMNS": "200"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "failback_operator",
            "demo",
            "--no-live",
            "--time-scale",
            "3000",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
        check=False,
    )
    output = completed.stdout
    assert completed.returncode == 0, (
        output + completed.stderr + (tmp_path / "operator.log").read_text()[-4000:]
    )
    # Each step is the kubectl command a person would type.
    assert (
        'kubectl patch fbp windows-apps -n team-apps --type=merge -p \'{"spec": {"action": "Reprotect"}}\''
        in output
    )
    assert "kubectl apply --server-side --force-conflicts -f" in output
    assert "50-failbackapproval.yaml" in output
    assert '{"spec": {"action": "Commit"}}' in output
    # The snapshot on the master target blocks first, with its rule ID and the remedy.
    assert "FB006 Failed: master target V2A-PS-200 has 1 snapshot(s): nightly-backup" in output
    assert "Remedy: delete the master target's snapshots" in output
    assert "Delete all snapshots" in output
    # The summary, and every plan Completed.
    assert "Mutating calls per item or recovery plan: each made exactly once" in output
    assert "Site Recovery calls by kind" in output
    assert "windows-apps: Completed" in output
    # `kubectl get fbp` says why a plan waits or stops; the approval says it was accepted.
    assert "REASON" in output
    assert re.search(r"windows-apps-chg-0042\s+windows-apps\s+chg-0042\s+True", output)
    assert "linux-web: Completed" in output

    # Its metrics, and its log as JSON lines.
    assert 'failback_plans{phase="Completed"} 2.0' in output
    assert "failback_leader 1.0" in output
    assert 'failback_site_recovery_calls_total{operation="reprotect",outcome="ok"} 4.0' in output
    log_lines = (tmp_path / "operator.log").read_text().splitlines()
    assert all(json.loads(line)["message"] is not None for line in log_lines if line.startswith("{"))
    assert sum(line.startswith("{") for line in log_lines) > len(log_lines) / 2

    # The operator wrote every status as the chart's ServiceAccount, and was never refused.
    audit = [json.loads(line) for line in (tmp_path / "controlplane" / "audit.log").read_text().splitlines()]
    by_operator = [e for e in audit if e["user"]["username"] == SERVICE_ACCOUNT]
    status_writes = [
        e
        for e in by_operator
        if e.get("objectRef", {}).get("subresource") == "status" and e["verb"] in {"update", "patch"}
    ]
    assert {e["objectRef"]["resource"] for e in status_writes} >= {"failbackplans", "mastertargets"}
    refused = [e for e in by_operator if e.get("responseStatus", {}).get("code") == 403]
    assert refused == [], refused[:3]
