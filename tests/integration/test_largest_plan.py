"""The largest plan the CRD allows, on the real API server: its status is accepted, whole and bounded."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.api.resources import Action
from failback_operator.api.status import FailbackPlanStatus, ItemError, ItemIntent, ItemStatus
from failback_operator.api.vocabulary import ItemStage, Operation
from failback_operator.facts import ReplicationGroup
from failback_operator.storage.kube import KubeStore
from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.workflow import decide

from ..unit.status.test_vaults import large_estate_status
from ..unit.workflow.world import NOW, item, job, observe, request

pytestmark = pytest.mark.controlplane

GROUPS, ITEMS_PER_GROUP = 10, 60  # the CRD's maxItems


def _name(group: int, index: int) -> str:
    """An item name of the longest length the CRD allows (128)."""
    stem = f"V2A-W2K19-{group:02d}-{index:02d}-"
    return stem + "x" * (128 - len(stem) - 4) + "-new"


def _groups() -> tuple[ReplicationGroup, ...]:
    return tuple(
        ReplicationGroup(
            name=f"group-{g:02d}-" + "g" * 50,
            items=tuple(_name(g, i) for i in range(ITEMS_PER_GROUP)),
            recovery_plan=f"rp-{g:02d}-" + "r" * 100,
        )
        for g in range(GROUPS)
    )


def _plan(name: str, groups: tuple[ReplicationGroup, ...]) -> dict[str, Any]:
    return {
        "apiVersion": "failback.io/v1alpha1",
        "kind": "FailbackPlan",
        "metadata": {"name": name, "namespace": "team-apps"},
        "spec": {
            "action": "Reprotect",
            "run": "run-1",
            "vaultRef": {"name": "pwstestvault"},
            "masterTargetRef": {"name": "v2a-ps-200"},
            "datastore": "datastore1",
            "groups": [
                {"name": g.name, "recoveryPlan": g.recovery_plan, "items": [{"name": i} for i in g.items]}
                for g in groups
            ],
        },
    }


def _largest_status(groups: tuple[ReplicationGroup, ...]) -> FailbackPlanStatus:
    """Every item syncing with its job, disks, ids and the longest error the CRD allows: the fullest."""
    names = [(g.name, n) for g in groups for n in g.items]
    previous = FailbackPlanStatus(
        observed_run="run-1",
        items=tuple(
            ItemStatus(
                name=n,
                group=g,
                stage=ItemStage.SYNCING,
                intent=ItemIntent(operation=Operation.REPROTECT, attempt=1, time=NOW, job_name=f"job-{n}"),
                last_error=ItemError(code="99999", message="e" * 4096, remedy="r" * 4096, time=NOW),
            )
            for g, n in names
        ),
    )
    jobs = tuple(job(f"job-{n}", "SwitchReplicationGroupProtection", n.upper()) for _, n in names)
    syncing = [item(n, "Syncing", sync_progress_percent=42) for _, n in names]
    plan = request(Action.REPROTECT, groups=groups)
    return decide(
        plan, previous, observe(*syncing, jobs=jobs, reserved=True), NOW + timedelta(minutes=1)
    ).status


def test_the_largest_plan_is_accepted_and_its_status_fits(crds: ControlPlane, repo_root: Path) -> None:
    groups = _groups()
    name = "largest-plan"
    crds.kubectl("apply", "--server-side", "-f", str(repo_root / "examples/00-namespaces.yaml"))
    crds.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(_plan(name, groups)))
    status = _largest_status(groups)
    assert len(status.items or ()) == GROUPS * ITEMS_PER_GROUP
    api_client = crds.api_client()
    store = KubeStore(api_client, operator_namespace="failback-system")
    try:

        async def write() -> dict[str, Any]:
            obj = await store.get("failbackplans", name, "team-apps")
            return await store.replace_status(obj, status.to_status())

        written = asyncio.run(write())
    finally:
        api_client.close()
        crds.kubectl("delete", "failbackplan", name, "-n", "team-apps", "--wait=false", check=False)
    stored = written["status"]
    assert len(stored["items"]) == GROUPS * ITEMS_PER_GROUP
    assert len(stored["message"]) <= 8192
    assert "more not shown" in stored["message"]
    assert "status shortened to fit the API server" in stored["message"]
    assert all(len(i["lastError"]["message"]) <= 4096 for i in stored["items"])
    size = len(json.dumps(written))
    print(f"largest plan: {size} bytes stored, status {len(json.dumps(stored))} bytes")


def test_a_large_estates_vault_status_is_accepted(crds: ControlPlane, repo_root: Path) -> None:
    """400 master targets and process servers, hundreds of datastores each: the API server takes it."""
    vault = yaml.safe_load((repo_root / "examples/20-recoveryvault.yaml").read_text())
    name = vault["metadata"]["name"]
    crds.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(vault))
    status = large_estate_status()
    api_client = crds.api_client()
    store = KubeStore(api_client, operator_namespace="failback-system")
    try:

        async def write() -> dict[str, Any]:
            obj = await store.get("recoveryvaults", name)
            return await store.replace_status(obj, status.to_status())

        written = asyncio.run(write())
    finally:
        api_client.close()
        crds.kubectl("delete", "recoveryvault", name, "--wait=false", check=False)
    assert len(written["status"]["masterTargets"]) == len(written["status"]["processServers"]) == 256
