"""Never twice, never on a guess: lost answers, refusals, failed jobs, restarts, changes behind the plan."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from failback_operator.api.resources import Action
from failback_operator.api.status import FailbackPlanStatus as PlanStatus
from failback_operator.api.status import ItemStatus
from failback_operator.api.vocabulary import ItemStage, Operation, Phase, Progression
from failback_operator.facts import Architecture, CurrentScenario, JobError, ReplicationGroup
from failback_operator.workflow import CallOutcome, StartOperation, decide, record_outcome

from .world import NOW, SETTINGS, approval, item, job, later, observe, request, shutdown_tasks

SINGLE = (ReplicationGroup(name="db", items=("vm-a",)),)


def _item(status: PlanStatus, name: str = "vm-a") -> ItemStatus:
    found = next((i for i in status.items or () if i.name == name), None)
    assert found is not None
    return found


def _starts(decision_actions: tuple[object, ...]) -> list[StartOperation]:
    return [a for a in decision_actions if isinstance(a, StartOperation)]


def _reprotect_intent() -> PlanStatus:
    """One item whose reprotect intent was written; the call's answer was lost."""
    decision = decide(
        request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "FailedOverToAzure"), reserved=True), NOW
    )
    [start] = _starts(decision.actions)
    return record_outcome(decision.status, start, CallOutcome(), NOW).status


def test_lost_answer_keeps_the_intent_without_a_job() -> None:
    status = _reprotect_intent()
    intent = _item(status).intent
    assert intent is not None
    assert intent.job_name is None
    assert intent.operation == Operation.REPROTECT


def test_lost_answer_then_the_job_is_found_and_adopted_not_posted_again() -> None:
    status = _reprotect_intent()
    listed = job("job-7", "SwitchReplicationGroupProtection", "VM-A", start=NOW + timedelta(seconds=2))
    decision = decide(
        request(groups=SINGLE),
        status,
        observe(item("vm-a", "Reprotecting"), jobs=(listed,), reserved=True),
        later(1),
    )
    assert _starts(decision.actions) == []
    intent = _item(decision.status).intent
    assert intent is not None
    assert intent.job_name == "job-7"
    assert decision.status.progression == Progression.WAITING_FOR_REPROTECT_JOBS


def test_an_older_job_of_the_same_kind_is_not_adopted() -> None:
    status = _reprotect_intent()
    old = job(
        "job-old", "SwitchReplicationGroupProtection", "VM-A", state="Failed", start=NOW - timedelta(hours=3)
    )
    decision = decide(
        request(groups=SINGLE),
        status,
        observe(item("vm-a", "FailedOverToAzure"), jobs=(old,), reserved=True),
        later(1),
    )
    intent = _item(decision.status).intent
    assert intent is not None
    assert intent.job_name is None
    assert decision.status.progression == Progression.RESOLVING_INTENT
    assert _starts(decision.actions) == []


# A job runs on the item, but none is listed for the intent: Site Recovery cannot tell whose it is.
BUSY = {
    "current_scenario": CurrentScenario(name="SwitchReplicationGroupProtection"),
    "allowed_operations": (),
}


def test_no_job_within_the_grace_waits_then_pauses_without_posting() -> None:
    status = _reprotect_intent()
    waiting = decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), reserved=True), later(2)
    )
    assert waiting.status.progression == Progression.RESOLVING_INTENT
    assert _starts(waiting.actions) == []
    paused = decide(
        request(groups=SINGLE),
        waiting.status,
        observe(item("vm-a", "FailedOverToAzure", **BUSY), reserved=True),
        later(6),
    )
    assert paused.status.phase == Phase.PAUSED
    assert paused.status.progression == Progression.INTENT_UNRESOLVED
    assert "cannot tell whether reprotect of vm-a" in (paused.status.message or "")
    assert _starts(paused.actions) == []
    assert paused.events[0].type == "Warning"


