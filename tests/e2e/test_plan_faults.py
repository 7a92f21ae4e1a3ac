"""Faults of Site Recovery met by the operator running as its own process, against the simulator's faults.

Refusals that only need time are retried (FB028); a failing job ends the plan Failed with its rule
and remedy and is retried only by a new spec.run; a POST whose answer is lost is adopted, never
sent again; an item belongs to one plan; an item changed behind the plan's back pauses it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from failback_operator.sim.asr.scenario import ItemStage
from failback_operator.sim.asr.state import ItemState

from .world import ITEMS, NAMESPACE, RECOVERY_PLAN, World

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

REPROTECT = "ReplicationProtectedItems_Reprotect"
FAILOVER = "ReplicationRecoveryPlans_UnplannedFailover"
COMMIT = "ReplicationRecoveryPlans_FailoverCommit"
# Long enough for several looks at the operator's 1 s active poll: a loop would show in the log.
QUIET_SECONDS = 4.0


def _calls_stay(world: World, seconds: float = QUIET_SECONDS) -> dict[str, int]:
    """The request counts after `seconds` of looking, asserted unchanged meanwhile."""
    before = world.counts()
    time.sleep(seconds)
    after = world.counts()
    mutating = {k: v for k, v in after.items() if k.split(" ")[0] in {REPROTECT, FAILOVER, COMMIT}}
    assert mutating == {k: v for k, v in before.items() if k in mutating}, (before, after)
    return after


def _item(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(i for i in plan["status"]["items"] if i["name"] == name)


# --- FB028: the agent not yet registered --------------------------------------------------------


def test_agent_not_installed_refusals_are_retried_until_reprotect_is_accepted(world: World) -> None:
    """The Azure VMs just booted: reprotect is refused until their agents register, then goes through."""
    runtime = world.simulator.runtime
    # Longer than the test: the agents register only when the test says so, after refused retries.
    runtime.set_faults(agent_not_installed_minutes=24 * 60)
    for item in ITEMS:
        runtime.boot_azure_vm(item)
    world.create_plan(action="Reprotect")
    # FB028's window runs from the items' failover, an hour before in this scenario: widened so the
    # refusals fall inside it (the agents register when the test says so).
    with world.operator(FAILBACK_AGENT_WINDOW_SECONDS=str(3 * 3600)) as operator:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            refused = [r for r in world.requests(REPROTECT) if r["item"] == ITEMS[0] and r["status"] == 400]
            if len(refused) >= 3:
                break
            time.sleep(0.3)
        assert len(refused) >= 3, world.requests(REPROTECT)
        waiting = world.get_plan()["status"]
        assert waiting["phase"] == "Reprotecting", waiting
        assert _item(world.get_plan(), ITEMS[0])["agentRefusals"]["count"] >= 2
        runtime.set_faults(agent_not_installed_minutes=0)  # the agents have registered
        done = world.wait_for("Completed", operator)
    for item in ITEMS:
        sent = [r for r in world.requests(REPROTECT) if r["item"] == item]
        assert [r["status"] for r in sent][-1] == 202, sent
        assert {r["status"] for r in sent[:-1]} == {400}, sent
        assert len(sent) >= 2, sent
        assert _item(done, item)["stage"] == "ProtectedToOnPremises"
        assert _item(done, item).get("agentRefusals") is None
    agent_events = [e for e in world.events() if e["reason"] == "AgentNotInstalled"]
    assert agent_events, [e["reason"] for e in world.events()]
    assert all("FB028" in e["message"] for e in agent_events)
    assert {i for i in ITEMS if any(i in e["message"] for e in agent_events)} == set(ITEMS)


# --- a failing job, for each documented error code ---------------------------------------------

# code -> (Site Recovery operation, rule the operator names, a word of the remedy)
JOB_FAILURES = {
    "95226": ("reprotect", "FB011", "configuration server"),
    "78052": ("reprotect", "FB043", "rename or remove"),
    "78093": ("reprotect", "FB011", "start the Azure VM"),
    "8061": ("reprotect", "FB045", "mount the plan's datastore"),
    "8038": ("unplanned_failover", "FB044", "free memory"),
}


@pytest.mark.parametrize("code", sorted(JOB_FAILURES))
def test_failing_job_fails_the_plan_with_rule_and_remedy_and_a_new_run_retries_once(
    world: World, code: str
) -> None:
    operation, rule, remedy = JOB_FAILURES[code]
    reprotecting = operation == "reprotect"
    world.simulator.runtime.set_faults(
        job_failures=[{"operation": operation, "code": code, **({"item": ITEMS[0]} if reprotecting else {})}]
    )
    # A reprotect failure needs no failback to show; a failover failure needs the whole way to it.
    world.create_plan(action="Reprotect" if reprotecting else "Commit")
    world.approve("run-1")
    with world.operator() as operator:
        failed = world.wait_for("Failed", operator, timeout=120)
        status = failed["status"]
        assert status["progression"] == "JobFailed", status
        assert rule in status["message"], status["message"]
        assert code in status["message"], status["message"]
        assert remedy.lower() in status["message"].lower(), status["message"]
        failed_item = _item(failed, ITEMS[0])["lastError"]
        assert failed_item["ruleId"] == rule, failed_item
        assert failed_item["code"] == code, failed_item
        assert remedy.lower() in failed_item["remedy"].lower(), failed_item
        # No retry loop: one call, however long the operator looks.
        _calls_stay(world)
        calls = (REPROTECT, ITEMS[0]) if reprotecting else (FAILOVER, RECOVERY_PLAN)
        assert world.calls(*calls) == 1, world.counts()
        assert world.calls(COMMIT, RECOVERY_PLAN) == 0, world.counts()
        assert {"JobFailed"} <= {e["reason"] for e in world.events()}

        # A person fixed the cause and asks for a new run: exactly one more call.
        world.approve("run-2")
        world.set_spec(run="run-2")
        done = world.wait_for("Completed", operator, timeout=180)
    assert world.calls(*calls) == 2, world.counts()
    for item in ITEMS:
        assert _item(done, item).get("lastError") is None, _item(done, item)
        expected = 2 if reprotecting and item == ITEMS[0] else 1
        assert world.calls(REPROTECT, item) == expected, world.counts()
    assert world.calls(COMMIT, RECOVERY_PLAN) == (0 if reprotecting else 1), world.counts()
    assert {i["stage"] for i in done["status"]["items"]} == {
        "ProtectedToOnPremises" if reprotecting else "Committed"
    }


def test_a_failover_left_incomplete_fails_the_plan_and_a_new_run_does_not_call_again(world: World) -> None:
    """The failover fails and leaves the machine "Failover couldn't be completed" (recorded, 78037)."""
    world.simulator.runtime.set_faults(
        job_failures=[
            {"operation": "unplanned_failover", "code": "8038", "item": ITEMS[1], "completion_failed": True}
        ]
    )
    world.create_plan(action="Commit")
    world.approve("run-1")
    with world.operator() as operator:
        failed = world.wait_for("Failed", operator, timeout=120)
        status = failed["status"]
        assert status["progression"] == "JobFailed", status
        assert "FB044" in status["message"], status["message"]  # the failover job's own error
        # Items and jobs are read apart: the machine's own state shows at the same look or the next.
        deadline = time.monotonic() + 20
        machine = _item(failed, ITEMS[1])
        while (
            machine["protectionState"] != "UnplannedFailoverCompletionFailed" and time.monotonic() < deadline
        ):
            time.sleep(0.3)
            machine = _item(world.get_plan(), ITEMS[1])
        assert machine["protectionState"] == "UnplannedFailoverCompletionFailed", machine
        assert machine["lastError"]["ruleId"] == "FB044", machine
        _calls_stay(world)
        # A new run, the machine still in that state and the job's error no longer this run's: the
        # machine's own state is reported with its rule and remedy, and nothing is called again.
        world.approve("run-2")
        world.set_spec(run="run-2")
        again = world.wait_for("Failed", operator, timeout=60)
        error = _item(again, ITEMS[1])["lastError"]
        assert (error["ruleId"], error["code"]) == ("FB042", "78037"), error
        assert "repair the machine's replication" in error["remedy"], error
        assert "FB042" in again["status"]["message"], again["status"]
        _calls_stay(world)
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 1, world.counts()
    assert world.calls(COMMIT, RECOVERY_PLAN) == 0, world.counts()


# --- a POST processed whose answer is lost ------------------------------------------------------


@pytest.mark.parametrize("mode", ["drop", "500"])
def test_lost_answer_to_a_processed_post_is_adopted_never_sent_again(world: World, mode: str) -> None:
    """The first reprotect starts its job but the answer never arrives: the job list tells, no re-POST."""
    world.simulator.runtime.set_faults(lose_post_responses=1, lose_post_mode=mode)
    world.create_plan(action="Commit")
    world.approve("run-1")
    with world.operator() as operator:
        done = world.wait_for("Completed", operator, timeout=180)
    lost = [r for r in world.requests(REPROTECT) if r["fault"]]
    assert len(lost) == 1, world.requests(REPROTECT)
    for item in ITEMS:
        assert world.calls(REPROTECT, item) == 1, world.counts()
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 1, world.counts()
    assert world.calls(COMMIT, RECOVERY_PLAN) == 1, world.counts()
    assert {i["stage"] for i in done["status"]["items"]} == {"Committed"}
    # The one reprotect job of that item is the one the lost POST started, followed to its end.
    item = lost[0]["item"].casefold()
    jobs = [
        j
        for j in world.simulator.runtime.summary()["jobs"]
        if j["scenarioName"] == "SwitchReplicationGroupProtection"
        and item in {n.casefold() for n in j["items"]}
    ]
    assert [j["id"] for j in jobs] == [lost[0]["job_id"]], (jobs, lost)


# --- one owner per item -------------------------------------------------------------------------


def test_second_plan_naming_the_same_items_waits_for_the_owner_and_calls_nothing(world: World) -> None:
    world.create_plan(action="Failback")  # no approval: the owner holds its items at the gate
    second = f"{world.plan}-second"
    with world.operator() as operator:
        world.wait_for("WaitingForApproval", operator)
        owner = world.get_plan()
        claimant = {
            "apiVersion": "failback.io/v1alpha1",
            "kind": "FailbackPlan",
            "metadata": {"name": second, "namespace": NAMESPACE},
            "spec": {**owner["spec"], "action": "Commit"},
        }
        world.apply([claimant])
        world.approve("run-1")  # names the owner only; the claimant's run is its own
        try:
            deadline = time.monotonic() + 60
            status: dict[str, Any] = {}
            while time.monotonic() < deadline:
                found = json.loads(
                    world.cluster.kubectl("get", "failbackplan", second, "-n", NAMESPACE, "-o", "json").stdout
                )
                status = found.get("status") or {}
                if status.get("progression") == "ItemsClaimedElsewhere":
                    break
                time.sleep(0.3)
            assert status.get("phase") == "Pending", status
            assert status.get("progression") == "ItemsClaimedElsewhere", status
            assert f"{NAMESPACE}/{world.plan}" in status["message"], status["message"]
            for item in ITEMS:
                assert item in status["message"], status["message"]
            # The owner fails back (it was approved); the claimant made no call of its own.
            world.wait_for("Committing", operator, progression="WaitingForCommitAction", timeout=120)
            _calls_stay(world, 2.0)
            # The owner's moves are no change behind the claimant's back: it still waits.
            after = json.loads(
                world.cluster.kubectl("get", "failbackplan", second, "-n", NAMESPACE, "-o", "json").stdout
            )["status"]
            assert (after["phase"], after["progression"]) == ("Pending", "ItemsClaimedElsewhere"), after
            assert world.calls(FAILOVER, RECOVERY_PLAN) == 1, world.counts()
            assert world.calls(COMMIT, RECOVERY_PLAN) == 0, world.counts()
            for item in ITEMS:
                assert world.calls(REPROTECT, item) == 1, world.counts()
            claimed = [
                e
                for e in json.loads(
                    world.cluster.kubectl(
                        "get",
                        "events",
                        "-n",
                        NAMESPACE,
                        "--field-selector",
                        f"involvedObject.name={second}",
                        "-o",
                        "json",
                    ).stdout
                )["items"]
                if e["reason"] == "ItemsClaimedElsewhere"
            ]
            assert claimed, "no ItemsClaimedElsewhere event on the claimant"
            assert claimed[0]["type"] == "Warning"
        finally:
            world.cluster.kubectl(
                "delete", "failbackplan", second, "-n", NAMESPACE, "--wait=false", check=False
            )


# --- an item changed behind the plan's back -----------------------------------------------------


def test_protection_disabled_behind_the_plans_back_pauses_it_with_no_further_call(world: World) -> None:
    world.create_plan(action="Failback")
    with world.operator() as operator:
        world.wait_for("WaitingForApproval", operator)
        world.simulator.runtime.disable_protection(ITEMS[0])
        paused = world.wait_for("Paused", operator, progression="ItemChangedOutsidePlan", timeout=60)
        assert ITEMS[0] in paused["status"]["message"], paused["status"]["message"]
        assert "set a new spec.run" in paused["status"]["message"]
        assert _item(paused, ITEMS[0])["lastError"]["code"] == "ItemChangedOutsidePlan"
        assert _item(paused, ITEMS[0])["stage"] == "Missing"
        # Even approved, a paused plan makes no call.
        world.approve("run-1")
        _calls_stay(world)
        assert world.get_plan()["status"]["phase"] == "Paused"
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 0, world.counts()
    for item in ITEMS:
        assert world.calls(REPROTECT, item) == 1, world.counts()
    assert "ItemChangedOutsidePlan" in {e["reason"] for e in world.events()}


def test_azure_vm_deleted_behind_the_plans_back_blocks_failback_with_no_further_call(world: World) -> None:
    """The replication source is gone: Site Recovery offers no failover, and the plan makes no call.

    Site Recovery reports such an item as protected with critical health and only DisableProtection
    allowed, which reads as resynchronising (a move a plan expects), so FB032 blocks rather than a
    pause: the plan says why in PrerequisitesMet and waits.
    """
    world.create_plan(action="Failback")
    with world.operator() as operator:
        world.wait_for("WaitingForApproval", operator)
        world.simulator.runtime.delete_azure_vm(ITEMS[0])
        # The approval comes once the plan has seen the deletion: an approval a moment earlier
        # would rightly start a failover from what Site Recovery reported until then.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            conditions = {c["type"]: c for c in world.get_plan()["status"]["conditions"]}
            if conditions["Protected"]["status"] == "False":
                break
            time.sleep(0.3)
        assert conditions["Protected"]["status"] == "False", conditions
        world.approve("run-1")
        _calls_stay(world)
        conditions = {c["type"]: c for c in world.get_plan()["status"]["conditions"]}
        assert conditions["PrerequisitesMet"]["status"] == "False", conditions
        assert "FB032" in conditions["PrerequisitesMet"]["message"]
        assert ITEMS[0] in conditions["PrerequisitesMet"]["message"]
        _calls_stay(world)
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 0, world.counts()
    for item in ITEMS:
        assert world.calls(REPROTECT, item) == 1, world.counts()


def test_stage_set_outside_the_plan_is_not_taken_for_granted(world: World) -> None:
    """A failover run from the portal while the plan waited: the plan pauses rather than commit it."""
    world.create_plan(action="Failback")
    with world.operator() as operator:
        world.wait_for("WaitingForApproval", operator)
        world.simulator.runtime.set_stage(ITEMS[0], ItemStage("failed_back"))
        world.wait_for("Paused", operator, progression="ItemChangedOutsidePlan", timeout=60)
        world.approve("run-1")
        _calls_stay(world)
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 0, world.counts()
    assert world.calls(COMMIT, RECOVERY_PLAN) == 0, world.counts()


def test_failing_job_with_an_unknown_code_pauses_the_plan_with_site_recoverys_text(world: World) -> None:
    """An error the operator has no remedy for: it says what Site Recovery said and does not guess."""
    text = "The replica is in an unexpected state."
    world.simulator.runtime.set_faults(
        job_failures=[{"operation": "reprotect", "code": "99999", "message": text, "item": ITEMS[0]}]
    )
    world.create_plan(action="Reprotect")
    with world.operator() as operator:
        paused = world.wait_for("Paused", operator, progression="UnknownJobError", timeout=120)
        message = paused["status"]["message"]
        assert "99999" in message, message
        assert text in message, message
        assert "set a new spec.run" in message, message
        error = _item(paused, ITEMS[0])["lastError"]
        assert error["code"] == "99999", error
        assert error.get("ruleId") is None, error
        assert error.get("remedy") is None, error
        _calls_stay(world)
        assert world.calls(REPROTECT, ITEMS[0]) == 1, world.counts()

        world.set_spec(run="run-2")
        world.wait_for("Completed", operator, timeout=120)
    assert world.calls(REPROTECT, ITEMS[0]) == 2, world.counts()
    assert world.calls(REPROTECT, ITEMS[1]) == 1, world.counts()


# --- FB046: the recovery plan holds a machine that is not in the group ---------------------------


def test_a_recovery_plan_holding_a_foreign_machine_blocks_the_group_until_it_holds_only_the_group(
    world: World,
) -> None:
    state = world.simulator.runtime.state
    with state.lock:  # someone added another machine to the group's recovery plan in the portal
        spec = state.items[ITEMS[1].lower()].spec.model_copy(
            update={"name": "payroll-db-new", "vm_name": "payroll-db", "on_premises_vm_name": "payroll-db"}
        )
        state.items["payroll-db-new"] = ItemState(
            spec=spec, stage=ItemStage.FAILED_OVER_COMMITTED, booted_at=datetime.now(UTC)
        )
    world.create_plan(action="Commit")
    world.approve("run-1")
    with world.operator() as operator:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = world.get_plan().get("status") or {}
            if status.get("progression") == "FailbackBlocked" and "FB046" in status.get("message", ""):
                break
            time.sleep(0.5)
        assert status.get("progression") == "FailbackBlocked", status
        assert "payroll-db-new" in status["message"], status["message"]
        assert "recovery plan rp-app1" in status["message"], status["message"]
        _calls_stay(world)
        assert world.calls(FAILOVER, RECOVERY_PLAN) == 0, world.counts()
        assert {i["stage"] for i in status["items"]} == {"ProtectedToOnPremises"}

        with state.lock:  # the machine is taken out of the plan: the group may go on
            state.items["payroll-db-new"].protection_disabled = True
        done = world.wait_for("Completed", operator, timeout=180)
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 1, world.counts()
    assert world.calls(COMMIT, RECOVERY_PLAN) == 1, world.counts()
    assert {i["stage"] for i in done["status"]["items"]} == {"Committed"}
