"""Every plan shape the CRD accepts: many groups, groups of one without a recovery plan, the largest plan."""

from __future__ import annotations

from failback_operator.api import resources as api
from failback_operator.api.resources import Action
from failback_operator.api.status import FailbackPlanStatus as PlanStatus
from failback_operator.api.status import ItemStatus
from failback_operator.api.vocabulary import ItemStage, Operation, Phase, Progression
from failback_operator.facts import Architecture, JobError, PlanDeclaration, ReplicationGroup
from failback_operator.gathering.spec_facts import failback_plan_facts
from failback_operator.rules.lookups import item_ref
from failback_operator.rules.model import ObjectRef, Severity, failed, passed
from failback_operator.workflow import (
    CallOutcome,
    PlanRequest,
    StartOperation,
    decide,
    decide_look_failed,
    record_outcome,
)

from .world import NOW, approval, item, job, later, observe, request

TWO_GROUPS = (
    ReplicationGroup(name="web", items=("vm-a", "vm-b"), recovery_plan="rp-web"),
    ReplicationGroup(name="db", items=("vm-c",), recovery_plan="rp-db"),
)


def _starts(actions: tuple[object, ...]) -> list[StartOperation]:
    return [a for a in actions if isinstance(a, StartOperation)]


def _not_ready(name: str) -> object:
    """FB032 as the rules report an item that has failed back: no longer protected, no failover offered."""
    return failed(
        "FB032",
        Severity.BLOCK,
        item_ref(name),
        f"item {name} is not ready for failback: provider InMage, protection state "
        "UnplannedFailoverCommitted, allowed operations CompleteMigration, DisableProtection",
        "wait until reprotect completes and Site Recovery reports the item Protected",
    )


# --- (1) two groups: each is judged on its own items --------------------------------------------


def test_the_second_group_fails_back_after_the_first_committed() -> None:
    findings = (
        _not_ready("vm-a"),
        _not_ready("vm-b"),
        passed("FB032", Severity.BLOCK, item_ref("vm-c"), "ok"),
    )
    decision = decide(
        request(Action.COMMIT, groups=TWO_GROUPS),
        PlanStatus(),
        observe(
            item("vm-a", "Committed"),
            item("vm-b", "Committed"),
            item("vm-c", "Protected"),
            pre_failback=findings,
            approvals=(approval(),),
        ),
        NOW,
    )
    [start] = _starts(decision.actions)
    assert (start.operation, start.items, start.recovery_plan) == (Operation.FAILOVER, ("vm-c",), "rp-db")
    assert decision.status.phase == Phase.FAILING_BACK
    assert "FB032" not in (decision.status.message or "")


def test_a_finding_about_the_groups_own_item_still_blocks_it() -> None:
    decision = decide(
        request(Action.COMMIT, groups=TWO_GROUPS),
        PlanStatus(),
        observe(
            item("vm-a", "Committed"),
            item("vm-b", "Committed"),
            item("vm-c", "Protected"),
            pre_failback=(_not_ready("vm-c"),),
            approvals=(approval(),),
        ),
        NOW,
    )
    assert _starts(decision.actions) == []
    assert decision.status.progression == Progression.FAILBACK_BLOCKED
    assert "group db: failback blocked: FB032 ProtectedItem/vm-c" in (decision.status.message or "")


def test_a_finding_about_another_group_does_not_hold_reprotect_back() -> None:
    other_group = failed(
        "FB007",
        Severity.BLOCK,
        ObjectRef(kind="ReplicationGroup", name="windows-apps/web"),
        "replication group web mixes OS types",
        "split the group",
    )
    decision = decide(
        request(Action.REPROTECT, groups=TWO_GROUPS),
        PlanStatus(),
        observe(
            item("vm-a", "Protected"),
            item("vm-b", "Protected"),
            item("vm-c", "FailedOverToAzure"),
            pre_reprotect=(other_group,),
            reserved=True,
        ),
        NOW,
    )
    [start] = _starts(decision.actions)
    assert (start.operation, start.items) == (Operation.REPROTECT, ("vm-c",))


# --- (2) groups of one machine without a recovery plan ------------------------------------------


def _api_plan(groups: list[dict[str, object]]) -> api.FailbackPlanSpec:
    return api.FailbackPlanSpec.model_validate(
        {
            "run": "run-1",
            "vaultRef": {"name": "v"},
            "masterTargetRef": {"name": "mt"},
            "datastore": "ds",
            "approval": {"policy": "Required"},
            "window": {"start": "2026-11-28T22:00:00Z", "end": "2026-11-29T02:00:00Z"},
            "groups": groups,
        }
    )


