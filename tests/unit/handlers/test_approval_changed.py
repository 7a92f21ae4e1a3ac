"""An approval event whose judging fails (the API server restarting) is told, never raised to Kopf."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from failback_operator.handlers.plans import approval_changed


class _RefusedApprovals:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.looked: list[tuple[str, str]] = []

    async def look(self, namespace: str, name: str) -> None:
        self.looked.append((namespace, name))
        raise self.error


def _memo(approvals: _RefusedApprovals, woken: list[tuple[str, str]]) -> SimpleNamespace:
    runtime = SimpleNamespace(
        approval_index=None, approvals=approvals, wake=lambda namespace, plan: woken.append((namespace, plan))
    )
    return SimpleNamespace(runtime=runtime)


async def test_a_refused_connection_is_one_warning_and_the_plan_still_looks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="failback_operator")
    approvals = _RefusedApprovals(ConnectionRefusedError(111, "Connection refused"))
    woken: list[tuple[str, str]] = []
    await approval_changed(
        spec={"planRef": {"name": "plan-a"}},
        body={},
        name="approve-1",
        namespace="apps",
        type="MODIFIED",
        memo=_memo(approvals, woken),
    )
    assert approvals.looked == [("apps", "approve-1")]
    assert woken == [("apps", "plan-a")]
    told = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelno, r.exc_info) for r in told] == [(logging.WARNING, None)]
    assert "FailbackApproval apps/approve-1" in told[0].getMessage()
