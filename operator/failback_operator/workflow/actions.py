"""What the state machine asks the shell to do, and what the shell reports back after a call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from failback_operator.api.status import FailbackPlanStatus
from failback_operator.api.vocabulary import EventType, Operation

__all__ = [
    "Action",
    "CallOutcome",
    "Decision",
    "Event",
    "ReleaseDiskSlots",
    "ReserveDiskSlots",
    "StartOperation",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class StartOperation:
    """A mutating Site Recovery call; its intent is already in the decision's status.

    The shell writes that status first (with a resourceVersion precondition), then calls, then
    records the outcome with `record_outcome`: intent, call, record.
    """

    operation: Operation
    items: tuple[str, ...]
    # Set for a replication group: the call goes through its recovery plan (FB030).
    recovery_plan: str | None = None
    attempt: int = 1


@dataclass(frozen=True, kw_only=True, slots=True)
class ReserveDiskSlots:
    """Reserve disk slots on the master target by compare-and-swap on its status (FB027)."""

    disks_by_item: tuple[tuple[str, int], ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class ReleaseDiskSlots:
    """Release this plan's reservation: its disks are attached, or it stopped needing them."""


Action = StartOperation | ReserveDiskSlots | ReleaseDiskSlots


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """A Kubernetes Event to post on the plan."""

    type: EventType
    reason: str
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """The next status, the actions to take in order, the events to post, and when to look again."""

    status: FailbackPlanStatus
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    requeue_after: timedelta | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CallOutcome:
    """What a StartOperation call gave: a job id, a refusal with its error, or nothing known.

    `job_name` set: Site Recovery accepted the call. `refused` with `code`/`message`: it answered
    with an error and started nothing. `not_sent`: the request provably never reached Site
    Recovery (no connection, sign-in failed, throttled before processing), so the next look may
    call again. None of these: the answer was lost, so whether a job started is unknown until the
    job list says so.
    """

    job_name: str | None = None
    refused: bool = False
    not_sent: bool = False
    code: str | None = None
    message: str = ""
    # Not sent because ARM throttled it: how long ARM asked to wait (Retry-After).
    retry_after: timedelta | None = None
