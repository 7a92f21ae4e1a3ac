"""FB021 retention drive naming (F, F:, f:\\) and the FB022 refresh-and-wait decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from failback_operator.facts import OsType, RetentionVolume, RetentionWait
from failback_operator.rules import CheckContext, FailbackFacts, Finding, Phase
from failback_operator.rules.config import RuleConfig
from failback_operator.rules.master_target import check_fb021
from failback_operator.rules.retention import (
    RetentionWaitAction,
    default_retention_drive,
    next_retention_waits,
    normalise_retention_drive,
    offered_volume,
    refreshed,
    retention_volume_wait,
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
        offered=False, missing_since=since, refreshed_at=since, now=NOW, config=CONFIG
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


def test_a_refresh_that_was_not_made_is_tried_again_within_the_wait() -> None:
    since = NOW - timedelta(minutes=3)
    decision = retention_volume_wait(
        offered=False, missing_since=since, refreshed_at=None, now=NOW, config=CONFIG
    )
    assert decision.action is RetentionWaitAction.REFRESH


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

    assert step.refresh is True
    assert step.waits == (RetentionWait(master_target=MT, drive="G", missing_since=NOW),)
    assert step.check_again_at == NOW + timedelta(minutes=1)


def test_a_refreshed_wait_is_kept_without_a_second_refresh() -> None:
    kept = RetentionWait(
        master_target=MT,
        drive="G",
        missing_since=NOW - timedelta(minutes=5),
        refreshed_at=NOW,
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


def test_refreshed_marks_only_waits_without_a_refresh() -> None:
    earlier = NOW - timedelta(minutes=2)
    done = RetentionWait(
        master_target=MT, drive="G", missing_since=earlier, refreshed_at=earlier, refresh_job="a"
    )
    new = RetentionWait(master_target=MT, drive="H", missing_since=NOW)

    after = refreshed((done, new), at=NOW, job="b")

    assert after == (
        done,
        RetentionWait(master_target=MT, drive="H", missing_since=NOW, refreshed_at=NOW, refresh_job="b"),
    )


def _fb021(facts: FailbackFacts, now: datetime = NOW) -> list[Finding]:
    return list(check_fb021(facts, CheckContext(phase=Phase.PRE_REPROTECT, now=now, config=CONFIG)))


def _wanting_g(*waits: RetentionWait) -> FailbackFacts:
    facts = before_reprotect()
    return replace(
        facts,
        master_target=replace(facts.master_target, retention_drive="G:"),
        plans=(),
        retention_waits=waits,
    )


def test_fb021_fails_at_once_without_a_wait_as_preflight_sees_it() -> None:
    (finding,) = _fb021(_wanting_g())

    assert finding.blocking
    assert finding.waiting_until is None
    assert "does not offer retention drive G:" in finding.message
    assert "FB022" in finding.remedy


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
    assert f"configuration server refreshed at {since:%H:%M:%SZ}" in finding.message
    assert "FB022" in finding.message


def test_fb021_fails_once_the_wait_is_over() -> None:
    since = NOW - timedelta(minutes=16)
    (finding,) = _fb021(
        _wanting_g(RetentionWait(master_target=MT, drive="G", missing_since=since, refreshed_at=since))
    )

    assert finding.blocking
    assert finding.waiting_until is None
    assert "still not offered 15 min after it was first missed at 2026-11-27T22:44:00Z" in finding.message
    assert "then refresh" in finding.remedy


def test_a_wait_of_another_master_target_does_not_count() -> None:
    (finding,) = _fb021(
        _wanting_g(RetentionWait(master_target="mt-other", drive="G", missing_since=NOW, refreshed_at=NOW))
    )
    assert finding.waiting_until is None
