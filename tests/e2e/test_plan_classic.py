"""A classic Windows replication group from `kubectl apply` to committed, the operator its own process.

Real parts only: kube-apiserver and etcd, the Site Recovery simulator over HTTPS through the real
SDK and azure-identity, and vcsim through pyvmomi. The operator runs through the vcsim gaps shim
(tests/support/vcsim_gaps.py), which supplies the two facts vcsim cannot model.
"""

from __future__ import annotations

import json
import time

import pytest

from failback_operator.vsphere import vcenter_session
from tests.support.vcsim_builders import Inventory

from .world import ITEMS, ON_PREMISES_VMS, RECOVERY_PLAN, World

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]


def test_classic_group_from_apply_to_committed(world: World) -> None:
    world.create_plan(action="Reprotect")
    with world.operator() as operator:
        protected = world.wait_for("Completed", operator)
        status = protected["status"]
        assert status["itemsReady"] == "2/2"
        assert {i["stage"] for i in status["items"]} == {"ProtectedToOnPremises"}
        # Facts Site Recovery clears after reprotect were kept.
        assert {i["osType"] for i in status["items"]} == {"Windows"}
        conditions = {c["type"]: c for c in status["conditions"]}
        assert conditions["Protected"]["status"] == "True"
        assert conditions["Ready"]["observedGeneration"] == protected["metadata"]["generation"]
        for item in ITEMS:
            assert world.calls("ReplicationProtectedItems_Reprotect", item) == 1, world.counts()
        # Jobs are read by name only to judge the plan's own calls: none while nothing is to judge.
        job_reads = len(world.requests("ReplicationJobs_Get"))
        assert job_reads <= 2 * len(ITEMS), world.requests("ReplicationJobs_Get")
        time.sleep(3)
        assert len(world.requests("ReplicationJobs_Get")) == job_reads

        # Fail back and commit: one go-ahead for this run, then the action a person commits to Git.
        world.approve("run-1")
        world.set_spec(action="Commit")
        committed = world.wait_for("Completed", operator, timeout=180)
        conditions = {c["type"]: c for c in committed["status"]["conditions"]}
        assert conditions["Committed"]["status"] == "True"
        assert conditions["FailedBack"]["status"] == "True"
        assert all(i["shutdownConfirmed"] for i in committed["status"]["items"])
        # The plan's calls answered with tracking ids; the items name the real jobs they led to.
        tracking = {
            r["job_id"]
            for r in world.requests("ReplicationRecoveryPlans_UnplannedFailover")
            + world.requests("ReplicationRecoveryPlans_FailoverCommit")
        }
        plan_jobs = world.simulator.runtime.state.jobs
        for item in committed["status"]["items"]:
            assert item["currentJob"]["name"] not in tracking, item
            assert plan_jobs[item["currentJob"]["name"].lower()].recovery_plan == RECOVERY_PLAN
        assert world.calls("ReplicationRecoveryPlans_UnplannedFailover", RECOVERY_PLAN) == 1, world.counts()
        assert world.calls("ReplicationRecoveryPlans_FailoverCommit", RECOVERY_PLAN) == 1, world.counts()
        for item in ITEMS:
            assert world.calls("ReplicationProtectedItems_Reprotect", item) == 1, world.counts()

    # Credentials come from Secrets and never reach the log, even at --verbose.
    logged = "".join(log.read_text(errors="replace") for log in world.logs)
    assert "token_type" in logged  # the verbose log does cover the sign-in
    assert world.simulator.client_secret not in logged
    assert world.vcsim.password not in logged
    status_text = json.dumps(world.get_plan()["status"])
    assert world.simulator.client_secret not in status_text
    board = world.cluster.kubectl("get", "fbp", "-n", "team-apps", world.plan).stdout
    assert "Completed" in board
    assert "2/2" in board
    reasons = {e["reason"] for e in world.events()}
    assert {"ReprotectStarted", "FailoverStarted", "CommitStarted"} <= reasons


def test_failback_waits_for_the_approval_of_this_run(world: World) -> None:
    world.create_plan(action="Failback")
    world.approve("run-0")  # a stale approval in Git never approves the next run
    with world.operator() as operator:
        waiting = world.wait_for("WaitingForApproval", operator)
        assert "run-1" in waiting["status"]["message"]
        assert world.calls("ReplicationRecoveryPlans_UnplannedFailover", RECOVERY_PLAN) == 0
        world.approve("run-1")
        world.wait_for("Committing", operator, progression="WaitingForCommitAction")
        assert world.calls("ReplicationRecoveryPlans_UnplannedFailover", RECOVERY_PLAN) == 1
        assert world.calls("ReplicationRecoveryPlans_FailoverCommit", RECOVERY_PLAN) == 0


