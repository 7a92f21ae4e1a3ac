"""FailbackApproval status written on a real API server, and the Argo CD health of what was written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from failback_operator.services.approvals import ApprovalService
from failback_operator.storage.kube import KubeStore
from failback_operator.testenv.controlplane import ControlPlane

from ..unit.argocd.lua import run_health

pytestmark = pytest.mark.controlplane

NAMESPACE = "approvals-it"
HEALTH = Path(__file__).resolve().parents[2] / (
    "argocd/resource_customizations/failback.io/FailbackApproval/health.lua"
)


@pytest.fixture(scope="module")
def store(crds: ControlPlane) -> Iterator[KubeStore]:
    crds.kubectl("create", "namespace", NAMESPACE, check=False)
    api_client = crds.api_client()
    yield KubeStore(api_client, operator_namespace="failback-system")
    api_client.close()


def _apply(cluster: ControlPlane, *documents: dict[str, Any]) -> None:
    for document in documents:
        cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=json.dumps(document))


def _plan(name: str, run: str, policy: str = "Required") -> dict[str, Any]:
    return {
        "apiVersion": "failback.io/v1alpha1",
        "kind": "FailbackPlan",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "run": run,
            "vaultRef": {"name": "pwstestvault"},
            "masterTargetRef": {"name": "v2a-ps-200"},
            "datastore": "datastore1",
            "groups": [{"name": "web", "recoveryPlan": "rp-web", "items": [{"name": "vm-a"}]}],
            "approval": {"policy": policy},
        },
    }


def _approval(name: str, plan: str, run: str) -> dict[str, Any]:
    return {
        "apiVersion": "failback.io/v1alpha1",
        "kind": "FailbackApproval",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"planRef": {"name": plan}, "run": run, "approver": "ops-lead"},
    }


async def _judged(store: KubeStore, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    service = ApprovalService(store=store, clock=lambda: datetime.now(UTC))
    await service.look(NAMESPACE, name)
    obj = await store.get("failbackapprovals", name, NAMESPACE)
    [accepted] = obj["status"]["conditions"]
    return obj, accepted


async def test_an_approval_of_the_current_run_is_accepted_and_healthy(
    crds: ControlPlane, store: KubeStore
) -> None:
    _apply(crds, _plan("app-current", "r-1"), _approval("app-current-r-1", "app-current", "r-1"))
    obj, accepted = await _judged(store, "app-current-r-1")
    assert (accepted["status"], accepted["reason"]) == ("True", "Accepted")
    assert obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
    assert "acceptedAt" in obj["status"]
    assert run_health(HEALTH.read_text(), obj)["status"] == "Healthy"
    # Judged again with nothing changed: no write at all.
    version = obj["metadata"]["resourceVersion"]
    again, _ = await _judged(store, "app-current-r-1")
    assert again["metadata"]["resourceVersion"] == version


async def test_a_new_run_makes_the_approval_stale(crds: ControlPlane, store: KubeStore) -> None:
    _apply(crds, _plan("app-rerun", "r-1"), _approval("app-rerun-r-1", "app-rerun", "r-1"))
    await _judged(store, "app-rerun-r-1")
    _apply(crds, _plan("app-rerun", "r-2"))
    obj, accepted = await _judged(store, "app-rerun-r-1")
    assert (accepted["status"], accepted["reason"]) == ("False", "StaleRun")
    assert "r-2" in accepted["message"]
    assert "acceptedAt" not in obj["status"]
    assert run_health(HEALTH.read_text(), obj)["status"] == "Suspended"


@pytest.mark.parametrize(
    ("plan", "reason", "health"),
    [(None, "PlanNotFound", "Degraded"), ("None", "ApprovalNotRequired", "Suspended")],
)
async def test_an_approval_that_approves_nothing_says_why(
    crds: ControlPlane, store: KubeStore, plan: str | None, reason: str, health: str
) -> None:
    name = f"app-{reason.lower()}"
    if plan is not None:
        _apply(crds, _plan(name, "r-1", policy=plan))
    _apply(crds, _approval(f"{name}-r-1", name, "r-1"))
    obj, accepted = await _judged(store, f"{name}-r-1")
    assert (accepted["status"], accepted["reason"]) == ("False", reason)
    assert run_health(HEALTH.read_text(), obj)["status"] == health


async def test_an_approval_of_a_plan_being_deleted_approves_nothing(
    crds: ControlPlane, store: KubeStore
) -> None:
    """The plan's delete handler judges its approvals while the plan still exists (finalizer)."""
    _apply(crds, _plan("app-deleted", "r-1"), _approval("app-deleted-r-1", "app-deleted", "r-1"))
    await _judged(store, "app-deleted-r-1")
    service = ApprovalService(store=store, clock=lambda: datetime.now(UTC))
    await service.look_for_plan(NAMESPACE, "app-deleted", gone=True)
    obj = await store.get("failbackapprovals", "app-deleted-r-1", NAMESPACE)
    [accepted] = obj["status"]["conditions"]
    assert (accepted["status"], accepted["reason"]) == ("False", "PlanNotFound")