def _request_for(spec: api.FailbackPlanSpec, action: Action) -> PlanRequest:
    facts = failback_plan_facts("windows-apps", "team-apps", spec, architecture=Architecture.CLASSIC)
    base = request(action)
    return PlanRequest(
        plan=facts,
        action=action,
        commit=base.commit,
        after_commit=base.after_commit,
        architecture=Architecture.CLASSIC,
        generation=base.generation,
        run="run-1",
    )


ALONE = [{"name": "db", "items": [{"name": "vm-a"}]}, {"name": "app", "items": [{"name": "vm-b"}]}]


def test_a_plan_of_single_machine_groups_reprotects_each_machine() -> None:
    decision = decide(
        _request_for(_api_plan(ALONE), Action.REPROTECT),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True),
        NOW,
    )
    assert [(i.name, i.group) for i in decision.status.items or ()] == [("vm-a", "db"), ("vm-b", "app")]
    [start] = _starts(decision.actions)
    assert (start.operation, start.items) == (Operation.REPROTECT, ("vm-a",))
    assert decision.status.items_ready == "0/2"


def test_a_mixed_plan_counts_and_reprotects_its_single_machine_group() -> None:
    spec = _api_plan(
        [{"name": "web", "recoveryPlan": "rp-web", "items": [{"name": "vm-a"}]}, *ALONE[1:]],
    )
    done = decide(
        _request_for(spec, Action.REPROTECT),
        PlanStatus(),
        observe(item("vm-a", "Protected"), item("vm-b", "FailedOverToAzure"), reserved=True),
        NOW,
    )
    assert done.status.phase != Phase.COMPLETED
    assert done.status.items_ready == "1/2"
    [start] = _starts(done.actions)
    assert start.items == ("vm-b",)


def test_a_single_machine_group_without_recovery_plan_fails_back_through_the_item() -> None:
    decision = decide(
        _request_for(_api_plan(ALONE), Action.COMMIT),
        PlanStatus(),
        observe(item("vm-a", "Protected"), item("vm-b", "Committed"), approvals=(approval(),)),
        NOW,
    )
    [start] = _starts(decision.actions)
    assert (start.operation, start.items, start.recovery_plan) == (Operation.FAILOVER, ("vm-a",), None)


def test_items_outside_any_group_are_groups_of_one() -> None:
    plan = PlanDeclaration(name="p", items=("vm-x",), groups=TWO_GROUPS)
    base = request()
    shaped = PlanRequest(
        plan=plan,
        action=base.action,
        commit=base.commit,
        after_commit=base.after_commit,
        architecture=base.architecture,
        generation=1,
        run="run-1",
    )
    assert shaped.groups()[0] == ("vm-x", None, ("vm-x",))
    assert [g[0] for g in shaped.groups()] == ["vm-x", "web", "db"]


def test_a_plan_naming_no_item_says_so_instead_of_failing() -> None:
    decision = decide(request(groups=()), PlanStatus(), observe(), NOW)
    assert decision.status.progression == Progression.ITEMS_NOT_FOUND
    assert "names no item" in (decision.status.message or "")


# --- (3) the largest plan the CRD allows: status fits ------------------------------------------


LARGEST = tuple(
    ReplicationGroup(
        name=f"group-{g}",
        items=tuple(f"V2A-W2K19-APPLICATION-SERVER-{g:02d}-{i:02d}-new" for i in range(60)),
        recovery_plan=f"rp-{g}",
    )
    for g in range(10)
)


def test_the_message_of_the_largest_plan_fits_the_crd_and_counts_what_it_leaves_out() -> None:
    # No item is listed by the vault: every group names all 60 of its items in its message.
    decision = decide(request(groups=LARGEST), PlanStatus(), observe(), NOW)
    message = decision.status.message or ""
    assert len(message) <= 8192
    assert "more not shown" in message
    assert len(decision.status.items or ()) == 600
    ready = next(c for c in decision.status.conditions or () if c.type == "Ready")
    assert ready.message == message
    assert all(len(e.message) <= 8192 for e in decision.events)


def test_a_huge_job_error_is_cut_to_the_crd_limit() -> None:
    groups = (ReplicationGroup(name="db", items=("vm-a",)),)
    start = decide(
        request(groups=groups), PlanStatus(), observe(item("vm-a", "FailedOverToAzure"), reserved=True), NOW
    )
    [call] = _starts(start.actions)
    recorded = record_outcome(start.status, call, CallOutcome(job_name="job-1"), NOW).status
    failing = job(
        "job-1",
        "SwitchReplicationGroupProtection",
        "VM-A",
        state="Failed",
        errors=(JobError(code="99999", message="x" * 20_000),),
    )
    decision = decide(
        request(groups=groups),
        recorded,
        observe(item("vm-a", "FailedOverToAzure"), jobs=(failing,)),
        later(1),
    )
    [entry] = decision.status.items or ()
    assert entry.last_error is not None
    assert len(entry.last_error.message) <= 4096
    assert "more characters" in entry.last_error.message
    assert len(decision.status.message or "") <= 8192


