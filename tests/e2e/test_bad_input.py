"""Malformed and inconsistent plans, generated, against the real API server and the running operator.

Each is refused by the API server with a message naming the field, or accepted and shown by the
operator in its status (a Ready condition at the plan's generation, naming what it cannot use);
meanwhile a valid plan beside them goes on to Completed, each call made once.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .world import ITEMS, NAMESPACE, RECOVERY_PLAN, World

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

REPROTECT = "ReplicationProtectedItems_Reprotect"
FAILOVER = "ReplicationRecoveryPlans_UnplannedFailover"
COMMIT = "ReplicationRecoveryPlans_FailoverCommit"
# References whose value the operator must name when it cannot find what they point to.
REFERENCES = {("vaultRef", "name"), ("masterTargetRef", "name")}

_printable = st.characters(blacklist_categories=("Cs", "Cc"))
VALUES = st.one_of(
    st.none(),  # the field removed
    st.booleans(),
    st.integers(min_value=-5, max_value=10**6),
    st.text(_printable, max_size=80),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=70),
    st.lists(st.integers(), max_size=2),
    st.just({}),
)
PATHS: list[tuple[str | int, ...]] = [
    ("action",),
    ("run",),
    ("datastore",),
    ("processServer",),
    ("retentionDrive",),
    ("recoveryPoint",),
    ("commit",),
    ("vaultRef",),
    ("vaultRef", "name"),
    ("masterTargetRef", "name"),
    ("approval", "policy"),
    ("window",),
    ("window", "end"),
    ("groups",),
    ("groups", 0, "name"),
    ("groups", 0, "recoveryPlan"),
    ("groups", 0, "items"),
    ("groups", 0, "items", 0, "name"),
]
# Inconsistent on purpose, each valid alone: two items without a recovery plan, a window that
# ends before it starts, a group named twice, one item named twice in a group and across groups.
INCONSISTENT: list[dict[str, Any]] = [
    {"groups": [{"name": "g", "items": [{"name": "bad-a"}, {"name": "bad-b"}]}]},
    {"window": {"start": "2026-11-29T02:00:00Z", "end": "2026-11-28T22:00:00Z"}},
    {"groups": [{"name": "g", "items": [{"name": "bad-a"}]}, {"name": "g", "items": [{"name": "bad-b"}]}]},
    {"groups": [{"name": "g", "recoveryPlan": "rp", "items": [{"name": "bad-a"}, {"name": "bad-a"}]}]},
    {"action": "Failback", "window": None},
    {"groups": [{"name": "g1", "items": [{"name": "bad-a"}]}, {"name": "g2", "items": [{"name": "bad-a"}]}]},
]
MUTATIONS = st.one_of(
    st.tuples(st.sampled_from(PATHS), VALUES).map(lambda pv: ("set", pv)),
    st.sampled_from(INCONSISTENT).map(lambda change: ("merge", change)),
)
_names = itertools.count(1)


def _bad_plan(base: dict[str, Any], mutation: tuple[str, Any]) -> tuple[dict[str, Any], tuple[Any, ...], Any]:
    """A copy of `base` with one mutation; returns it, the path changed, and the value set."""
    plan = copy.deepcopy(base)
    plan["metadata"] = {"name": f"bad-input-{next(_names)}", "namespace": NAMESPACE}
    spec = plan["spec"]
    # Items no vault lists, so that the valid plan keeps its own.
    spec["groups"] = [
        {"name": "g", "recoveryPlan": "rp-bad", "items": [{"name": "bad-a"}, {"name": "bad-b"}]}
    ]
    spec["action"] = "Preflight"
    kind, change = mutation
    if kind == "merge":
        for key, value in change.items():
            if value is None:
                spec.pop(key, None)
            else:
                spec[key] = value
        return plan, tuple(change), None
    path, value = change
    parent: Any = spec
    for step in path[:-1]:
        parent = parent[step]
    if value is None:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value
    return plan, path, value


def _status_shown(world: World, name: str, timeout: float = 30.0) -> dict[str, Any]:
    """The plan once the operator wrote a status with a Ready condition at its generation."""
    deadline = time.monotonic() + timeout
    found: dict[str, Any] = {}
    while time.monotonic() < deadline:
        got = world.cluster.kubectl("get", "failbackplan", name, "-n", NAMESPACE, "-o", "json", check=False)
        if got.returncode == 0:
            found = json.loads(got.stdout)
            status = found.get("status") or {}
            ready = [c for c in status.get("conditions", []) if c["type"] == "Ready"]
            if status.get("observedGeneration") == found["metadata"]["generation"] and ready:
                return found
        time.sleep(0.3)
    raise AssertionError(f"plan {name} got no status at its generation: {json.dumps(found.get('status'))}")


def test_bad_plans_are_refused_or_explained_while_a_valid_plan_completes(world: World) -> None:
    world.create_plan(action="Commit")
    world.approve("run-1")
    base = world.get_plan()
    base = {"apiVersion": base["apiVersion"], "kind": base["kind"], "spec": base["spec"]}
    outcomes = {"refused": 0, "explained": 0}
    with world.operator() as operator:

        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        @given(mutation=MUTATIONS)
        def bad_plan_is_refused_or_explained(mutation: tuple[str, Any]) -> None:
            plan, path, value = _bad_plan(base, mutation)
            name = plan["metadata"]["name"]
            applied = world.cluster.kubectl(
                "apply", "--server-side", "-f", "-", input=yaml.safe_dump(plan), check=False
            )
            try:
                if applied.returncode != 0:
                    # Refused by the schema or a CEL rule: the message names the field.
                    assert "spec" in applied.stderr, applied.stderr
                    outcomes["refused"] += 1
                    return
                shown = _status_shown(world, name)
                ready = next(c for c in shown["status"]["conditions"] if c["type"] == "Ready")
                assert ready["message"], shown["status"]
                if tuple(path[-2:]) in REFERENCES and isinstance(value, str) and value:
                    text = json.dumps(shown["status"])
                    assert value in text or json.dumps(value)[1:-1] in text, (value, shown["status"])
                outcomes["explained"] += 1
            finally:
                world.cluster.kubectl(
                    "delete", "failbackplan", name, "-n", NAMESPACE, "--wait=false", check=False
                )

        bad_plan_is_refused_or_explained()
        done = world.wait_for("Completed", operator, timeout=180)
    assert {i["stage"] for i in done["status"]["items"]} == {"Committed"}
    for item in ITEMS:
        assert world.calls(REPROTECT, item) == 1, world.counts()
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 1, world.counts()
    assert world.calls(COMMIT, RECOVERY_PLAN) == 1, world.counts()
    print(f"bad plans: {outcomes}")
    assert outcomes["refused"] + outcomes["explained"] >= 1, outcomes
