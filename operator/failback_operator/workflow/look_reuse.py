"""Whether a look may stand on the plan's last decision: nothing that decision read has changed.

A decision is a function of the plan (spec and status), its master target, its approvals, the
claims of other plans, what Site Recovery and vCenter said, and the time. The first five are
stamped here; the time is handled by the decision's own next look, which already falls on its
next time boundary (a window opening, FB028's retry, FB022's wait, the active pace while jobs run):
a look before it with unchanged inputs would decide the same, so it costs no gather and no
evaluation, and the plan is looked at fully again at that next look.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from failback_operator.workflow.actions import Decision

__all__ = ["LastDecision", "LookInputs", "approvals_stamp", "last_decision", "reusable"]


@dataclass(frozen=True, kw_only=True, slots=True)
class LookInputs:
    """Everything a plan's decision reads besides the time, each by a stamp that changes with it."""

    # The plan's resourceVersion: its spec, its status (the operator's own writes) and metadata.
    plan_version: str
    # The MasterTarget's resourceVersion: its spec, disk-slot reservations and retention waits.
    master_target_version: str
    # The plan's approvals: name and spec of each.
    approvals: tuple[tuple[str, str], ...]
    # Items of the plan that older active plans own: (item, owner).
    claims: tuple[tuple[str, str], ...]
    # The change stamps of the shared Site Recovery and vCenter reads; None when never read.
    sources: Hashable | None


def approvals_stamp(approvals: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    """Approvals as a stamp: a look reads their names and specs (their status is their own judge's)."""
    return tuple(
        sorted(
            (str(a["metadata"]["name"]), json.dumps(a.get("spec"), sort_keys=True, default=str))
            for a in approvals
        )
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class LastDecision:
    """What a plan's last full look read, and when that look's decision wanted the next one."""

    inputs: LookInputs
    next_look_at: datetime


def last_decision(
    inputs: LookInputs, decision: Decision, requeue_after: timedelta, now: datetime, *, complete: bool
) -> LastDecision | None:
    """The decision to stand on until its next look, or None when the next look must be full.

    Only a decision that calls nothing and reserves nothing, taken on complete facts (`complete`:
    both sides read), is stood on: a call's outcome changes the status, and a side that could not be
    read must be tried again at the next look.
    """
    if decision.actions or not complete or inputs.sources is None or requeue_after <= timedelta(0):
        return None
    return LastDecision(inputs=inputs, next_look_at=now + requeue_after)


def reusable(last: LastDecision | None, inputs: LookInputs, now: datetime) -> timedelta | None:
    """The time left until the last decision's next look when nothing it read has changed; else None.

    None means: gather and decide afresh.
    """
    if last is None or inputs.sources is None or last.inputs != inputs:
        return None
    left = last.next_look_at - now
    return left if left > timedelta(0) else None
