"""FB021 retention drive naming (F, F:, f:\\) and the FB022 refresh-and-wait decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from failback_operator.facts import OsType, RetentionVolume
from failback_operator.rules.config import RuleConfig
from failback_operator.rules.retention import (
    RetentionWaitAction,
    default_retention_drive,
    normalise_retention_drive,
    offered_volume,
    retention_volume_wait,
)
from tests.unit.rules.worlds import NOW


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
