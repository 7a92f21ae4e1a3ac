"""The operator killed at each step of intent, call, record, and restarted: no call is lost or made twice."""

from __future__ import annotations

import os
import signal

import pytest

from failback_operator.failpoints import KILLED_EXIT_STATUS

from .world import ITEMS, RECOVERY_PLAN, World

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

REPROTECT = "ReplicationProtectedItems_Reprotect"
FAILOVER = "ReplicationRecoveryPlans_UnplannedFailover"
COMMIT = "ReplicationRecoveryPlans_FailoverCommit"


def _assert_one_call_each(world: World) -> None:
    for item in ITEMS:
        assert world.calls(REPROTECT, item) == 1, world.counts()
    assert world.calls(FAILOVER, RECOVERY_PLAN) == 1, world.counts()
    assert world.calls(COMMIT, RECOVERY_PLAN) == 1, world.counts()


def _killed_at(world: World, failpoint: str) -> None:
    """Run the operator until it dies at `failpoint`, as a SIGKILL would leave it."""
    with world.operator(FAILBACK_FAILPOINTS=failpoint) as operator:
        assert operator.exit_status(timeout=120) == KILLED_EXIT_STATUS, operator.log_tail()


@pytest.mark.parametrize(
    "failpoint",
    ["after-post:Reprotect", "after-record:Reprotect", "after-post:Failover", "after-post:Commit"],
)
def test_killed_after_a_call_the_restart_adopts_its_job(world: World, failpoint: str) -> None:
    world.create_plan(action="Commit")
    world.approve("run-1")
    _killed_at(world, failpoint)
    with world.operator() as operator:
        done = world.wait_for("Completed", operator, timeout=180)
    assert {c["type"]: c["status"] for c in done["status"]["conditions"]}["Committed"] == "True"
    _assert_one_call_each(world)


@pytest.mark.parametrize("failpoint", ["after-intent:Reprotect", "after-intent:Commit"])
def test_killed_between_intent_and_call_the_restart_sees_no_effect_and_calls_once(
    world: World, failpoint: str
) -> None:
    """The call never left: past the grace, no job and the item idle offering the call tell so."""
    world.create_plan(action="Commit")
    world.approve("run-1")
    _killed_at(world, failpoint)
    with world.operator() as operator:
        done = world.wait_for("Completed", operator, timeout=180)
    assert {c["type"]: c["status"] for c in done["status"]["conditions"]}["Committed"] == "True"
    told = [e for e in world.events() if e["reason"] == "CallTookNoEffect"]
    assert told, "no CallTookNoEffect event"
    assert all(e["type"] == "Warning" for e in told)
    _assert_one_call_each(world)


def test_killed_while_jobs_run_the_restart_follows_them(world: World) -> None:
    # Slow Site Recovery down so that the kill lands while a job runs or items sync.
    world.simulator.runtime.clock.set_time_scale(300)
    world.create_plan(action="Commit")
    world.approve("run-1")
    with world.operator() as operator:
        world.wait_for_any(("Reprotecting", "Syncing"), operator)
        assert operator.process is not None
        assert operator.process.process is not None
        os.kill(operator.process.process.pid, signal.SIGKILL)
        assert operator.exit_status() == -signal.SIGKILL
    world.simulator.runtime.clock.set_time_scale(3000)
    with world.operator() as operator:
        world.wait_for("Completed", operator, timeout=180)
    _assert_one_call_each(world)


def test_plan_deleted_and_reapplied_continues_from_site_recovery(world: World) -> None:
    """A plan deleted and applied again (a cluster rebuilt from Git): it starts with no status at all."""
    world.create_plan(action="Reprotect")
    with world.operator() as operator:
        world.wait_for("Completed", operator)
        world.delete_plan()
        world.cluster.kubectl(
            "wait", "--for=delete", f"failbackplan/{world.plan}", "-n", "team-apps", "--timeout=60s"
        )
        world.create_plan(action="Commit")
        world.approve("run-1")
        done = world.wait_for("Completed", operator, timeout=180)
    assert {i["stage"] for i in done["status"]["items"]} == {"Committed"}
    _assert_one_call_each(world)


def test_plan_reapplied_after_failback_confirms_the_shut_down_from_the_plan_job_and_commits(
    world: World,
) -> None:
    """Applied again after the group failed back, to a new operator process that has read no job:
    FB042 is read from the plan's job, by name."""
    world.create_plan(action="Failback")
    world.approve("run-1")
    with world.operator() as operator:
        world.wait_for("Committing", operator, progression="WaitingForCommitAction", timeout=180)
        world.delete_plan()
        world.cluster.kubectl(
            "wait", "--for=delete", f"failbackplan/{world.plan}", "-n", "team-apps", "--timeout=60s"
        )
    world.create_plan(action="Commit")
    world.approve("run-1")
    with world.operator() as operator:
        done = world.wait_for("Completed", operator, timeout=180)
    assert all(i["shutdownConfirmed"] for i in done["status"]["items"])
    assert {i["stage"] for i in done["status"]["items"]} == {"Committed"}
    _assert_one_call_each(world)
