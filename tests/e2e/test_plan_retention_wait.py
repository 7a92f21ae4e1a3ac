"""FB022 end to end: a plan's retention drive that Site Recovery does not list yet is waited for.

The MasterTarget reconciler refreshes the configuration server once and keeps the wait in the
master target's status; the plan reads it, shows WaitingForPrerequisites and reprotects as soon as
the drive is listed, or reports FB021 blocked when the wait runs out.
"""

from __future__ import annotations

import json
import time

import pytest

from failback_operator.sim.asr.scenario import RetentionVolume

from .world import ITEMS, MASTER_TARGET, World

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

REFRESH = "ReplicationRecoveryServicesProviders_RefreshProvider"
REPROTECT = "ReplicationProtectedItems_Reprotect"


def master_target(world: World) -> dict[str, object]:
    found: dict[str, object] = json.loads(
        world.cluster.kubectl("get", "mastertarget", MASTER_TARGET.lower(), "-o", "json").stdout
    )
    return found


def refreshes_once_sent(world: World, timeout: float = 30.0) -> int | None:
    """The configuration server refreshes Site Recovery received, once the first has arrived.

    The master target writes the refresh down as asked before it sends it (intent before call), so
    a plan can show the wait a moment before the call reaches the simulator.
    """
    deadline = time.monotonic() + timeout
    while world.counts().get(f"{REFRESH} PwsTestCS") is None and time.monotonic() < deadline:
        time.sleep(0.2)
    return world.counts().get(f"{REFRESH} PwsTestCS")


def test_reprotect_waits_for_a_new_retention_drive_and_goes_on_once_it_is_listed(world: World) -> None:
    world.create_plan(action="Reprotect", retentionDrive="G")
    with world.operator(FAILBACK_RETENTION_VOLUME_POLL_SECONDS="0.5") as operator:
        waiting = world.wait_for("Preflight", operator, progression="WaitingForPrerequisites")
        assert "FB021" in waiting["status"]["message"]
        assert "does not offer retention drive G" in waiting["status"]["message"]
        conditions = {c["type"]: c for c in waiting["status"]["conditions"]}
        assert conditions["PrerequisitesMet"]["reason"] == "Waiting"
        waits = master_target(world)["status"]["retentionWaits"]  # type: ignore[index]
        assert [w["drive"] for w in waits] == ["G"]
        assert refreshes_once_sent(world) == 1, world.counts()
        assert world.requests(REPROTECT) == []

        # The disk is added on the master target; Site Recovery's discovery lists it.
        world.simulator.runtime.add_retention_volume(MASTER_TARGET, RetentionVolume(name="G"))
        done = world.wait_for("Completed", operator)
        assert done["status"]["itemsReady"] == "2/2"
        for item in ITEMS:
            assert world.calls(REPROTECT, item) == 1, world.counts()
            assert world.simulator.runtime.state.items[item.lower()].reprotect_input["retentionDrive"] == "G"
        assert world.counts().get(f"{REFRESH} PwsTestCS") == 1, world.counts()
        reasons = [e["reason"] for e in world.events()]
        assert "WaitingForPrerequisites" in reasons


def test_a_retention_drive_never_listed_blocks_the_plan_when_the_wait_runs_out(world: World) -> None:
    world.create_plan(action="Reprotect", retentionDrive="G")
    with world.operator(
        FAILBACK_RETENTION_VOLUME_POLL_SECONDS="0.5", FAILBACK_RETENTION_VOLUME_WAIT_SECONDS="4"
    ) as operator:
        # The wait lasts 4 s: it is seen in the plan's Events, not by catching the status in time.
        blocked = world.wait_for("Preflight", operator, progression="PrerequisitesBlocked", timeout=60)
        assert "WaitingForPrerequisites" in [e["reason"] for e in world.events()]
        message = blocked["status"]["message"]
        assert "FB021" in message
        assert "still not offered 4 s after it was first missed" in message
        assert world.requests(REPROTECT) == []
        assert world.counts().get(f"{REFRESH} PwsTestCS") == 1, world.counts()
        fb021 = {p["ruleId"]: p for p in master_target(world)["status"]["prerequisites"]}  # type: ignore[index]
        assert fb021["FB021"]["result"] == "Passed"  # the master target's own drive F is offered