def test_past_the_grace_an_idle_item_still_offering_the_call_shows_it_took_no_effect() -> None:
    """No job listed, nothing running on the item, reprotect still offered: the call did nothing."""
    status = _reprotect_intent()
    again = decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), reserved=True), later(6)
    )
    assert again.status.phase != Phase.PAUSED
    [start] = _starts(again.actions)
    assert start.operation == Operation.REPROTECT
    [told] = [e for e in again.events if e.reason == "CallTookNoEffect"]
    assert told.type == "Warning"
    assert "took no effect" in told.message
    intent = _item(again.status).intent
    assert intent is not None
    assert intent.time == later(6)  # a new intent, written before the new call


def test_within_the_grace_an_idle_item_is_not_called_again() -> None:
    status = _reprotect_intent()
    waiting = decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), reserved=True), later(4.9)
    )
    assert _starts(waiting.actions) == []
    assert waiting.status.progression == Progression.RESOLVING_INTENT


def test_a_new_run_clears_an_unresolved_intent_and_tries_again() -> None:
    status = _reprotect_intent()
    paused = decide(
        request(groups=SINGLE),
        status,
        observe(item("vm-a", "FailedOverToAzure", **BUSY), reserved=True),
        later(6),
    )
    assert paused.status.phase == Phase.PAUSED
    retried = decide(
        request(groups=SINGLE, run="run-2"),
        paused.status,
        observe(item("vm-a", "FailedOverToAzure"), reserved=True),
        later(7),
    )
    [start] = _starts(retried.actions)
    assert start.operation == Operation.REPROTECT
    assert retried.status.observed_run == "run-2"


def test_a_call_that_never_left_clears_the_intent_for_the_next_look() -> None:
    decision = decide(
        request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "FailedOverToAzure"), reserved=True), NOW
    )
    [start] = _starts(decision.actions)
    outcome = CallOutcome(not_sent=True, message="throttled: retry after 20 s")
    recorded = record_outcome(decision.status, start, outcome, NOW)
    assert _item(recorded.status).intent is None
    assert recorded.events[0].reason == "CallNotSent"
    again = decide(
        request(groups=SINGLE),
        recorded.status,
        observe(item("vm-a", "FailedOverToAzure"), reserved=True),
        later(1),
    )
    assert len(_starts(again.actions)) == 1


def test_the_effect_visible_without_a_job_resolves_the_intent() -> None:
    status = _reprotect_intent()
    decision = decide(request(groups=SINGLE), status, observe(item("vm-a", "Syncing")), later(30))
    assert _item(decision.status).intent is None
    assert decision.status.phase == Phase.SYNCING


def _refused(status: PlanStatus, at_minutes: float) -> PlanStatus:
    action = StartOperation(operation=Operation.REPROTECT, items=("vm-a",))
    refusal = CallOutcome(
        refused=True,
        code="",
        message="Protection couldn't be enabled: the Mobility service agent is not installed on the VM",
    )
    return record_outcome(status, action, refusal, later(at_minutes)).status


def test_agent_not_installed_is_retried_with_backoff_inside_the_window() -> None:
    decision = decide(
        request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "FailedOverToAzure"), reserved=True), NOW
    )
    status = _refused(decision.status, 0)
    refusals = _item(status).agent_refusals
    assert refusals is not None
    assert refusals.count == 1
    assert refusals.next_attempt_at == NOW + SETTINGS.rules.agent_retry_initial
    assert _item(status).intent is None
    too_soon = decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), reserved=True), later(0.25)
    )
    assert too_soon.status.progression == Progression.WAITING_FOR_AGENT
    assert "FB028" in (too_soon.status.message or "")
    assert _starts(too_soon.actions) == []
    assert too_soon.requeue_after == timedelta(seconds=15)
    retry = decide(
        request(groups=SINGLE),
        too_soon.status,
        observe(item("vm-a", "FailedOverToAzure"), reserved=True),
        later(1),
    )
    [start] = _starts(retry.actions)
    assert start.attempt == 2


