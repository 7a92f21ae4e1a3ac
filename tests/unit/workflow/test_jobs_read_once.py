"""A look goes through the vault's jobs once, however many machines its plan has.

A day of jobs at 5,000 items is 25,000 entries: scanning them for each machine of a 25-machine
plan, as the state machine did, made one look take seconds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from failback_operator.api.resources import Action, CommitMode
from failback_operator.api.status import FailbackPlanStatus
from failback_operator.facts import Job, ReplicationGroup
from failback_operator.workflow import decide

from . import world as w

MACHINES = [f"vm-{i:02d}" for i in range(25)]


@pytest.mark.parametrize("state", ["Protected", "FailedBack"])
def test_a_look_at_a_large_group_reads_each_job_once(state, monkeypatch) -> None:
    others = tuple(
        w.job(
            f"other-{i}",
            "SwitchProtection",
            f"elsewhere-{i}",
            state="Succeeded",
            start=w.NOW - timedelta(hours=1),
        )
        for i in range(500)
    )
    mine = tuple(
        w.job(
            f"reprotect-{n}",
            "SwitchProtection",
            n.upper(),
            state="Succeeded",
            start=w.NOW - timedelta(hours=5),
        )
        for n in MACHINES
    )
    request = w.request(
        action=Action.COMMIT,
        groups=(ReplicationGroup(name="apps", items=tuple(MACHINES), recovery_plan="rp-apps"),),
        commit=CommitMode.AUTO,
        approval_required=False,
    )
    observation = w.observe(*(w.item(n, state) for n in MACHINES), jobs=others + mine)
    read: list[str] = []
    all_tasks = Job.all_tasks
    monkeypatch.setattr(Job, "all_tasks", lambda job: read.append(job.id) or all_tasks(job))
    decision = decide(request, FailbackPlanStatus(), observation, w.NOW, w.SETTINGS)
    decide(request, decision.status, observation, w.NOW, w.SETTINGS)
    assert decision.status.items is not None
    assert len(decision.status.items) == len(MACHINES)
    # Each job's tasks are read once for both looks (the vault's job index), not once per machine.
    assert sorted(read) == sorted(j.id for j in others + mine)
