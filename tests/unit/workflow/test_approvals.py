"""FailbackApproval status: accepted for the current run or ignored with the reason, as Argo CD reads it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from failback_operator.api.status import FailbackApprovalStatus
from failback_operator.api.vocabulary import Reason
from failback_operator.facts import ApprovalRequirement, PlanDeclaration, RunApproval
from failback_operator.workflow.approvals import approval_status, judge_approval

from ..argocd.lua import load_api_yaml, run_health

NOW = datetime(2026, 11, 28, 21, 41, 9, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 22, 0, 0, tzinfo=UTC)
APPROVALS = (
    Path(__file__).resolve().parents[3] / "argocd/resource_customizations/failback.io/FailbackApproval"
)
APPROVAL = RunApproval(
    name="windows-apps-2026-11-28", plan="windows-apps", run="2026-11-28", namespace="team-apps"
)


def _plan(run: str = "2026-11-28", required: bool = True) -> PlanDeclaration:
    return PlanDeclaration(
        name="windows-apps",
        namespace="team-apps",
        vault="pwstestvault",
        master_target="v2a-ps-200",
        run=run,
        approval=ApprovalRequirement(required=required),
    )


@pytest.mark.parametrize(
    ("plan", "accepted", "reason", "testdata", "health"),
    [
        (_plan(), True, Reason.ACCEPTED, "accepted", "Healthy"),
        (_plan(run="2026-12-05"), False, Reason.STALE_RUN, "other-run", "Suspended"),
        (None, False, Reason.PLAN_NOT_FOUND, "plan-not-found", "Degraded"),
        (_plan(required=False), False, Reason.APPROVAL_NOT_REQUIRED, "not-required", "Suspended"),
    ],
)
def test_the_status_written_is_the_argocd_testdata_of_that_state(
    plan: PlanDeclaration | None, accepted: bool, reason: Reason, testdata: str, health: str
) -> None:
    verdict = judge_approval(APPROVAL, plan, "team-apps")
    assert (verdict.accepted, verdict.reason) == (accepted, reason)
    status = approval_status(FailbackApprovalStatus(), verdict, generation=1, now=NOW).to_status()
    expected = yaml.safe_load((APPROVALS / "testdata" / f"{testdata}.yaml").read_text())["status"]
    [written], [documented] = status["conditions"], expected["conditions"]
    assert {k: written[k] for k in ("type", "status", "reason", "message", "observedGeneration")} == {
        k: documented[k] for k in ("type", "status", "reason", "message", "observedGeneration")
    }
    assert ("acceptedAt" in status) == accepted
    # Argo CD's health of exactly what the operator writes.
    obj = load_api_yaml(APPROVALS / "testdata" / f"{testdata}.yaml")
    obj["status"] = status
    assert run_health((APPROVALS / "health.lua").read_text(), obj)["status"] == health


def test_a_verdict_that_does_not_change_changes_nothing() -> None:
    """No write loop: judging the same approval again gives the same status, transition time and all."""
    verdict = judge_approval(APPROVAL, _plan(), "team-apps")
    first = approval_status(FailbackApprovalStatus(), verdict, generation=1, now=NOW)
    assert approval_status(first, verdict, generation=1, now=LATER) == first


def test_a_new_run_of_the_plan_makes_the_accepted_approval_stale() -> None:
    accepted = approval_status(
        FailbackApprovalStatus(), judge_approval(APPROVAL, _plan(), "team-apps"), generation=1, now=NOW
    )
    stale = approval_status(
        accepted, judge_approval(APPROVAL, _plan(run="2026-12-05"), "team-apps"), generation=1, now=LATER
    )
    [condition] = stale.conditions or ()
    assert (condition.status, condition.reason) == ("False", "StaleRun")
    assert stale.accepted_at is None
