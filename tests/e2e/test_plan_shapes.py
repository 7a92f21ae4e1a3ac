"""Plan shapes end to end: several groups failed back one after another, single machines without a plan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.vcsim import VcsimServer

from .world import CLASSIC_GROUPS, ITEMS, RECOVERY_PLAN, SECOND_GROUP, SINGLE_MACHINES, World, estate_world

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

REPROTECT = "ReplicationProtectedItems_Reprotect"
PLAN_FAILOVER = "ReplicationRecoveryPlans_UnplannedFailover"
PLAN_COMMIT = "ReplicationRecoveryPlans_FailoverCommit"
ITEM_FAILOVER = "ReplicationProtectedItems_UnplannedFailover"
ITEM_COMMIT = "ReplicationProtectedItems_FailoverCommit"


@pytest.fixture
def world(e2e_cluster: ControlPlane, e2e_vcsim: VcsimServer, tmp_path: Path) -> Iterator[World]:
    with estate_world(CLASSIC_GROUPS, e2e_cluster, e2e_vcsim, tmp_path) as built:
        yield built


def test_two_groups_and_two_single_machines_go_from_apply_to_committed(world: World) -> None:
    """The second group fails back after the first (FB032 judged per group); single machines alone."""
    world.create_plan(action="Commit")
    world.approve("run-1")
    with world.operator() as operator:
        done = world.wait_for("Completed", operator, timeout=240)
    status = done["status"]
    assert status["itemsReady"] == "6/6"
    assert {i["stage"] for i in status["items"]} == {"Committed"}
    groups = {i["name"]: i["group"] for i in status["items"]}
    assert groups[SINGLE_MACHINES[0]] == "v2a-w2k19-305"
    for item in (*ITEMS, *SECOND_GROUP, *SINGLE_MACHINES):
        assert world.calls(REPROTECT, item) == 1, world.counts()
    for recovery_plan in (RECOVERY_PLAN, "rp-app2"):
        assert world.calls(PLAN_FAILOVER, recovery_plan) == 1, world.counts()
        assert world.calls(PLAN_COMMIT, recovery_plan) == 1, world.counts()
    # A group of one without a recovery plan fails back and commits through its item.
    for item in SINGLE_MACHINES:
        assert world.calls(ITEM_FAILOVER, item) == 1, world.counts()
        assert world.calls(ITEM_COMMIT, item) == 1, world.counts()
    assert not [e for e in world.events() if e["reason"] in {"FailbackBlocked", "PrerequisitesBlocked"}]
