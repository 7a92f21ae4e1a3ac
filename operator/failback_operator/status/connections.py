"""Connected and Ready conditions from how one look at Site Recovery or vCenter went (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from failback_operator.api.conditions import Condition, ConditionStatus, find_condition, set_condition
from failback_operator.api.status import RecoveryVaultStatus, VCenterStatus
from failback_operator.api.vocabulary import ConditionType, EventReason, EventType, Reason
from failback_operator.workflow import Event

StatusT = TypeVar("StatusT", RecoveryVaultStatus, VCenterStatus)

__all__ = ["ReadFailure", "Readiness", "condition_events", "connection_conditions", "kept_after_failure"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ReadFailure:
    """Why the outside world could not be read: a reason constant and a message free of secrets."""

    reason: Reason
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Readiness:
    """Whether the object is ready for reprotect once connected, and why (not)."""

    ready: bool
    reason: Reason
    message: str


def connection_conditions(
    previous: Sequence[Condition] | None,
    *,
    failure: ReadFailure | None,
    connected_message: str,
    readiness: Readiness | None,
    generation: int,
    now: datetime,
) -> tuple[Condition, ...]:
    """Connected from the look, Ready from Connected and the object's own readiness, as one list."""
    conditions = list(previous or ())
    if failure is not None:
        conditions = set_condition(
            conditions,
            type=ConditionType.CONNECTED,
            status=False,
            reason=failure.reason,
            message=failure.message,
            observed_generation=generation,
            now=now,
        )
        return tuple(
            set_condition(
                conditions,
                type=ConditionType.READY,
                status=False,
                reason=Reason.NOT_CONNECTED,
                message=f"not connected: {failure.message}",
                observed_generation=generation,
                now=now,
            )
        )
    conditions = set_condition(
        conditions,
        type=ConditionType.CONNECTED,
        status=True,
        reason=Reason.CONNECTED,
        message=connected_message,
        observed_generation=generation,
        now=now,
    )
    ready = readiness or Readiness(ready=True, reason=Reason.CONNECTED, message=connected_message)
    return tuple(
        set_condition(
            conditions,
            type=ConditionType.READY,
            status=ConditionStatus.TRUE if ready.ready else ConditionStatus.FALSE,
            reason=ready.reason,
            message=ready.message,
            observed_generation=generation,
            now=now,
        )
    )


# The Event posted when a RecoveryVault's or VCenter's condition changed, per type and new status.
_CHANGED: dict[tuple[str, ConditionStatus], EventReason] = {
    (ConditionType.CONNECTED, ConditionStatus.TRUE): EventReason.CONNECTED_TRUE,
    (ConditionType.CONNECTED, ConditionStatus.FALSE): EventReason.CONNECTED_FALSE,
    (ConditionType.CONNECTED, ConditionStatus.UNKNOWN): EventReason.CONNECTED_UNKNOWN,
    (ConditionType.READY, ConditionStatus.TRUE): EventReason.READY_TRUE,
    (ConditionType.READY, ConditionStatus.FALSE): EventReason.READY_FALSE,
    (ConditionType.READY, ConditionStatus.UNKNOWN): EventReason.READY_UNKNOWN,
}


def kept_after_failure(previous: StatusT, failure: ReadFailure, generation: int, now: datetime) -> StatusT:
    """A status whose read failed: the last values kept, its conditions saying why they may be stale."""
    return previous.model_copy(
        update={
            "observed_generation": generation,
            "conditions": connection_conditions(
                previous.conditions,
                failure=failure,
                connected_message="",
                readiness=None,
                generation=generation,
                now=now,
            ),
        }
    )


def condition_events(
    previous: Sequence[Condition] | None, current: Sequence[Condition], types: Sequence[ConditionType]
) -> tuple[Event, ...]:
    """One event per condition of `types` whose status changed (or that failed on the first look)."""
    events = []
    for condition_type in types:
        now = find_condition(current, condition_type)
        before = find_condition(previous or (), condition_type)
        if now is None or (before is not None and before.status == now.status):
            continue
        if before is None and now.status == ConditionStatus.TRUE:
            continue  # a first look that found everything well is not news
        good = now.status == ConditionStatus.TRUE
        events.append(
            Event(
                type=EventType.NORMAL if good else EventType.WARNING,
                reason=_CHANGED[(condition_type, now.status)],
                message=f"{condition_type} is {now.status.value} ({now.reason}): {now.message}",
            )
        )
    return tuple(events)