def test_agent_not_installed_after_the_window_fails_the_item_under_fb028() -> None:
    decision = decide(
        request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "FailedOverToAzure"), reserved=True), NOW
    )
    status = _refused(decision.status, 0)
    retry = decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), reserved=True), later(16)
    )
    assert len(_starts(retry.actions)) == 1
    status = _refused(retry.status, 16)
    failed = decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), reserved=True), later(16)
    )
    assert failed.status.phase == Phase.FAILED
    error = _item(failed.status).last_error
    assert error is not None
    assert error.rule_id == "FB028"


def _running_reprotect(state: str, code: str, message: str) -> PlanStatus:
    status = _reprotect_intent()
    status = record_outcome(
        status,
        StartOperation(operation=Operation.REPROTECT, items=("vm-a",)),
        CallOutcome(job_name="job-9"),
        NOW,
    ).status
    ended = job(
        "job-9",
        "SwitchReplicationGroupProtection",
        "VM-A",
        state=state,
        errors=(JobError(code=code, message=message),),
    )
    return decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), jobs=(ended,)), later(10)
    ).status


def test_a_failed_job_with_a_known_code_fails_the_plan_with_rule_and_remedy() -> None:
    status = _running_reprotect("Failed", "78052", "A virtual machine with the name VM-A already exists")
    assert status.phase == Phase.FAILED
    assert status.progression == Progression.JOB_FAILED
    error = _item(status).last_error
    assert error is not None
    assert (error.rule_id, error.code) == ("FB043", "78052")
    assert "FB043" in (status.message or "")
    assert "rename or remove" in (status.message or "")
    assert _item(status).intent is None


def test_a_failed_job_with_an_unknown_code_pauses_instead_of_guessing() -> None:
    status = _running_reprotect("Failed", "99999", "Something new went wrong")
    assert status.phase == Phase.PAUSED
    assert status.progression == Progression.UNKNOWN_JOB_ERROR
    assert "99999" in (status.message or "")


def test_failure_is_never_retried_in_a_loop_but_a_new_run_retries() -> None:
    status = _running_reprotect("Failed", "8061", "Datastore not reachable")
    again = decide(
        request(groups=SINGLE), status, observe(item("vm-a", "FailedOverToAzure"), reserved=True), later(20)
    )
    assert _starts(again.actions) == []
    assert again.status.phase == Phase.FAILED
    retry = decide(
        request(groups=SINGLE, run="run-2"),
        again.status,
        observe(item("vm-a", "FailedOverToAzure"), reserved=True),
        later(21),
    )
    [start] = _starts(retry.actions)
    assert start.operation == Operation.REPROTECT
    assert _item(retry.status).last_error is None


def test_item_disappearing_behind_the_plan_pauses_it() -> None:
    syncing = decide(request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "Syncing")), NOW)
    gone = decide(request(groups=SINGLE), syncing.status, observe(), later(5))
    assert gone.status.phase == Phase.PAUSED
    assert gone.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN
    assert "vm-a went from Syncing to Missing" in (gone.status.message or "")
    assert gone.actions == ()


def test_item_failed_over_again_behind_the_plan_pauses_it() -> None:
    protected = decide(request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "Protected")), NOW)
    moved = decide(
        request(groups=SINGLE), protected.status, observe(item("vm-a", "FailedOverToAzure")), later(5)
    )
    assert moved.status.phase == Phase.PAUSED
    assert moved.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN


def test_an_item_owned_by_another_plan_is_refused_with_its_owner() -> None:
    decision = decide(
        request(groups=SINGLE),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), reserved=True, claimed_by={"vm-a": "team-b/db-failback"}),
        NOW,
    )
    assert decision.status.phase == Phase.PENDING
    assert decision.status.progression == Progression.ITEMS_CLAIMED_ELSEWHERE
    assert "team-b/db-failback" in (decision.status.message or "")
    assert decision.actions == ()


def test_status_lost_progress_is_rebuilt_from_site_recovery() -> None:
    # The plan re-applied from Git into a rebuilt cluster: empty status, items already syncing.
    decision = decide(
        request(), PlanStatus(), observe(item("vm-a", "Syncing"), item("vm-b", "Protected")), NOW
    )
    assert _starts(decision.actions) == []
    assert decision.status.phase == Phase.SYNCING
    assert [i.stage for i in decision.status.items or ()] == [
        ItemStage.SYNCING,
        ItemStage.PROTECTED_TO_ON_PREMISES,
    ]