def test_the_vault_poller_wakes_a_plan_as_soon_as_site_recovery_changes(world: World) -> None:
    """Plans look only every minute here; the per-vault poller's batched read makes them act at once."""
    world.create_plan(action="Reprotect")
    started = time.monotonic()
    with world.operator(
        FAILBACK_ACTIVE_POLL_SECONDS="60",
        FAILBACK_VAULT_POLL_SECONDS="0.5",
        FAILBACK_VAULT_READ_TTL_SECONDS="0.2",
    ) as operator:
        world.wait_for("Completed", operator, timeout=30)
    # Reprotect, then sync: without the wake-ups the second look alone would come a minute later.
    assert time.monotonic() - started < 30
    for item in ITEMS:
        assert world.calls("ReplicationProtectedItems_Reprotect", item) == 1, world.counts()


def _set_power(world: World, vm_name: str, on: bool) -> None:
    """Power an on-premises VM on or off in vCenter, as someone might by hand (FB031)."""
    endpoint = world.vcsim.endpoint
    with vcenter_session(endpoint) as session:
        built = Inventory(session=session, workdir=world.workdir / "vcsim")
        vm = built.vm(vm_name)
        assert vm is not None, vm_name
        if (vm.runtime.powerState == "poweredOn") != on:
            built.wait(vm.PowerOnVM_Task() if on else vm.PowerOffVM_Task())


def test_an_on_premises_vm_powered_on_after_reprotect_blocks_failback_until_it_is_off(world: World) -> None:
    world.create_plan(action="Reprotect")
    try:
        with world.operator() as operator:
            world.wait_for("Completed", operator)
            # Someone powers an on-premises VM on while its item replicates back to it (FB031).
            _set_power(world, ON_PREMISES_VMS[0], on=True)
            world.approve("run-1")
            world.set_spec(action="Failback")
            blocked = world.wait_for("Preflight", operator, progression="FailbackBlocked")
            message = blocked["status"]["message"]
            assert "FB031" in message, message
            assert ON_PREMISES_VMS[0] in message, message
            assert "remedy: power the on-premises VM off" in message
            conditions = {c["type"]: c for c in blocked["status"]["conditions"]}
            assert conditions["PrerequisitesMet"]["status"] == "False"
            assert world.calls("ReplicationRecoveryPlans_UnplannedFailover", RECOVERY_PLAN) == 0
            assert any(e["reason"] == "FailbackBlocked" and "FB031" in e["message"] for e in world.events())

            _set_power(world, ON_PREMISES_VMS[0], on=False)
            world.wait_for("Committing", operator, progression="WaitingForCommitAction", timeout=180)
            assert world.calls("ReplicationRecoveryPlans_UnplannedFailover", RECOVERY_PLAN) == 1
    finally:
        _set_power(world, ON_PREMISES_VMS[0], on=False)  # the vcsim is shared by the session's tests


def test_after_commit_the_group_is_protected_to_azure_again(world: World) -> None:
    world.create_plan(action="Commit", afterCommit="ReprotectToAzure")
    world.approve("run-1")
    stages_seen: set[str] = set()
    with world.operator():
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            plan = world.get_plan()
            status = plan.get("status") or {}
            stages_seen |= {i.get("stage") for i in status.get("items") or []}
            if status.get("phase") in {"Completed", "Failed", "Paused"} and "ProtectedToAzure" in stages_seen:
                break
            time.sleep(0.3)
        done = world.get_plan()
        assert done["status"]["phase"] == "Completed", done["status"]
    assert {"ReprotectingToAzure", "ProtectedToAzure"} <= stages_seen, stages_seen
    assert {i["stage"] for i in done["status"]["items"]} == {"ProtectedToAzure"}
    for item in ITEMS:
        # Once back, once to Azure again: the second with the recorded InMageAzureV2 body.
        assert world.calls("ReplicationProtectedItems_Reprotect", item) == 2, world.counts()
        sent = world.simulator.runtime.state.items[item.lower()].reprotect_input
        assert sent["instanceType"] == "InMageAzureV2", sent
        assert sent["masterTargetId"] == sent["processServerId"], sent
        assert sent["policyId"].endswith("/replicationPolicies/Policyv2a"), sent
        assert sent["runAsAccountId"] == "2", sent
    assert "ReprotectToAzureStarted" in {e["reason"] for e in world.events()}
