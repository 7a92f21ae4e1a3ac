"""FB021 retention drive naming (F, F:, f:\\) and the FB022 refresh-and-wait decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from failback_operator.facts import (
    Architecture,
    FailbackFacts,
    MasterTargetDeclaration,
    OsType,
    RetentionVolume,
    RetentionWait,
)
from failback_operator.rules import CheckContext, CheckPhase, Finding
from failback_operator.rules.config import RuleConfig
from failback_operator.rules.master_target import check_fb021
from failback_operator.rules.retention import (
    MAX_RETENTION_WAITS,
    PlanRetentionDrive,
    RetentionWaitAction,
    default_retention_drive,
    duration_text,
    next_retention_waits,
    normalise_retention_drive,
    offered_volume,
    refresh_requested,
    retention_volume_wait,
    wanted_retention_drives,
)
from tests.unit.rules.worlds import NOW, before_reprotect


@pytest.mark.parametrize("spelling", ["F", "F:", "f", "f:", "F:\\", " F: "])
def test_windows_drive_spellings_match_the_offered_letter(spelling: str) -> None:
    volumes = [RetentionVolume(name="D"), RetentionVolume(name="F")]
    found = offered_volume(volumes, spelling, OsType.WINDOWS)
    assert found is not None
    assert found.name == "F"


def test_linux_paths() -> None:
    assert normalise_retention_drive("/mnt/retention/", OsType.LINUX) == "/mnt/retention"
    assert (
        offered_volume([RetentionVolume(name="/mnt/retention")], "/mnt/retention/", OsType.LINUX) is not None
    )
    assert offered_volume([RetentionVolume(name="/mnt/retention")], "/mnt/other", OsType.LINUX) is None


def test_defaults() -> None:
    assert default_retention_drive(OsType.WINDOWS) == "R"
    assert default_retention_drive(OsType.LINUX) == "/mnt/retention"
    assert default_retention_drive(None) == "R"


CONFIG = RuleConfig(retention_volume_wait=timedelta(minutes=15), retention_volume_poll=timedelta(minutes=1))


def test_offered_volume_proceeds() -> None:
    decision = retention_volume_wait(
        offered=True, missing_since=None, refreshed_at=None, now=NOW, config=CONFIG
    )
    assert decision.action is RetentionWaitAction.PROCEED


def test_first_miss_refreshes() -> None:
    decision = retention_volume_wait(
        offered=False, missing_since=None, refreshed_at=None, now=NOW, config=CONFIG
    )
    assert decision.action is RetentionWaitAction.REFRESH
    assert decision.check_again_at == NOW + timedelta(minutes=1)


def test_waits_after_refresh_until_the_deadline() -> None:
    since = NOW - timedelta(minutes=14, seconds=30)
    decision = retention_volume_wait(
        offered=False, missing_since=since, refreshed_at=NOW - timedelta(minutes=2), now=NOW, config=CONFIG
    )
    assert decision.action is RetentionWaitAction.WAIT
    assert decision.check_again_at == since + timedelta(minutes=15)


def test_fails_after_fifteen_minutes() -> None:
    since = NOW - timedelta(minutes=15)
    decision = retention_volume_wait(
        offered=False, missing_since=since, refreshed_at=since, now=NOW, config=CONFIG
    )
    assert decision.action is RetentionWaitAction.FAIL
    assert "15 min" in decision.reason


def test_wait_is_configurable_for_fast_tests() -> None:
    fast = RuleConfig(retention_volume_wait=timedelta(seconds=3), retention_volume_poll=timedelta(seconds=1))
    since = NOW - timedelta(seconds=2)
    waiting = retention_volume_wait(
        offered=False, missing_since=since, refreshed_at=since, now=NOW, config=fast
    )
    assert waiting.check_again_at == NOW + timedelta(seconds=1)
    later = retention_volume_wait(
        offered=False, missing_since=since, refreshed_at=since, now=NOW + timedelta(seconds=1), config=fast
    )
    assert later.action is RetentionWaitAction.FAIL


def test_the_deadline_counts_from_the_first_miss_even_without_a_refresh() -> None:
    since = NOW - timedelta(minutes=15)
    decision = retention_volume_wait(
        offered=False, missing_since=since, refreshed_at=None, now=NOW, config=CONFIG
    )
    assert decision.action is RetentionWaitAction.FAIL


def test_a_refresh_that_was_not_asked_is_asked_within_the_wait() -> None:
    since = NOW - timedelta(minutes=3)
    decision = retention_volume_wait(
        offered=False, missing_since=since, refreshed_at=None, now=NOW, config=CONFIG
    )
    assert decision.action is RetentionWaitAction.REFRESH


@pytest.mark.parametrize(("ago", "action"), [(4, RetentionWaitAction.WAIT), (5, RetentionWaitAction.REFRESH)])
def test_the_refresh_is_asked_again_every_interval_while_waiting(
    ago: int, action: RetentionWaitAction
) -> None:
    # A disk added after the first refresh, or a refresh that failed, is looked for again.
    decision = retention_volume_wait(
        offered=False,
        missing_since=NOW - timedelta(minutes=10),
        refreshed_at=NOW - timedelta(minutes=ago),
        now=NOW,
        config=CONFIG,
    )
    assert decision.action is action


def test_duration_text() -> None:
    assert duration_text(timedelta(minutes=15)) == "15 min"
    assert duration_text(timedelta(seconds=90)) == "90 s"
    assert duration_text(timedelta(seconds=2)) == "2 s"
    assert duration_text(timedelta(0)) == "0 s"


MT = "mt-win01"


def _step(previous: tuple[RetentionWait, ...], volumes: list[RetentionVolume] | None, *wanted: str):
    return next_retention_waits(
        previous,
        master_target=MT,
        wanted=wanted,
        volumes=volumes,
        os_type=OsType.WINDOWS,
        now=NOW,
        config=CONFIG,
    )


def test_a_first_miss_starts_a_wait_and_asks_for_one_refresh() -> None:
    step = _step((), [RetentionVolume(name="F")], "G:", "g", "F")

    assert step.refresh_drives == ("G",)
    assert step.waits == (RetentionWait(master_target=MT, drive="G", missing_since=NOW),)
    assert step.check_again_at == NOW + timedelta(minutes=1)


def test_a_refreshed_wait_is_kept_without_a_second_refresh_within_the_interval() -> None:
    kept = RetentionWait(
        master_target=MT,
        drive="G",
        missing_since=NOW - timedelta(minutes=5),
        refreshed_at=NOW - timedelta(minutes=4),
        refresh_job="j",
    )
    step = _step((kept,), [RetentionVolume(name="F")], "G:")

    assert step.refresh is False
    assert step.waits == (kept,)


def test_a_listed_drive_ends_its_wait() -> None:
    kept = RetentionWait(
        master_target=MT, drive="G", missing_since=NOW - timedelta(minutes=5), refreshed_at=NOW
    )
    step = _step((kept,), [RetentionVolume(name="G")], "G")

    assert step.waits == ()
    assert step.refresh is False
    assert step.check_again_at is None


def test_volumes_not_read_keep_the_waits_and_refresh_nothing() -> None:
    kept = RetentionWait(master_target=MT, drive="G", missing_since=NOW - timedelta(minutes=5))
    other = RetentionWait(master_target="mt-other", drive="G", missing_since=NOW)
    step = _step((kept, other), None, "G")

    assert step.waits == (kept,)
    assert step.refresh is False


def test_a_wait_past_its_deadline_stays_so_that_fb021_can_say_since_when() -> None:
    kept = RetentionWait(
        master_target=MT, drive="G", missing_since=NOW - timedelta(minutes=20), refreshed_at=NOW
    )
    step = _step((kept,), [], "G")

    assert step.waits == (kept,)
    assert step.refresh is False


def test_one_refresh_serves_every_drive_that_needs_one() -> None:
    recent = RetentionWait(
        master_target=MT,
        drive="G",
        missing_since=NOW - timedelta(minutes=3),
        refreshed_at=NOW - timedelta(minutes=1),
    )
    stale = RetentionWait(
        master_target=MT,
        drive="H",
        missing_since=NOW - timedelta(minutes=9),
        refreshed_at=NOW - timedelta(minutes=6),
    )
    step = _step((recent, stale), [], "G", "H", "K")

    assert step.refresh_drives == ("H", "K")
    assert [w.drive for w in step.waits] == ["G", "H", "K"]


def test_refresh_requested_marks_only_the_drives_asked_for() -> None:
    earlier = NOW - timedelta(minutes=2)
    done = RetentionWait(
        master_target=MT, drive="G", missing_since=earlier, refreshed_at=earlier, refresh_job="a"
    )
    new = RetentionWait(master_target=MT, drive="H", missing_since=NOW)

    intent = refresh_requested((done, new), ("H",), at=NOW)
    after = refresh_requested(intent, ("H",), at=NOW, job="b")

    assert intent == (done, RetentionWait(master_target=MT, drive="H", missing_since=NOW, refreshed_at=NOW))
    assert after == (
        done,
        RetentionWait(master_target=MT, drive="H", missing_since=NOW, refreshed_at=NOW, refresh_job="b"),
    )


def test_no_more_than_the_status_can_hold_are_waited_for() -> None:
    drives = [f"/mnt/r{n:03d}" for n in range(MAX_RETENTION_WAITS + 5)]
    step = next_retention_waits(
        (), master_target=MT, wanted=drives, volumes=[], os_type=OsType.LINUX, now=NOW, config=CONFIG
    )
    assert len(step.waits) == MAX_RETENTION_WAITS
    assert step.waits[-1].drive == f"/mnt/r{MAX_RETENTION_WAITS - 1:03d}"


def _declaration(**changes: object) -> MasterTargetDeclaration:
    return replace(before_reprotect().master_target, **changes)


def test_wanted_drives_are_the_master_targets_and_its_active_plans() -> None:
    plans = [
        PlanRetentionDrive(master_target=MT, drive="G", phase="Syncing"),
        PlanRetentionDrive(master_target=MT, drive=None, phase=None),  # the master target's own
        PlanRetentionDrive(master_target=MT, drive="H", phase="Completed"),  # done: wants nothing
        PlanRetentionDrive(master_target="mt-other", drive="K", phase="Pending"),
    ]
    assert wanted_retention_drives(_declaration(retention_drive="F:"), plans) == ("F:", "G")
    assert wanted_retention_drives(_declaration(retention_drive=None), ()) == ("R",)


def test_an_appliance_wants_no_retention_drive() -> None:
    declaration = _declaration(architecture=Architecture.MODERNIZED)
    assert wanted_retention_drives(declaration, [PlanRetentionDrive(master_target=MT, drive="G")]) == ()


def _fb021(facts: FailbackFacts, now: datetime = NOW) -> list[Finding]:
    return list(check_fb021(facts, CheckContext(phase=CheckPhase.PRE_REPROTECT, now=now, config=CONFIG)))


def _wanting_g(*waits: RetentionWait, kept: bool = True) -> FailbackFacts:
    facts = before_reprotect()
    return replace(
        facts,
        master_target=replace(facts.master_target, retention_drive="G:"),
        plans=(),
        retention_waits=waits if kept else None,
    )


def test_fb021_fails_at_once_where_nothing_keeps_waits_as_preflight_sees_it() -> None:
    (finding,) = _fb021(_wanting_g(kept=False))

    assert finding.blocking
    assert finding.waiting_until is None
    assert "does not offer retention drive G:" in finding.message
    assert "FB022" in finding.remedy


def test_fb021_waits_for_a_wait_the_operator_has_not_started_yet() -> None:
    (finding,) = _fb021(_wanting_g())

    assert finding.blocking
    assert finding.waiting_until == NOW + timedelta(minutes=15)
    assert "the operator starts waiting up to 15 min for it to be listed (FB022)" in finding.message


def test_fb021_waits_within_fb022s_wait() -> None:
    since = NOW - timedelta(minutes=4)
    (finding,) = _fb021(
        _wanting_g(
            RetentionWait(
                master_target=MT, drive="G", missing_since=since, refreshed_at=since, refresh_job="j"
            )
        )
    )

    assert finding.rule == "FB021"
    assert finding.blocking  # a plan never reprotects to a drive that is not listed
    assert finding.waiting_until == since + timedelta(minutes=15)
    assert "waiting until 2026-11-27T23:11:00Z" in finding.message
    assert f"configuration server refresh asked at {since:%H:%M:%SZ}" in finding.message
    assert "FB022" in finding.message


def test_fb021_fails_once_the_wait_is_over() -> None:
    since = NOW - timedelta(minutes=16)
    (finding,) = _fb021(
        _wanting_g(RetentionWait(master_target=MT, drive="G", missing_since=since, refreshed_at=since))
    )

    assert finding.blocking
    assert finding.waiting_until is None
    assert "still not offered 15 min after it was first missed at 2026-11-27T22:44:00Z" in finding.message
    assert ", refresh the configuration server and wait up to 15 minutes" in finding.remedy


def test_a_wait_of_another_master_target_does_not_count() -> None:
    since = NOW - timedelta(minutes=30)
    (finding,) = _fb021(
        _wanting_g(
            RetentionWait(master_target="mt-other", drive="G", missing_since=since, refreshed_at=since)
        )
    )
    # Not this master target's wait: as if none had started yet, never as the other one's expiry.
    assert finding.waiting_until == NOW + timedelta(minutes=15)