def test_status_lost_after_failback_confirms_shutdown_from_the_job_history() -> None:
    failover = job("ufo-1", "UnplannedFailover", "rp-apps", state="Succeeded", tasks=shutdown_tasks())
    decision = decide(
        request(Action.COMMIT),
        PlanStatus(),
        observe(
            item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), jobs=(failover,), approvals=(approval(),)
        ),
        NOW,
    )
    # The group's failover job names its recovery plan: it confirms the shut-down for every item.
    assert decision.status.progression == Progression.STARTING_COMMIT
    assert all(i.shutdown_confirmed for i in decision.status.items or ())
    skipped = job("ufo-1", "UnplannedFailover", "rp-apps", state="Succeeded", tasks=shutdown_tasks("Other"))
    unsafe = decide(
        request(Action.COMMIT),
        PlanStatus(),
        observe(
            item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), jobs=(skipped,), approvals=(approval(),)
        ),
        NOW,
    )
    assert unsafe.status.progression == Progression.SHUTDOWN_NOT_CONFIRMED
    assert unsafe.actions == ()
    per_item = job("ufo-2", "UnplannedFailover", "VM-A", state="Succeeded", tasks=shutdown_tasks())
    single = decide(
        request(Action.COMMIT, groups=SINGLE),
        PlanStatus(),
        observe(item("vm-a", "FailedBack"), jobs=(per_item,), approvals=(approval(),)),
        NOW,
    )
    [start] = _starts(single.actions)
    assert start.operation == Operation.COMMIT


def test_site_recovery_unreachable_takes_no_step() -> None:
    previous = decide(request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "Syncing")), NOW).status
    from failback_operator.workflow import Observation

    unreachable = Observation(vault=None, unreadable=("Site Recovery vault PwsTestVault: no answer in time",))
    decision = decide(request(groups=SINGLE), previous, unreachable, later(1))
    assert decision.actions == ()
    assert decision.status.items == previous.items
    ready = next(c for c in decision.status.conditions or () if c.type == "Ready")
    assert ready.status == "Unknown"
    assert "PwsTestVault: no answer in time" in ready.message


def test_modernized_fails_back_by_planned_failover_and_can_cancel() -> None:
    modern = dict(architecture=Architecture.MODERNIZED, groups=SINGLE)
    protected = observe(item("vm-a", "Protected", Architecture.MODERNIZED), approvals=(approval(),))
    decision = decide(request(Action.FAILBACK, **modern), PlanStatus(), protected, NOW)  # type: ignore[arg-type]
    [start] = _starts(decision.actions)
    assert start.operation == Operation.FAILOVER
    status = record_outcome(decision.status, start, CallOutcome(job_name="pfo-1"), NOW).status
    planned = job("pfo-1", "PlannedFailover", "VM-A", state="Succeeded", tasks=shutdown_tasks())
    failed_back = observe(
        item("vm-a", "FailedBack", Architecture.MODERNIZED), jobs=(planned,), approvals=(approval(),)
    )
    waiting = decide(request(Action.FAILBACK, **modern), status, failed_back, later(20))  # type: ignore[arg-type]
    # Before commit is asked: what a modernized commit does that cannot be taken back.
    assert "commit ends the planned failover: it can no longer be cancelled" in (waiting.status.message or "")
    assert "removes the failed-over Azure VMs" not in (waiting.status.message or "")
    cancel = decide(request(Action.CANCEL, **modern), status, failed_back, later(20))  # type: ignore[arg-type]
    [cancel_start] = _starts(cancel.actions)
    assert cancel_start.operation == Operation.CANCEL
    assert cancel.status.phase == Phase.CANCELLING


