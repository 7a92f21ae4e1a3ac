"""FB040 as a pure function of (plan, approvals, now): the downtime window and the approval of this run."""

from __future__ import annotations

from datetime import timedelta

import pytest

from failback_operator.facts import ApprovalRequirement, DowntimeWindow, PlanDeclaration, RunApproval
from failback_operator.rules.window import WindowState, approval_problem, failback_gate, window_state
from tests.unit.rules.worlds import NOW

WINDOW = DowntimeWindow(start=NOW, end=NOW + timedelta(hours=2))


@pytest.mark.parametrize(
    ("offset", "state"),
    [
        (timedelta(seconds=-1), WindowState.NOT_YET_OPEN),
        (timedelta(0), WindowState.OPEN),
        (timedelta(hours=1), WindowState.OPEN),
        (timedelta(hours=2) - timedelta(seconds=1), WindowState.OPEN),
        (timedelta(hours=2), WindowState.CLOSED),
    ],
)
def test_window_bounds(offset: timedelta, state: WindowState) -> None:
    assert window_state(WINDOW, NOW + offset) is state


def test_no_window_never_opens() -> None:
    gate = failback_gate(PlanDeclaration(name="p"), [], NOW)
    assert gate.window is WindowState.NOT_DECLARED
    assert not gate.allowed
    assert gate.reasons == ("the plan declares no downtime window",)


def plan(**approval: object) -> PlanDeclaration:
    return PlanDeclaration(
        name="p",
        namespace="apps",
        window=WINDOW,
        run="run-7",
        requested_by="alice",
        approval=ApprovalRequirement(required=True, **approval),  # type: ignore[arg-type]
    )


def approval(**fields: object) -> RunApproval:
    values: dict[str, object] = {
        "name": "ok",
        "plan": "p",
        "run": "run-7",
        "approved_by": "bob",
        "namespace": "apps",
    }
    values.update(fields)
    return RunApproval(**values)  # type: ignore[arg-type]


def test_inside_window_with_approval() -> None:
    gate = failback_gate(plan(), [approval()], NOW + timedelta(minutes=5))
    assert gate.allowed
    assert gate.approval is not None
    assert gate.approval.approved_by == "bob"


def test_approval_required_but_missing() -> None:
    gate = failback_gate(plan(), [], NOW + timedelta(minutes=5))
    assert gate.window is WindowState.OPEN
    assert not gate.allowed
    assert gate.reasons == ("no approval for the current run",)


@pytest.mark.parametrize(
    ("policy", "fields", "problem"),
    [
        ({}, {"run": "run-6"}, "approves run 'run-6', the current run is 'run-7'"),
        ({}, {"approved_by": "alice"}, "is by alice, who requested the run"),
        ({"approvers": ("carol",)}, {}, "is by bob, not one of the approvers"),
        ({}, {"plan": "q"}, "names plan q, not p"),
        ({}, {"namespace": "other"}, "is in namespace other, the plan in apps"),
    ],
)
def test_approvals_that_do_not_count(
    policy: dict[str, object], fields: dict[str, object], problem: str
) -> None:
    the_plan, the_approval = plan(**policy), approval(**fields)
    assert problem in (approval_problem(the_plan, the_approval) or "")
    assert not failback_gate(the_plan, [the_approval], NOW + timedelta(minutes=1)).allowed


def test_self_approval_when_allowed() -> None:
    gate = failback_gate(plan(allow_self_approval=True), [approval(approved_by="alice")], NOW)
    assert gate.allowed


def test_one_good_approval_among_stale_ones() -> None:
    gate = failback_gate(plan(), [approval(name="old", run="run-6"), approval(name="new")], NOW)
    assert gate.allowed
    assert gate.approval is not None
    assert gate.approval.name == "new"


def test_generation_stands_in_for_missing_run_token() -> None:
    no_token = PlanDeclaration(
        name="p", window=WINDOW, generation=4, approval=ApprovalRequirement(required=True)
    )
    assert failback_gate(no_token, [approval(run="4", namespace=None)], NOW).allowed
    assert not failback_gate(no_token, [approval(run="3", namespace=None)], NOW).allowed


def test_approval_outside_window_still_waits() -> None:
    gate = failback_gate(plan(), [approval()], NOW - timedelta(minutes=1))
    assert gate.approved
    assert not gate.allowed
    assert gate.opens_at == NOW
