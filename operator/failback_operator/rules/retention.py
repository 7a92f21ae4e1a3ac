"""Retention drive naming (FB021) and the bounded refresh-and-wait for a new retention volume (FB022)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from failback_operator.facts import (
    Architecture,
    MasterTargetDeclaration,
    OsType,
    RetentionVolume,
    RetentionWait,
)
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
    """Wait up to `retention_volume_wait` from the first miss, refreshing the configuration server (FB022).

    A refresh is asked at the first miss and again every `retention_volume_refresh_interval` while
    the wait runs: a disk added after a refresh, or a refresh that failed, is looked for again. The
    deadline counts from the first miss, so a configuration server that cannot be refreshed does
    not make the wait endless, and no refresh is asked once it has passed.
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
        return RetentionWaitDecision(
            action=RetentionWaitAction.FAIL,
            reason=f"retention volume still not offered {duration_text(config.retention_volume_wait)} "
            "after it was first missed",
        )
    check_again_at = min(now + config.retention_volume_poll, deadline)
    if refreshed_at is None or now - refreshed_at >= config.retention_volume_refresh_interval:
        return RetentionWaitDecision(
            action=RetentionWaitAction.REFRESH,
            check_again_at=check_again_at,
            reason="retention volume not offered yet: refreshing the configuration server",
        )
    return RetentionWaitDecision(
        action=RetentionWaitAction.WAIT,
        check_again_at=check_again_at,
        reason=f"waiting for the retention volume to be listed until {deadline:%Y-%m-%dT%H:%M:%SZ}",
    )


def duration_text(length: timedelta) -> str:
    """`15 min`, or `90 s` for a length that is not whole minutes (the short waits of tests and demos)."""
    seconds = int(length.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 and seconds else f"{seconds} s"


def wait_deadline(wait: RetentionWait, config: RuleConfig) -> datetime:
    """When FB021 fails if the drive is still not listed: the wait's length after the first miss."""
    return wait.missing_since + config.retention_volume_wait


def wait_for_drive(
    waits: Iterable[RetentionWait], master_target: str, drive: str, os_type: OsType | None
) -> RetentionWait | None:
    """The wait kept for `drive` on `master_target`, in whatever spelling it was wanted."""
    key = normalise_retention_drive(drive, os_type)
    for wait in waits:
        if wait.master_target == master_target and normalise_retention_drive(wait.drive, os_type) == key:
            return wait
    return None


# Completed plans want nothing any more (api.vocabulary.Phase.COMPLETED; rules/ do not import api/).
_COMPLETED_PHASE = "Completed"
# What a master target's status keeps (the CRD's maxItems of status.retentionWaits).
MAX_RETENTION_WAITS = 64


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanRetentionDrive:
    """What one FailbackPlan asks of a master target's retention volumes."""

    master_target: str
    drive: str | None = None  # None: the master target's own drive
    phase: str | None = None


def wanted_retention_drives(
    declaration: MasterTargetDeclaration, plans: Iterable[PlanRetentionDrive]
) -> tuple[str, ...]:
    """The retention drives wanted on a master target: its own, and those of its plans not completed.

    A plan without `retentionDrive` uses the master target's own. Modernized appliances have no
    retention volume: FB021 and FB022 are classic only.
    """
    if declaration.architecture is not Architecture.CLASSIC:
        return ()
    own = declaration.retention_drive or default_retention_drive(declaration.os_type)
    drives = [own]
    for plan in plans:
        if plan.master_target == declaration.name and plan.phase != _COMPLETED_PHASE:
            drives.append(plan.drive or own)
    return tuple(dict.fromkeys(drives))


@dataclass(frozen=True, kw_only=True, slots=True)
class RetentionWaitStep:
    """The waits to keep after a look, and the drives for which the configuration server is refreshed now."""

    waits: tuple[RetentionWait, ...]
    refresh_drives: tuple[str, ...] = ()
    check_again_at: datetime | None = None

    @property
    def refresh(self) -> bool:
        """True when Refresh server is to be asked now."""
        return bool(self.refresh_drives)


def kept_waits(previous: Iterable[RetentionWait], master_target: str) -> RetentionWaitStep:
    """The master target's waits unchanged, nothing refreshed: what a look that learnt nothing new keeps."""
    return RetentionWaitStep(waits=tuple(w for w in previous if w.master_target == master_target))


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
    are and nothing is refreshed. One refresh serves every drive that needs one; a drive that is
    listed ends its wait, so a later miss starts a new one. At most MAX_RETENTION_WAITS drives
    (in name order) are waited for.
    """
    if volumes is None:
        return kept_waits(previous, master_target)
    waits: list[RetentionWait] = []
    refresh: list[str] = []
    check_again: list[datetime] = []
    drives = sorted({normalise_retention_drive(d, os_type) for d in wanted})
    for drive in drives:
        if len(waits) == MAX_RETENTION_WAITS:
            break
        kept = wait_for_drive(previous, master_target, drive, os_type)
        decision = retention_volume_wait(
            offered=offered_volume(volumes, drive, os_type) is not None,
            missing_since=kept.missing_since if kept else None,
            refreshed_at=kept.refreshed_at if kept else None,
            now=now,
            config=config,
        )
        if decision.action is RetentionWaitAction.PROCEED:
            continue
        waits.append(kept or RetentionWait(master_target=master_target, drive=drive, missing_since=now))
        if decision.action is RetentionWaitAction.REFRESH:
            refresh.append(drive)
        if decision.check_again_at is not None:
            check_again.append(decision.check_again_at)
    return RetentionWaitStep(
        waits=tuple(waits),
        refresh_drives=tuple(refresh),
        check_again_at=min(check_again) if check_again else None,
    )


def refresh_requested(
    waits: Iterable[RetentionWait], drives: Iterable[str], *, at: datetime, job: str | None = None
) -> tuple[RetentionWait, ...]:
    """The waits with a refresh asked at `at` (written before the call, so none is repeated on a guess).

    Only the waits of `drives` change: a wait whose deadline has passed is never said to be refreshed.
    """
    chosen = set(drives)
    return tuple(
        dataclasses.replace(w, refreshed_at=at, refresh_job=job) if w.drive in chosen else w for w in waits
    )