def test_classic_failback_cannot_be_cancelled() -> None:
    failover = job("ufo-1", "UnplannedFailover", "VM-A", state="Succeeded", tasks=shutdown_tasks())
    decision = decide(
        request(Action.CANCEL, groups=SINGLE),
        PlanStatus(),
        observe(item("vm-a", "FailedBack"), jobs=(failover,)),
        NOW,
    )
    assert decision.status.progression == Progression.CANCEL_NOT_SUPPORTED
    assert decision.actions == ()


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


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(STAGES), st.sampled_from(STAGES), st.sampled_from(ACTIONS), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_never_two_calls_for_an_item_with_an_open_intent(steps: list[tuple[str, str, Action, bool]]) -> None:
    """Whatever Site Recovery reports, an open intent is never followed by the same call again.

    The next step's call may follow once Site Recovery shows the last one's effect; the same call
    again would be a blind retry.
    """
    status = PlanStatus()
    for minute, (stage_a, stage_b, action, lose_answers) in enumerate(steps):
        before = {i.name: i.intent for i in status.items or ()}
        observation = observe(
            item("vm-a", stage_a), item("vm-b", stage_b), reserved=True, approvals=(approval(),)
        )
        decision = decide(request(action), status, observation, later(minute))
        for start in _starts(decision.actions):
            for name in start.items:
                previous = before.get(name)
                assert previous is None or previous.operation != start.operation, (name, previous, start)
        status = decision.status
        for start in _starts(decision.actions):
            outcome = (
                CallOutcome() if lose_answers else CallOutcome(job_name=f"job-{minute}-{start.items[0]}")
            )
            status = record_outcome(status, start, outcome, later(minute)).status


def test_a_group_item_back_to_protected_without_our_cancel_pauses_instead_of_failing_over_again() -> None:
    """Found by the property test: one item of a failed-back group back at protected must not re-trigger."""
    decision = decide(
        request(Action.FAILBACK),
        PlanStatus(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = _starts(decision.actions)
    status = record_outcome(decision.status, start, CallOutcome(job_name="ufo-1"), NOW).status
    split = decide(
        request(Action.FAILBACK),
        status,
        observe(item("vm-a", "FailedBack"), item("vm-b", "Protected"), approvals=(approval(),)),
        later(1),
    )
    back = decide(
        request(Action.FAILBACK),
        split.status,
        observe(item("vm-a", "Protected"), item("vm-b", "FailedBack"), approvals=(approval(),)),
        later(2),
    )
    assert _starts(back.actions) == []
    assert back.status.phase == Phase.PAUSED
    assert back.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN


def test_a_change_behind_the_plan_stays_paused_until_a_new_run() -> None:
    protected = decide(request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "Protected")), NOW)
    moved = decide(
        request(groups=SINGLE),
        protected.status,
        observe(item("vm-a", "FailedOverToAzure"), reserved=True),
        later(5),
    )
    still = decide(
        request(groups=SINGLE),
        moved.status,
        observe(item("vm-a", "FailedOverToAzure"), reserved=True),
        later(10),
    )
    assert still.status.phase == Phase.PAUSED
    assert still.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN
    assert _starts(still.actions) == []
    resumed = decide(
        request(groups=SINGLE, run="run-2"),
        still.status,
        observe(item("vm-a", "FailedOverToAzure"), reserved=True),
        later(11),
    )
    [start] = _starts(resumed.actions)
    assert start.operation == Operation.REPROTECT


