"""A classic Linux replication group from `kubectl apply` to committed, the operator its own process.

The Linux master target (a Linux guest in vcsim, root volume declared Standard for FB017) offers
its retention volume as a path, /mnt/retention: the reprotect must carry that path as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.vcsim import VcsimServer

from .world import CLASSIC_LINUX, World, estate_world

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

REPROTECT = "ReplicationProtectedItems_Reprotect"
FAILOVER = "ReplicationRecoveryPlans_UnplannedFailover"
COMMIT = "ReplicationRecoveryPlans_FailoverCommit"
# V2A-MT-LNX-210's id in the classic-linux scenario.
LINUX_MASTER_TARGET_ID = "5B1E2C7A-3D44-4E1F-9A0B-77C1D2E3F410"


@pytest.fixture
def world(e2e_cluster: ControlPlane, e2e_vcsim: VcsimServer, tmp_path: Path) -> Iterator[World]:
    with estate_world(CLASSIC_LINUX, e2e_cluster, e2e_vcsim, tmp_path) as built:
        yield built


def test_linux_group_from_apply_to_committed(world: World) -> None:
    world.create_plan(action="Reprotect")
    with world.operator() as operator:
        protected = world.wait_for("Completed", operator)
        status = protected["status"]
        assert status["itemsReady"] == "2/2"
        assert {i["stage"] for i in status["items"]} == {"ProtectedToOnPremises"}
        # The OS type Site Recovery clears after reprotect was kept from before it.
        assert {i["osType"] for i in status["items"]} == {"Linux"}
        for item in CLASSIC_LINUX.items:
            assert world.calls(REPROTECT, item) == 1, world.counts()
        for request in world.requests(REPROTECT):
            assert request["status"] == 202, request
        # Every reprotect went through the Linux master target with its retention path, unchanged.
        for item in CLASSIC_LINUX.items:
            sent = world.simulator.runtime.state.items[item.lower()].reprotect_input
            assert sent["instanceType"] == "InMage", sent
            assert sent["masterTargetId"] == LINUX_MASTER_TARGET_ID, sent
            assert sent["retentionDrive"] == "/mnt/retention", sent
            assert sent["runAsAccountId"] == "3", sent  # linuxuser
        master_target = json.loads(
            world.cluster.kubectl("get", "mastertarget", "v2a-mt-lnx-210", "-o", "json").stdout
        )
        prerequisites = {p["ruleId"]: p for p in master_target["status"]["prerequisites"]}
        assert prerequisites["FB017"]["result"] == "Passed", prerequisites["FB017"]
        assert "Standard" in prerequisites["FB017"]["message"]

        world.approve("run-1")
        world.set_spec(action="Commit")
        committed = world.wait_for("Completed", operator, timeout=180)
        conditions = {c["type"]: c for c in committed["status"]["conditions"]}
        assert conditions["Committed"]["status"] == "True"
        assert conditions["FailedBack"]["status"] == "True"
        assert all(i["shutdownConfirmed"] for i in committed["status"]["items"])
        assert {i["stage"] for i in committed["status"]["items"]} == {"Committed"}

    recovery_plan = CLASSIC_LINUX.recovery_plan
    assert world.calls(FAILOVER, recovery_plan) == 1, world.counts()
    assert world.calls(COMMIT, recovery_plan) == 1, world.counts()
    for item in CLASSIC_LINUX.items:
        assert world.calls(REPROTECT, item) == 1, world.counts()
    reasons = {e["reason"] for e in world.events()}
    assert {"ReprotectStarted", "FailoverStarted", "CommitStarted"} <= reasons
