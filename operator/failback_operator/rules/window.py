"""The failback gate of FB040: inside the plan's downtime window and, where asked, approved for this run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from failback_operator.facts import DowntimeWindow, PlanDeclaration, RunApproval


class WindowState(StrEnum):
    """Where `now` stands relative to the plan's downtime window."""

    OPEN = "Open"
    NOT_YET_OPEN = "NotYetOpen"
    CLOSED = "Closed"
    NOT_DECLARED = "NotDeclared"


@dataclass(frozen=True, kw_only=True, slots=True)
class FailbackGate:
    """Whether failback may start now, and every reason it may not."""

    window: WindowState
    approved: bool
    approval: RunApproval | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    reasons: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """True only inside the window and with every approval the plan asks for."""
        return self.window is WindowState.OPEN and self.approved


def window_state(window: DowntimeWindow | None, now: datetime) -> WindowState:
    """Open for start <= now < end; a plan without a window never opens."""
    if window is None:
        return WindowState.NOT_DECLARED
    if now < window.start:
        return WindowState.NOT_YET_OPEN
    if now >= window.end:
        return WindowState.CLOSED
    return WindowState.OPEN


def _run_token(plan: PlanDeclaration) -> str | None:
    if plan.run:
        return plan.run
    return None if plan.generation is None else str(plan.generation)


def approval_problem(plan: PlanDeclaration, approval: RunApproval) -> str | None:
    """Why an approval does not approve the plan's current run, or None when it does."""
    if approval.plan != plan.name:
        return f"approval {approval.name} names plan {approval.plan}, not {plan.name}"
    if approval.namespace not in (None, plan.namespace):
        return f"approval {approval.name} is in namespace {approval.namespace}, the plan in {plan.namespace}"
    token = _run_token(plan)
    if token is None:
        return f"plan {plan.name} has no run token to approve"
    if approval.run != token:
        return f"approval {approval.name} approves run {approval.run!r}, the current run is {token!r}"
    policy = plan.approval
    if policy.approvers and approval.approved_by not in policy.approvers:
        return f"approval {approval.name} is by {approval.approved_by or 'nobody'}, not one of the approvers"
    if not policy.allow_self_approval and approval.approved_by and approval.approved_by == plan.requested_by:
        return f"approval {approval.name} is by {approval.approved_by}, who requested the run"
    return None


def failback_gate(plan: PlanDeclaration, approvals: Iterable[RunApproval], now: datetime) -> FailbackGate:
    """Decide whether the plan may fail back at `now` (FB040)."""
    state = window_state(plan.window, now)
    reasons: list[str] = []
    opens_at = plan.window.start if plan.window else None
    closes_at = plan.window.end if plan.window else None
    if state is WindowState.NOT_DECLARED:
        reasons.append("the plan declares no downtime window")
    elif state is WindowState.NOT_YET_OPEN:
        reasons.append(f"the downtime window opens at {opens_at:%Y-%m-%dT%H:%M:%SZ}")
    elif state is WindowState.CLOSED:
        reasons.append(f"the downtime window closed at {closes_at:%Y-%m-%dT%H:%M:%SZ}")
    accepted: RunApproval | None = None
    if plan.approval.required:
        problems: list[str] = []
        for approval in approvals:
            if approval.plan != plan.name or approval.namespace not in (None, plan.namespace):
                continue
            problem = approval_problem(plan, approval)
            if problem is None:
                accepted = approval
                break
            problems.append(problem)
        if accepted is None:
            reasons.append(
                "no approval for the current run" + (f" ({'; '.join(problems)})" if problems else "")
            )
    approved = accepted is not None or not plan.approval.required
    return FailbackGate(
        window=state,
        approved=approved,
        approval=accepted,
        opens_at=opens_at,
        closes_at=closes_at,
        reasons=tuple(reasons),
    )
