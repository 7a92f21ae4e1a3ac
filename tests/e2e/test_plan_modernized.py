"""The modernized architecture end to end: a replication appliance in the master target's role.

Reprotect turns InMageRcm items into InMageRcmFailback through the appliance's reprotect agent;
failback is a planned failover through the recovery plan (the Azure VM is shut down by the job
itself), then commit; an uncommitted planned failover can be cancelled instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.vcsim import VcsimServer

from .world import MODERNIZED, World, estate_world

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

REPROTECT = "ReplicationProtectedItems_Reprotect"
PLANNED_FAILOVER = "ReplicationRecoveryPlans_PlannedFailover"
UNPLANNED_FAILOVER = "ReplicationRecoveryPlans_UnplannedFailover"
COMMIT = "ReplicationRecoveryPlans_FailoverCommit"
CANCEL = "ReplicationRecoveryPlans_FailoverCancel"
# Rcm-App-150's id in the modernized scenario.
APPLIANCE_ID = "7d30ec24-f20e-4c17-8dfd-d7ccb444b072"


@pytest.fixture
def world(e2e_cluster: ControlPlane, e2e_vcsim: VcsimServer, tmp_path: Path) -> Iterator[World]:
    with estate_world(MODERNIZED, e2e_cluster, e2e_vcsim, tmp_path) as built:
        yield built


def _assert_reprotected_once_through_the_appliance(world: World) -> None:
    for item in MODERNIZED.items:
        assert world.calls(REPROTECT, item) == 1, world.counts()
        sent = world.simulator.runtime.state.items[item.lower()].reprotect_input
        # As recorded: the InMageRcm reprotect input, the appliance's agent by its id, not its name.
        assert sent["instanceType"] == "InMageRcm", sent
        assert sent["reprotectAgentId"] == APPLIANCE_ID, sent
        assert sent["datastoreName"] == MODERNIZED.datastore, sent
        assert sent["logStorageAccountId"].endswith("/storageAccounts/v2aecystor"), sent
        assert sent["policyId"].endswith("/replicationPolicies/appconsistency-policy-failback"), sent


def test_modernized_group_from_apply_to_committed(world: World) -> None:
    world.create_plan(action="Reprotect")
    with world.operator() as operator:
        protected = world.wait_for("Completed", operator)
        status = protected["status"]
        assert status["itemsReady"] == "2/2"
        assert {i["stage"] for i in status["items"]} == {"ProtectedToOnPremises"}
        assert {i["instanceType"] for i in status["items"]} == {"InMageRcmFailback"}
        _assert_reprotected_once_through_the_appliance(world)

        world.approve("run-1")
        world.set_spec(action="Commit")
        committed = world.wait_for("Completed", operator, timeout=180)
        conditions = {c["type"]: c for c in committed["status"]["conditions"]}
        assert conditions["Committed"]["status"] == "True"
        assert conditions["FailedBack"]["status"] == "True"
        assert all(i["shutdownConfirmed"] for i in committed["status"]["items"])
        assert {i["stage"] for i in committed["status"]["items"]} == {"Committed"}

    recovery_plan = MODERNIZED.recovery_plan
    assert world.calls(PLANNED_FAILOVER, recovery_plan) == 1, world.counts()
    assert world.calls(UNPLANNED_FAILOVER, recovery_plan) == 0, world.counts()
    assert world.calls(COMMIT, recovery_plan) == 1, world.counts()
    _assert_reprotected_once_through_the_appliance(world)
    reasons = {e["reason"] for e in world.events()}
    assert {"ReprotectStarted", "FailoverStarted", "CommitStarted"} <= reasons


def test_no_reprotect_is_sent_while_site_recovery_reports_the_agents_unregistered(world: World) -> None:
    """FB028, modernized: isAgentRegistrationSuccessfulAfterFailover false holds reprotect back, unrefused."""
    runtime = world.simulator.runtime
    # The Azure VMs just booted; their agents register only when the test says so.
    runtime.set_faults(agent_not_installed_minutes=10 * 24 * 60)
    for item in MODERNIZED.items:
        runtime.boot_azure_vm(item)
    world.create_plan(action="Reprotect")
    # The window runs from the items' failover, an hour before in this scenario: widened to hold.
    with world.operator(FAILBACK_AGENT_WINDOW_SECONDS=str(3 * 3600)) as operator:
        waiting = world.wait_for("Reprotecting", operator, progression="WaitingForAgent")
        assert "FB028" in waiting["status"]["message"]
        time.sleep(3.0)  # several looks at the 0.5 s pace: still nothing sent
        assert world.requests(REPROTECT) == []
        runtime.set_faults(agent_not_installed_minutes=0)  # the agents have registered
        world.wait_for("Completed", operator)
    for item in MODERNIZED.items:
        assert [r["status"] for r in world.requests(REPROTECT) if r["item"] == item] == [202]
    assert not [e for e in world.events() if e["reason"] == "AgentNotInstalled"]


def test_uncommitted_planned_failover_cancelled_returns_the_items_to_protected(world: World) -> None:
    world.create_plan(action="Failback")
    world.approve("run-1")
    with world.operator() as operator:
        failed_back = world.wait_for(
            "Committing", operator, progression="WaitingForCommitAction", timeout=180
        )
        assert {i["stage"] for i in failed_back["status"]["items"]} == {"FailedBack"}
        world.set_spec(action="Cancel")
        cancelled = world.wait_for("Completed", operator, timeout=120)
        assert {i["stage"] for i in cancelled["status"]["items"]} <= {"ProtectedToOnPremises", "Syncing"}
        assert all(i.get("lastError") is None for i in cancelled["status"]["items"])
        conditions = {c["type"]: c for c in cancelled["status"]["conditions"]}
        assert conditions["Committed"]["status"] == "False"
    recovery_plan = MODERNIZED.recovery_plan
    assert world.calls(PLANNED_FAILOVER, recovery_plan) == 1, world.counts()
    assert world.calls(CANCEL, recovery_plan) == 1, world.counts()
    assert world.calls(COMMIT, recovery_plan) == 0, world.counts()
    stages = {s["stage"] for s in world.simulator.runtime.summary()["items"].values()}
    assert stages <= {"protected_to_on_premises", "syncing_to_on_premises"}, stages
    assert "CancelStarted" in {e["reason"] for e in world.events()}


def test_after_commit_the_modernized_group_is_protected_to_azure_again(world: World) -> None:
    world.create_plan(action="Commit", afterCommit="ReprotectToAzure", runAsAccount="vcenteruser")
    world.approve("run-1")
    stages_seen: set[str] = set()
    with world.operator():
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            status = world.get_plan().get("status") or {}
            stages_seen |= {i.get("stage") for i in status.get("items") or []}
            if status.get("phase") in {"Completed", "Failed", "Paused"} and "ProtectedToAzure" in stages_seen:
                break
            time.sleep(0.3)
        done = world.get_plan()
        assert done["status"]["phase"] == "Completed", done["status"]
    assert {"ReprotectingToAzure", "ProtectedToAzure"} <= stages_seen, stages_seen
    assert {i["stage"] for i in done["status"]["items"]} == {"ProtectedToAzure"}
    for item in MODERNIZED.items:
        assert world.calls(REPROTECT, item) == 2, world.counts()
        sent = world.simulator.runtime.state.items[item.lower()].reprotect_input
        # As recorded: InMageRcmFailbackReprotectInput, the appliance's agent as process server.
        assert sent["instanceType"] == "InMageRcmFailback", sent
        assert sent["processServerId"] == APPLIANCE_ID, sent
        assert sent["runAsAccountId"] == "vcenteruser", sent
        assert sent["policyId"].endswith(
            "/replicationPolicies/" + world.simulator.runtime.scenario.forward_policy
        )
