"""Retention drive naming (FB021) and the bounded refresh-and-wait for a new retention volume (FB022)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from failback_operator.facts import OsType, RetentionVolume
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
    """Refresh once, then wait up to `retention_volume_wait` from the first miss before failing (FB022)."""
    if offered:
        return RetentionWaitDecision(action=RetentionWaitAction.PROCEED, reason="retention volume offered")
    if missing_since is None or refreshed_at is None:
        return RetentionWaitDecision(
            action=RetentionWaitAction.REFRESH,
            check_again_at=now + config.retention_volume_poll,
            reason="retention volume not offered yet: refreshing the configuration server",
        )
    deadline = missing_since + config.retention_volume_wait
    if now >= deadline:
        minutes = int(config.retention_volume_wait.total_seconds() // 60)
        return RetentionWaitDecision(
            action=RetentionWaitAction.FAIL,
            reason=f"retention volume still not offered {minutes} min after it was first missed",
        )
    return RetentionWaitDecision(
        action=RetentionWaitAction.WAIT,
        check_again_at=min(now + config.retention_volume_poll, deadline),
        reason=f"waiting for the retention volume to be listed until {deadline:%Y-%m-%dT%H:%M:%SZ}",
    )
