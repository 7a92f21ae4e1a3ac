"""Retention drive naming (FB021) and the bounded refresh-and-wait for a new retention volume (FB022)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from failback_operator.facts import OsType, RetentionVolume, RetentionWait
from failback_operator.rules.config import RuleConfig

WINDOWS_DEFAULT_RETENTION_DRIVE = "R"
LINUX_DEFAULT_RETENTION_DRIVE = "/mnt/retention"


def default_retention_drive(os_type: OsType | None) -> str:
    """The article's defaults: `R:` on Windows, `/mnt/retention` on Linux."""
    return LINUX_DEFAULT_RETENTION_DRIVE if os_type is OsType.LINUX else WINDOWS_DEFAULT_RETENTION_DRIVE


def normalise_retention_drive(value: str, os_type: OsType | None) -> str:
    """`F`, `f:`, `F:\\` are one Windows drive (Site Recovery lists a bare letter); Linux drops a last `/`."""
    text = value.strip()
    if os_type is OsType.LINUX or text.startswith("/"):
        return text.rstrip("/") or "/"
    return text.rstrip("\\/").rstrip(":").upper()


def offered_volume(
    volumes: Iterable[RetentionVolume], wanted: str, os_type: OsType | None
) -> RetentionVolume | None:
    """The retention volume the master target offers under the wanted name, in whatever spelling."""
    key = normalise_retention_drive(wanted, os_type)
    for volume in volumes:
        if normalise_retention_drive(volume.name, os_type) == key:
            return volume
    return None


class RetentionWaitAction(StrEnum):
    """What the workflow does about a retention volume that is not (yet) offered."""

    PROCEED = "Proceed"
    REFRESH = "Refresh"  # refresh the configuration server, then wait
    WAIT = "Wait"
    FAIL = "Fail"


@dataclass(frozen=True, kw_only=True, slots=True)
class RetentionWaitDecision:
    """The decision, when to look again, and why."""

    action: RetentionWaitAction
    check_again_at: datetime | None = None
    reason: str = ""


def retention_volume_wait(
    *,
    offered: bool,
    missing_since: datetime | None,
    refreshed_at: datetime | None,
    now: datetime,
    config: RuleConfig,
) -> RetentionWaitDecision:
    """Refresh once, then wait up to `retention_volume_wait` from the first miss before failing (FB022).

    The deadline counts from the first miss, not from the refresh: a configuration server that
    cannot be refreshed does not make the wait endless.
    """
    if offered:
        return RetentionWaitDecision(action=RetentionWaitAction.PROCEED, reason="retention volume offered")
    if missing_since is None:
        return RetentionWaitDecision(
            action=RetentionWaitAction.REFRESH,
            check_again_at=now + config.retention_volume_poll,
            reason="retention volume not offered yet: refreshing the configuration server",
        )
    deadline = missing_since + config.retention_volume_wait
    if now >= deadline:
        minutes = _minutes(config.retention_volume_wait)
        return RetentionWaitDecision(
            action=RetentionWaitAction.FAIL,
            reason=f"retention volume still not offered {minutes} after it was first missed",
        )
    if refreshed_at is None:
        return RetentionWaitDecision(
            action=RetentionWaitAction.REFRESH,
            check_again_at=min(now + config.retention_volume_poll, deadline),
            reason="retention volume not offered yet: refreshing the configuration server",
        )
    return RetentionWaitDecision(
        action=RetentionWaitAction.WAIT,
        check_again_at=min(now + config.retention_volume_poll, deadline),
        reason=f"waiting for the retention volume to be listed until {deadline:%Y-%m-%dT%H:%M:%SZ}",
    )


def _minutes(length: timedelta) -> str:
    seconds = int(length.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def wait_for_drive(
    waits: Iterable[RetentionWait], master_target: str, drive: str, os_type: OsType | None
) -> RetentionWait | None:
    """The wait kept for `drive` on `master_target`, in whatever spelling it was wanted."""
    key = normalise_retention_drive(drive, os_type)
    for wait in waits:
        if wait.master_target == master_target and normalise_retention_drive(wait.drive, os_type) == key:
            return wait
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class RetentionWaitStep:
    """The waits to keep after a look, and whether the configuration server is to be refreshed now."""

    waits: tuple[RetentionWait, ...]
    refresh: bool = False
    check_again_at: datetime | None = None


def next_retention_waits(
    previous: Sequence[RetentionWait],
    *,
    master_target: str,
    wanted: Iterable[str],
    volumes: Sequence[RetentionVolume] | None,
    os_type: OsType | None,
    now: datetime,
    config: RuleConfig,
) -> RetentionWaitStep:
    """FB022 for every wanted drive of one master target: start, keep or end each wait.

    `volumes` is None when the master target's volumes could not be read: the waits stay as they
    are and nothing is refreshed, since nothing new is known. One refresh serves every drive that
    needs one; a drive that is listed again ends its wait, so a later miss starts a new one.
    """
    if volumes is None:
        return RetentionWaitStep(waits=tuple(w for w in previous if w.master_target == master_target))
    waits: list[RetentionWait] = []
    refresh = False
    check_again: list[datetime] = []
    for drive in sorted({normalise_retention_drive(d, os_type) for d in wanted}):
        offered = offered_volume(volumes, drive, os_type) is not None
        kept = wait_for_drive(previous, master_target, drive, os_type)
        decision = retention_volume_wait(
            offered=offered,
            missing_since=kept.missing_since if kept else None,
            refreshed_at=kept.refreshed_at if kept else None,
            now=now,
            config=config,
        )
        if decision.action is RetentionWaitAction.PROCEED:
            continue
        waits.append(kept or RetentionWait(master_target=master_target, drive=drive, missing_since=now))
        refresh = refresh or decision.action is RetentionWaitAction.REFRESH
        if decision.check_again_at is not None:
            check_again.append(decision.check_again_at)
    return RetentionWaitStep(
        waits=tuple(waits), refresh=refresh, check_again_at=min(check_again) if check_again else None
    )


def refreshed(waits: Iterable[RetentionWait], *, at: datetime, job: str | None) -> tuple[RetentionWait, ...]:
    """The waits after a refresh of the configuration server started at `at` (as job `job`)."""
    return tuple(
        w if w.refreshed_at is not None else dataclasses.replace(w, refreshed_at=at, refresh_job=job)
        for w in waits
    )
