"""The plan service on the real API server, where no outside system is needed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.services.plans import PlanFacts, PlanService
from failback_operator.storage.kube import KubeStore
from failback_operator.storage.reservations import DiskSlotLedger
from failback_operator.testenv.controlplane import ControlPlane

pytestmark = pytest.mark.controlplane

NOW = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)


class _NeverRead:
    """A facts source that fails the test if the plan gets as far as reading outside systems."""

    async def read(self, *args: Any, **kwargs: Any) -> PlanFacts:
        raise AssertionError("the plan read Site Recovery although its master target does not exist")


async def test_a_missing_master_target_is_said_in_status_not_logged(
    crds: ControlPlane, repo_root: Path
) -> None:
    plan: dict[str, Any] = yaml.safe_load((repo_root / "examples/40-failbackplan-windows.yaml").read_text())
    plan["metadata"]["name"] = "orphan-plan"
    plan["spec"]["masterTargetRef"]["name"] = "no-such-master-target"
    crds.kubectl("apply", "--server-side", "-f", str(repo_root / "examples/00-namespaces.yaml"))
    crds.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(plan))
    api_client = crds.api_client()
    store = KubeStore(api_client, operator_namespace="failback-system")
    service = PlanService(
        store=store, facts_source=_NeverRead(), ledger=DiskSlotLedger(store, lambda: NOW), clock=lambda: NOW
    )
    try:
        await service.look("team-apps", "orphan-plan")
        await service.look("team-apps", "orphan-plan")
        stored = await store.get("failbackplans", "orphan-plan", "team-apps")
    finally:
        api_client.close()
        # An active plan left behind would claim its items from later tests' plans.
        crds.kubectl("delete", "failbackplan", "orphan-plan", "-n", "team-apps", "--wait=false", check=False)
    status = stored["status"]
    assert (status["phase"], status["progression"]) == ("Pending", "ReferenceNotFound")
    assert "MasterTarget no-such-master-target does not exist" in status["message"]
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "NotFound")
    assert status["observedGeneration"] == stored["metadata"]["generation"]
    events = crds.kubectl(
        "get",
        "events",
        "-n",
        "team-apps",
        "--field-selector",
        "involvedObject.name=orphan-plan",
        "-o",
        "yaml",
    ).stdout
    # One event for the state, not one per look.
    assert [e["reason"] for e in yaml.safe_load(events)["items"]] == ["ReferenceNotFound"]