def test_a_failover_started_outside_the_plan_pauses_it() -> None:
    """Protected and waiting for approval, an item is seen failed back: someone else failed it over."""
    waiting = decide(
        request(Action.FAILBACK),
        PlanStatus(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected")),
        NOW,
    )
    assert waiting.status.phase == Phase.WAITING_FOR_APPROVAL
    moved = decide(
        request(Action.FAILBACK),
        waiting.status,
        observe(item("vm-a", "FailedBack"), item("vm-b", "Protected")),
        later(1),
    )
    assert moved.status.phase == Phase.PAUSED
    assert moved.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN
    assert "vm-a went from ProtectedToOnPremises to FailedBack" in (moved.status.message or "")
    assert _starts(moved.actions) == []


def test_a_group_failed_back_outside_the_plan_is_never_committed_by_it() -> None:
    """The whole recovery plan run from the portal: the plan must not commit a failover it did not make."""
    waiting = decide(
        request(Action.FAILBACK),
        PlanStatus(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected")),
        NOW,
    )
    failover = job("ufo-portal", "UnplannedFailover", "rp-apps", "Succeeded", later(0.5), shutdown_tasks())
    moved = decide(
        request(Action.COMMIT),
        waiting.status,
        observe(
            item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), jobs=(failover,), approvals=(approval(),)
        ),
        later(1),
    )
    assert _starts(moved.actions) == []
    assert moved.status.phase == Phase.PAUSED
    assert moved.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN


def test_a_reprotect_started_outside_the_plan_pauses_it() -> None:
    preflight = decide(
        request(Action.PREFLIGHT, groups=SINGLE),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure")),
        NOW,
    )
    moved = decide(
        request(Action.PREFLIGHT, groups=SINGLE), preflight.status, observe(item("vm-a", "Syncing")), later(1)
    )
    assert moved.status.phase == Phase.PAUSED
    assert moved.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN


def test_our_own_failover_seen_only_once_done_is_still_ours() -> None:
    """The failover job ran between two looks: the items show failed back at once, and commit follows."""
    both = (ReplicationGroup(name="apps", items=("vm-a", "vm-b"), recovery_plan="rp-apps"),)
    decision = decide(
        request(Action.COMMIT, groups=both),
        PlanStatus(),
        observe(item("vm-a", "Protected"), item("vm-b", "Protected"), approvals=(approval(),)),
        NOW,
    )
    [start] = _starts(decision.actions)
    assert start.operation == Operation.FAILOVER
    status = record_outcome(decision.status, start, CallOutcome(job_name="ufo-1"), NOW).status
    failover = job("ufo-1", "UnplannedFailover", "rp-apps", "Succeeded", NOW, shutdown_tasks())
    done = decide(
        request(Action.COMMIT, groups=both),
        status,
        observe(
            item("vm-a", "FailedBack"), item("vm-b", "FailedBack"), jobs=(failover,), approvals=(approval(),)
        ),
        later(1),
    )
    assert done.status.phase != Phase.PAUSED, done.status.message
    [commit] = _starts(done.actions)
    assert commit.operation == Operation.COMMIT


def test_an_item_never_tried_goes_before_a_refused_one_due_again() -> None:
    """One call per look: a refused item whose retry is already due must not starve the group's others."""
    decision = decide(
        request(),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True),
        NOW,
    )
    [call] = _starts(decision.actions)
    assert call.items == ("vm-a",)
    refused = CallOutcome(refused=True, code="AgentNotInstalled", message="the agent is not installed")
    status = record_outcome(decision.status, call, refused, NOW).status
    retry_due = _item(status).agent_refusals
    assert retry_due is not None
    after_backoff = retry_due.next_attempt_at + timedelta(seconds=1)
    decision = decide(
        request(),
        status,
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True),
        after_backoff,
    )
    [call] = _starts(decision.actions)
    assert call.items == ("vm-b",)
    assert _item(decision.status, "vm-a").intent is None  # held back for the next look


def test_a_job_listed_done_before_the_item_shows_it_is_not_called_again() -> None:
    """The jobs list and the items list are read apart: a succeeded job the item does not show yet waits."""
    decision = decide(
        request(groups=SINGLE), PlanStatus(), observe(item("vm-a", "FailedOverToAzure"), reserved=True), NOW
    )
    [start] = _starts(decision.actions)
    status = record_outcome(decision.status, start, CallOutcome(job_name="rp-1"), NOW).status
    done = job("rp-1", "SwitchReplicationGroupProtection", "VM-A", "Succeeded", NOW)
    stale = decide(
        request(groups=SINGLE),
        status,
        observe(item("vm-a", "FailedOverToAzure"), jobs=(done,), reserved=True),
        later(1),
    )
    assert _starts(stale.actions) == []
    assert _item(stale.status).intent is not None
    caught_up = decide(
        request(groups=SINGLE), stale.status, observe(item("vm-a", "Syncing"), jobs=(done,)), later(2)
    )
    assert _item(caught_up.status).intent is None
    assert caught_up.status.phase == Phase.SYNCING
