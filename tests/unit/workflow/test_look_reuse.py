"""A look stands on the last decision only while nothing it read changed and before its next look."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from failback_operator.api.status import FailbackPlanStatus
from failback_operator.api.vocabulary import Operation
from failback_operator.workflow import Decision, ReserveDiskSlots, StartOperation
from failback_operator.workflow.look_reuse import LookInputs, approvals_stamp, last_decision, reusable

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
INPUTS = LookInputs(
    plan_version="41",
    master_target_version="7",
    approvals=approvals_stamp(
        [{"metadata": {"name": "go"}, "spec": {"planRef": {"name": "app1"}, "run": "1"}}]
    ),
    claims=(),
    sources=("vault-a", "digest", 3, "vcenter-a", "vc.example:443", 0),
)
QUIET = Decision(status=FailbackPlanStatus())


def test_unchanged_inputs_before_the_next_look_skip_until_it() -> None:
    last = last_decision(INPUTS, QUIET, timedelta(seconds=30), NOW, complete=True)
    assert reusable(last, INPUTS, NOW + timedelta(seconds=10)) == timedelta(seconds=20)


def test_the_next_look_itself_is_full_so_that_time_dependent_checks_run() -> None:
    # Windows, FB028's retry, FB022's waits and the active pace are all in the decision's next look.
    last = last_decision(INPUTS, QUIET, timedelta(seconds=30), NOW, complete=True)
    assert reusable(last, INPUTS, NOW + timedelta(seconds=30)) is None
    assert reusable(last, INPUTS, NOW + timedelta(minutes=5)) is None


def test_any_changed_input_means_a_full_look() -> None:
    last = last_decision(INPUTS, QUIET, timedelta(seconds=30), NOW, complete=True)
    later = NOW + timedelta(seconds=1)
    changes = {
        "plan": {"plan_version": "42"},
        "master target": {"master_target_version": "8"},
        "approval": {
            "approvals": approvals_stamp(
                [{"metadata": {"name": "go"}, "spec": {"planRef": {"name": "app1"}, "run": "2"}}]
            )
        },
        "approval withdrawn": {"approvals": ()},
        "claim": {"claims": (("vm-1", "team/other"),)},
        "vault or vCenter": {"sources": ("vault-a", "digest", 4, "vcenter-a", "vc.example:443", 0)},
        "never read": {"sources": None},
    }
    for what, change in changes.items():
        assert reusable(last, dataclasses.replace(INPUTS, **change), later) is None, what  # type: ignore[arg-type]


def test_a_decision_is_not_stood_on_when_it_acts_or_saw_too_little() -> None:
    calls = Decision(
        status=FailbackPlanStatus(), actions=(StartOperation(operation=Operation.FAILOVER, items=("vm-1",)),)
    )
    reserves = Decision(
        status=FailbackPlanStatus(), actions=(ReserveDiskSlots(disks_by_item=(("vm-1", 2),)),)
    )
    assert last_decision(INPUTS, calls, timedelta(seconds=30), NOW, complete=True) is None
    assert last_decision(INPUTS, reserves, timedelta(seconds=30), NOW, complete=True) is None
    # A side that could not be read, or facts still being learned (jobs read by name).
    assert last_decision(INPUTS, QUIET, timedelta(seconds=30), NOW, complete=False) is None
    # "Look again at once" (calls held back).
    assert last_decision(INPUTS, QUIET, timedelta(0), NOW, complete=True) is None
    assert (
        last_decision(dataclasses.replace(INPUTS, sources=None), QUIET, timedelta(30), NOW, complete=True)
        is None
    )


def test_no_last_decision_means_a_full_look() -> None:
    assert reusable(None, INPUTS, NOW) is None


def test_approvals_are_stamped_by_name_and_spec_in_any_order() -> None:
    a = {"metadata": {"name": "a", "resourceVersion": "1"}, "spec": {"run": "1", "planRef": {"name": "p"}}}
    b = {"metadata": {"name": "b"}, "spec": {"planRef": {"name": "p"}, "run": "1"}}
    a_judged = {**a, "metadata": {"name": "a", "resourceVersion": "2"}, "status": {"counts": True}}
    assert approvals_stamp([a, b]) == approvals_stamp([b, a_judged])
