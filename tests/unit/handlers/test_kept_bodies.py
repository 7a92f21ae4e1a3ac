"""The managed fields are dropped from the body Kopf keeps for each plan's and master target's daemon."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest

from failback_operator.handlers.kept_bodies import drop_managed_fields
from failback_operator.handlers.master_targets import master_target_event
from failback_operator.handlers.plans import index_plan
from failback_operator.services.plan_index import PlanIndex

MANAGED = [
    {
        "manager": "failback-operator",
        "operation": "Update",
        "subresource": "status",
        "fieldsV1": {"f:status": {"f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:message": {}}}}},
    }
]


def _event(kind: str, **spec: Any) -> dict[str, Any]:
    return {
        "type": "MODIFIED",
        "object": {
            "apiVersion": "failback.io/v1alpha1",
            "kind": kind,
            "metadata": {"name": "p", "namespace": "apps", "resourceVersion": "7", "managedFields": MANAGED},
            "spec": spec,
            "status": {"phase": "Ready"},
        },
    }


def test_only_the_managed_fields_go() -> None:
    event = _event("FailbackPlan", vaultRef={"name": "v"})
    before = copy.deepcopy(event)
    drop_managed_fields(event)
    assert "managedFields" not in event["object"]["metadata"]
    del before["object"]["metadata"]["managedFields"]
    assert event == before


@pytest.mark.parametrize(
    "event", [None, {}, {"object": None}, {"object": {"metadata": None}}, {"object": []}]
)
def test_odd_events_are_left_alone(event: Any) -> None:
    drop_managed_fields(event)


async def _no_list() -> list[dict[str, Any]]:
    return []


async def test_the_plan_and_master_target_event_handlers_drop_them() -> None:
    plan_event = _event("FailbackPlan", vaultRef={"name": "v"}, masterTargetRef={"name": "mt"})
    index = PlanIndex(_no_list)
    runtime = SimpleNamespace(plan_index=index, vault_poller=None)
    await index_plan(
        type="MODIFIED",
        body=plan_event["object"],
        name="p",
        namespace="apps",
        memo=SimpleNamespace(runtime=runtime),
        event=plan_event,
    )
    assert "managedFields" not in plan_event["object"]["metadata"]
    master_target = _event("MasterTarget")
    await master_target_event(event=master_target)
    assert "managedFields" not in master_target["object"]["metadata"]
