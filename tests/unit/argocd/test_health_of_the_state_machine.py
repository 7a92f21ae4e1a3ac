"""The plan's health over whatever the state machine writes: never done too early, never quiet when stuck."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from failback_operator.api.resources import Action, CommitMode
from failback_operator.api.status import FailbackPlanStatus
from failback_operator.api.vocabulary import Phase
from failback_operator.rules.model import ObjectRef, Severity, failed
from failback_operator.workflow import CallOutcome, Observation, StartOperation, decide, record_outcome

from ..workflow.world import approval, item, job, later, observe, request, shutdown_tasks
from .lua import HEALTH_CODES, run_health

SCRIPT = (
    Path(__file__).resolve().parents[3]
    / "argocd"
    / "resource_customizations"
    / "failback.io"
    / "FailbackPlan"
    / "health.lua"
).read_text()
STAGES = (
    "FailedOverToAzure",
    "Reprotecting",
    "Syncing",
    "Protected",
    "FailingBack",
    "FailedBack",
    "Committed",
)
ACTIONS = (Action.PREFLIGHT, Action.REPROTECT, Action.FAILBACK, Action.COMMIT)
SNAPSHOT = failed(
    "FB006", Severity.BLOCK, ObjectRef(kind="MasterTarget", name="mt-win"), "1 snapshot: nightly", "delete it"
)
# What goes wrong on a look, besides Site Recovery moving the items on.
TROUBLE = ("none", "none", "none", "vault-unreadable", "blocked", "claimed", "no-approval", "job-failed")


def _object(status: FailbackPlanStatus, generation: int) -> dict[str, Any]:
    return {
        "apiVersion": "failback.io/v1alpha1",
        "kind": "FailbackPlan",
        "metadata": {"name": "windows-apps", "namespace": "team-apps", "generation": generation},
        "status": status.to_status(),
    }


def _observation(stage_a: str, stage_b: str, trouble: str, minute: int) -> Observation:
    jobs = ()
    if trouble == "job-failed":
        jobs = tuple(
            job(f"job-{minute}-{n}", "SwitchReplicationGroupProtection", n.upper(), state="Failed")
            for n in ("vm-a", "vm-b")
        )
    elif stage_a == "FailedBack" or stage_b == "FailedBack":
        jobs = (job("ufo", "UnplannedFailover", "rp-apps", state="Succeeded", tasks=shutdown_tasks()),)
    if trouble == "vault-unreadable":
        return Observation(vault=None)
    return observe(
        item("vm-a", stage_a),
        item("vm-b", stage_b),
        jobs=jobs,
        reserved=True,
        approvals=() if trouble == "no-approval" else (approval(),),
        pre_reprotect=(SNAPSHOT,) if trouble == "blocked" else (),
        pre_failback=(SNAPSHOT,) if trouble == "blocked" else (),
        claimed_by={"vm-a": "team-b/other-plan"} if trouble == "claimed" else {},
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(STAGES),
            st.sampled_from(STAGES),
            st.sampled_from(ACTIONS),
            st.sampled_from(TROUBLE),
            st.booleans(),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_health_of_every_status_the_state_machine_writes(
    steps: list[tuple[str, str, Action, str, bool]],
) -> None:
    status = FailbackPlanStatus()
    generation = 1
    last_action = None
    for minute, (stage_a, stage_b, action, trouble, auto_commit) in enumerate(steps):
        if action != last_action:
            generation += 1  # each step forward is a spec change
            last_action = action
        commit = CommitMode.AUTO if auto_commit else CommitMode.MANUAL
        decision = decide(
            request(action, commit=commit, generation=generation),
            status,
            _observation(stage_a, stage_b, trouble, minute),
            later(minute),
        )
        status = decision.status
        for start in (a for a in decision.actions if isinstance(a, StartOperation)):
            outcome = CallOutcome(job_name=f"job-{minute}-{start.items[0]}")
            status = record_outcome(status, start, outcome, later(minute)).status
        health = run_health(SCRIPT, _object(status, generation))
        assert health["status"] in HEALTH_CODES
        assert isinstance(health["message"], str)
        assert health["message"]
        ready = next((c for c in status.conditions or () if c.type == "Ready"), None)
        if status.observed_generation != generation:
            assert health["status"] == "Progressing"
            continue
        if health["status"] == "Healthy":
            # Done only when the operator says so for this very spec.
            assert status.phase == Phase.COMPLETED
            assert ready is not None
            assert (ready.status, ready.observed_generation) == ("True", generation)
        if status.phase in {Phase.FAILED, Phase.PAUSED}:
            assert health["status"] == "Degraded", status.message
        if health["status"] in {"Degraded", "Suspended", "Progressing"} and status.phase is not None:
            assert health["message"].startswith(status.phase), health
