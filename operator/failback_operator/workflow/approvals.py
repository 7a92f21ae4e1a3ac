"""Whether a FailbackApproval counts: accepted for its plan's current run, or ignored with the reason why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from failback_operator.api.conditions import set_condition
from failback_operator.api.status import FailbackApprovalStatus
from failback_operator.api.vocabulary import ConditionType, Reason
from failback_operator.facts import PlanDeclaration, RunApproval
from failback_operator.rules.window import approval_problem

__all__ = ["ApprovalVerdict", "approval_status", "judge_approval"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ApprovalVerdict:
    """Accepted or not, a CamelCase reason, and a sentence a person can act on."""

    accepted: bool
    reason: Reason
    message: str


def judge_approval(approval: RunApproval, plan: PlanDeclaration | None, namespace: str) -> ApprovalVerdict:
    """The same judgement as the failback gate (FB040), for one approval and the plan it names."""
    if plan is None:
        return ApprovalVerdict(
            accepted=False,
            reason=Reason.PLAN_NOT_FOUND,
            message=f"no FailbackPlan {approval.plan} in namespace {namespace}",
        )
    if not plan.approval.required:
        return ApprovalVerdict(
            accepted=False,
            reason=Reason.APPROVAL_NOT_REQUIRED,
            message=f"FailbackPlan {plan.name} needs no approval (spec.approval.policy is not Required); "
            "this approval approves nothing",
        )
    current = plan.run or (None if plan.generation is None else str(plan.generation))
    if approval.run != current:
        return ApprovalVerdict(
            accepted=False,
            reason=Reason.STALE_RUN,
            message=f"FailbackPlan {plan.name} is at run {current}; this approval is for run {approval.run} "
            "and approves nothing",
        )
    problem = approval_problem(plan, approval)
    if problem is not None:
        return ApprovalVerdict(accepted=False, reason=Reason.NOT_ELIGIBLE, message=problem)
    return ApprovalVerdict(
        accepted=True,
        reason=Reason.ACCEPTED,
        message=f"approves run {approval.run} of FailbackPlan {plan.name}, the plan's current run",
    )


def approval_status(
    status: FailbackApprovalStatus, verdict: ApprovalVerdict, generation: int, now: datetime
) -> FailbackApprovalStatus:
    """The approval's next status: the Accepted condition, and when it was first accepted for this run."""
    conditions = set_condition(
        status.conditions or (),
        type=ConditionType.ACCEPTED,
        status=verdict.accepted,
        reason=verdict.reason,
        message=verdict.message,
        observed_generation=generation,
        now=now,
    )
    accepted_at = (status.accepted_at or now) if verdict.accepted else None
    return FailbackApprovalStatus(
        observed_generation=generation, accepted_at=accepted_at, conditions=tuple(conditions)
    )