# --- (4) a plan naming another plan's items -----------------------------------------------------


def test_a_claimant_stays_pending_while_the_owner_moves_the_items() -> None:
    groups = (ReplicationGroup(name="db", items=("vm-a",)),)
    claimed = {"vm-a": "team-b/owner"}
    first = decide(
        request(groups=groups),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), reserved=True, claimed_by=claimed),
        NOW,
    )
    assert first.status.progression == Progression.ITEMS_CLAIMED_ELSEWHERE
    status = first.status
    for minutes, state in ((1, "Reprotecting"), (2, "Syncing"), (3, "Protected"), (4, "FailedBack")):
        status = decide(
            request(groups=groups), status, observe(item("vm-a", state), claimed_by=claimed), later(minutes)
        ).status
        assert (status.phase, status.progression) == (Phase.PENDING, Progression.ITEMS_CLAIMED_ELSEWHERE), (
            state,
            status.message,
        )
        [entry] = status.items or ()
        assert entry.last_error is None
    # The owner completed and let the item go: the claimant goes on from where the item is.
    released = decide(request(groups=groups), status, observe(item("vm-a", "Committed")), later(5))
    assert released.status.phase == Phase.COMPLETED
    [entry] = released.status.items or ()
    assert entry.stage == ItemStage.COMMITTED


def test_a_plan_keeps_watching_its_own_items_for_changes_behind_its_back() -> None:
    groups = (ReplicationGroup(name="db", items=("vm-a",)),)
    status = PlanStatus(items=(ItemStatus(name="vm-a", group="db", stage=ItemStage.FAILED_OVER_TO_AZURE),))
    moved = decide(request(groups=groups), status, observe(item("vm-a", "Protected")), NOW)
    assert moved.status.progression == Progression.ITEM_CHANGED_OUTSIDE_PLAN


# --- (7) a look that fails is said in status, once per change ----------------------------------


def test_a_failed_look_says_why_in_ready_once_per_change() -> None:
    status = decide(
        request(),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure")),
        NOW,
    ).status
    first = decide_look_failed(
        status, 3, "Kubernetes API answered 422 Unprocessable Entity: too long", later(1)
    )
    ready = next(c for c in first.status.conditions or () if c.type == "Ready")
    assert (ready.status, ready.reason) == ("False", "LookFailed")
    assert "422" in ready.message
    assert first.status.phase == status.phase  # what was last known stays
    [event] = first.events
    assert (event.type, event.reason) == ("Warning", "LookFailed")
    again = decide_look_failed(
        first.status, 3, "Kubernetes API answered 422 Unprocessable Entity: too long", later(2)
    )
    assert again.events == ()
    other = decide_look_failed(first.status, 3, "SiteRecoveryError: vault unreachable", later(3))
    assert len(other.events) == 1


def test_an_item_named_in_two_groups_is_refused_and_listed_once() -> None:
    groups = (
        ReplicationGroup(name="web", items=("vm-a", "vm-b"), recovery_plan="rp-web"),
        ReplicationGroup(name="db", items=("vm-a",)),
    )
    decision = decide(
        request(groups=groups),
        PlanStatus(),
        observe(item("vm-a", "FailedOverToAzure"), item("vm-b", "FailedOverToAzure"), reserved=True),
        NOW,
    )
    assert [i.name for i in decision.status.items or ()] == ["vm-a", "vm-b"]
    assert decision.status.progression == Progression.PREREQUISITES_BLOCKED
    assert "item vm-a is named in groups web and db" in (decision.status.message or "")
    assert _starts(decision.actions) == []


def test_a_status_too_large_sheds_details_site_recovery_can_tell_again_and_says_so() -> None:
    from failback_operator.workflow.machine import _fit

    status = decide(
        request(
            groups=(ReplicationGroup(name="g", items=tuple(f"vm-{i}" for i in range(8)), recovery_plan="rp"),)
        ),
        PlanStatus(),
        observe(*(item(f"vm-{i}", "FailedOverToAzure") for i in range(8))),
        NOW,
    ).status
    assert all(i.disks for i in status.items or ())
    budget = status.stored_size() - 100
    fitted = _fit(status, budget)
    assert fitted.stored_size() <= budget
    assert all(i.disks is None and i.disk_count == 2 for i in fitted.items or ())
    assert (
        "status shortened to fit the API server: disk lists (their counts are kept) of 8 items left out"
        in (fitted.message or "")
    )
    assert _fit(status, status.stored_size()) is status
