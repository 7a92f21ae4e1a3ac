"""Every rule of the catalogue takes effect in each phase it belongs to, through the plan service.

Derived from the catalogue: for every check and every phase it is registered for, the check is made
to fail in that phase only, the plan service looks at a plan whose items stand where that phase
applies, and the rule's ID must show in what the plan writes (and a blocking rule must stop the
call the phase guards). A phase the operator never evaluates fails here.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

import pytest

import failback_operator.services.plans as plans
from failback_operator.api.vocabulary import Operation
from failback_operator.facts import (
    Architecture,
    FailbackFacts,
    RetentionWait,
)
from failback_operator.rules import catalogue
from failback_operator.rules.catalogue import CATALOGUE, RuleEntry
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.model import CheckPhase, Finding, ObjectRef, RuleKind, Severity, failed
from failback_operator.services.plans import PlanFacts, PlanService
from failback_operator.workflow import CallOutcome, StartOperation

from ..rules.worlds import WORLDS
from ..workflow.world import job, shutdown_tasks
from .plan_stage_world import (
    ITEMS,
    NAMESPACE,
    NOW,
    PLAN,
    RECOVERY_PLAN,
    STAGES,
    HeldLedger,
    MemoryStore,
    Stage,
    StageFacts,
    plan_objects,
)


@dataclasses.dataclass
class Looked:
    status: dict[str, Any]
    calls: list[Operation]
    events: list[tuple[str, str, str]]

    def condition(self, kind: str) -> dict[str, Any] | None:
        return next((c for c in self.status.get("conditions", ()) if c["type"] == kind), None)


async def look_once(monkeypatch: pytest.MonkeyPatch, stage: Stage) -> Looked:
    """One look by the real plan service at a plan standing at `stage`; calls are recorded, not made."""
    calls: list[Operation] = []

    async def execute(site_recovery: Any, action: StartOperation, context: Any) -> CallOutcome:
        calls.append(action.operation)
        return CallOutcome(job_name=f"job-{len(calls)}")

    monkeypatch.setattr(plans, "execute", execute)
    plan, master_target = plan_objects(stage.action)
    store = MemoryStore(plan, master_target)
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=StageFacts(stage),
        ledger=HeldLedger(),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    await service.look(NAMESPACE, PLAN)
    return Looked(status=store.plan.get("status") or {}, calls=calls, events=store.events)


def _guarded_calls(stage: Stage) -> list[Operation | None]:
    """The calls one look makes at a stage: a reprotect per machine, one after another; one failover."""
    return [stage.guarded] * (len(ITEMS) if stage.guarded is Operation.REPROTECT else 1)


def _worst(entry: RuleEntry) -> Severity:
    for severity in (Severity.BLOCK, Severity.WARN, Severity.INFO):
        if severity in entry.severities:
            return severity
    raise AssertionError(f"{entry.id} is a check without a severity")


def _only_failing(target: RuleEntry, phase: CheckPhase, severity: Severity) -> tuple[RuleEntry, ...]:
    """The catalogue with every check passing, except `target`, which fails in `phase` only."""

    def passes(facts: FailbackFacts, ctx: CheckContext) -> tuple[Finding, ...]:
        return ()

    def fails(facts: FailbackFacts, ctx: CheckContext) -> tuple[Finding, ...]:
        if ctx.phase is not phase:
            return ()
        obj = ObjectRef(kind="MasterTarget", name="v2a-ps-200")
        return (failed(target.id, severity, obj, f"{target.id} fails in {phase}", f"fix {target.id}"),)

    return tuple(
        dataclasses.replace(e, check=(fails if e is target else passes)) if e.check is not None else e
        for e in CATALOGUE
    )


CHECK_PHASES = [
    pytest.param(entry, phase, id=f"{entry.id}-{phase}")
    for entry in CATALOGUE
    if entry.kind is RuleKind.CHECK and Architecture.CLASSIC in entry.architectures
    for phase in entry.when
    if phase is not CheckPhase.FAILBACK
]


def test_every_check_phase_has_a_stage_where_the_operator_applies_it() -> None:
    phases = {phase for entry in CATALOGUE if entry.check is not None for phase in entry.when}
    # FAILBACK (FB042) is judged by the workflow on the failover job: see the test below.
    assert phases - {CheckPhase.FAILBACK} == set(STAGES)
    assert set(STAGES) == set(plans.EVALUATED_PHASES)


@pytest.mark.parametrize(("entry", "phase"), CHECK_PHASES)
async def test_a_rule_failing_in_its_phase_shows_in_the_plan_and_a_block_stops_the_step(
    monkeypatch: pytest.MonkeyPatch, entry: RuleEntry, phase: CheckPhase
) -> None:
    severity = _worst(entry)
    monkeypatch.setattr(catalogue, "CATALOGUE", _only_failing(entry, phase, severity))
    for stage in STAGES[phase]:
        looked = await look_once(monkeypatch, stage)
        kind = "PostFailbackAdvice" if phase is CheckPhase.POST_FAILBACK else "PrerequisitesMet"
        condition = looked.condition(kind)
        assert condition is not None, (stage, looked.status)
        assert entry.id in condition["message"], (stage, condition)
        if severity is Severity.BLOCK and phase is not CheckPhase.POST_FAILBACK:
            assert condition["status"] == "False"
            if stage.guarded is not Operation.REPROTECT:  # a failover is blocked with the remedy
                assert f"remedy: fix {entry.id}" in looked.status["message"], looked.status["message"]
            assert stage.guarded not in looked.calls, (stage, looked.status["message"])
            assert any(entry.id in message for _, _, message in looked.events), looked.events
        if phase is CheckPhase.POST_FAILBACK:
            assert condition["status"] == "True"
            assert ("Normal", "PostFailbackAdvice", condition["message"]) in looked.events


@pytest.mark.parametrize("phase", list(STAGES))
async def test_with_every_rule_passing_the_guarded_step_is_taken(
    monkeypatch: pytest.MonkeyPatch, phase: CheckPhase
) -> None:
    """The counterpart: the stages above do take their step when nothing fails."""
    monkeypatch.setattr(
        catalogue,
        "CATALOGUE",
        tuple(dataclasses.replace(e, check=lambda f, c: ()) if e.check else e for e in CATALOGUE),
    )
    for stage in STAGES[phase]:
        looked = await look_once(monkeypatch, stage)
        if stage.guarded is not None:
            assert looked.calls == _guarded_calls(stage), looked.status["message"]
        condition = looked.condition("PrerequisitesMet")
        assert condition is not None
        assert condition["status"] == "True"


# --- rules judged by the workflow with a pure helper -------------------------------------------


@contextmanager
def calls_to(functions: Sequence[Callable[..., Any]]) -> Iterator[set[CodeType]]:
    """The code objects of `functions` that ran inside the block."""
    wanted = {f.__code__ for f in functions}
    seen: set[CodeType] = set()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in wanted:
            seen.add(frame.f_code)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


def _helper(entry: RuleEntry) -> Callable[..., Any]:
    assert entry.helper is not None, f"{entry.id} names no helper"
    module, _, name = entry.helper.partition(":")
    found: Callable[..., Any] = getattr(__import__(module, fromlist=[name]), name)
    return found


async def test_fb042_is_judged_on_the_failover_job_before_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = catalogue.RULES["FB042"]
    assert entry.when == (CheckPhase.FAILBACK,)
    skipped = (
        job("job-fo", "UnplannedFailover", RECOVERY_PLAN, state="Succeeded", tasks=shutdown_tasks("Other")),
    )
    with calls_to([_helper(entry)]) as seen:
        looked = await look_once(monkeypatch, Stage("FailedBack", "Commit", Operation.COMMIT, skipped))
    assert seen, "the failback phase's helper never ran"
    assert "FB042" in looked.status["message"]
    assert Operation.COMMIT not in looked.calls


BEHAVIOUR_STAGES: Mapping[str, Stage] = {
    # The reprotect call resolves one set of values for the whole group (FB029, FB030).
    "FB029": Stage("FailedOverToAzure", "Reprotect", Operation.REPROTECT),
    "FB030": Stage("FailedOverToAzure", "Reprotect", Operation.REPROTECT),
}


@pytest.mark.parametrize("rule", sorted(BEHAVIOUR_STAGES))
async def test_a_behaviour_runs_its_helper_in_the_plan_service(
    monkeypatch: pytest.MonkeyPatch, rule: str
) -> None:
    entry = catalogue.RULES[rule]
    assert entry.kind is RuleKind.BEHAVIOUR
    monkeypatch.setattr(
        catalogue,
        "CATALOGUE",
        tuple(dataclasses.replace(e, check=lambda f, c: ()) if e.check else e for e in CATALOGUE),
    )
    with calls_to([_helper(entry)]) as seen:
        looked = await look_once(monkeypatch, BEHAVIOUR_STAGES[rule])
    assert looked.calls == _guarded_calls(BEHAVIOUR_STAGES[rule])
    assert seen, f"{rule}'s helper {entry.helper} never ran"


async def test_fb028_runs_its_helper_when_reprotect_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reprotect phase's behaviour: an "agent not installed" refusal is judged by FB028's helper."""
    entry = catalogue.RULES["FB028"]
    monkeypatch.setattr(
        catalogue,
        "CATALOGUE",
        tuple(dataclasses.replace(e, check=lambda f, c: ()) if e.check else e for e in CATALOGUE),
    )
    plan, master_target = plan_objects("Reprotect")
    store = MemoryStore(plan, master_target)

    async def refuse(site_recovery: Any, action: StartOperation, context: Any) -> CallOutcome:
        return CallOutcome(refused=True, message="the Mobility service agent is not installed on the VM")

    monkeypatch.setattr(plans, "execute", refuse)
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=StageFacts(Stage("FailedOverToAzure", "Reprotect", Operation.REPROTECT)),
        ledger=HeldLedger(),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    with calls_to([_helper(entry)]) as seen:
        await service.look(NAMESPACE, PLAN)
    assert seen, f"FB028's helper {entry.helper} never ran"
    assert any(reason == "AgentNotInstalled" for _, reason, _ in store.events), store.events


class RetentionWaitFacts(StageFacts):
    """A master target not offering the plan's retention drive yet, with the wait its reconciler keeps."""

    async def read(self, *args: Any, **kwargs: Any) -> PlanFacts:
        read = await super().read(*args, **kwargs)
        world = WORLDS["before-reprotect"]()
        wait = RetentionWait(master_target=world.master_target.name, drive="G", missing_since=NOW)
        facts = dataclasses.replace(
            world,
            master_target=dataclasses.replace(world.master_target, retention_drive="G:"),
            plans=read.facts.plans,
            retention_waits=(wait,),
        )
        return dataclasses.replace(read, facts=facts)


async def test_fb022_waits_for_a_new_retention_volume_in_the_plan_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real FB021 check, with the wait the master target's reconciler keeps, runs FB022's helper."""
    entry = catalogue.RULES["FB022"]
    plan, master_target = plan_objects("Reprotect")
    store = MemoryStore(plan, master_target)
    service = PlanService(
        store=store,  # type: ignore[arg-type]
        facts_source=RetentionWaitFacts(Stage("FailedOverToAzure", "Reprotect", Operation.REPROTECT)),
        ledger=HeldLedger(),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    observed: list[Any] = []
    real_decide = plans.decide

    def spy(request: Any, status: Any, observation: Any, *args: Any) -> Any:
        observed.append(observation)
        return real_decide(request, status, observation, *args)

    monkeypatch.setattr(plans, "decide", spy)
    with calls_to([_helper(entry)]) as seen:
        await service.look(NAMESPACE, PLAN)
    assert seen, f"FB022's helper {entry.helper} never ran"
    [observation] = observed
    waiting = [f for f in observation.pre_reprotect if f.rule == "FB021" and f.waiting_until is not None]
    assert waiting, [f.message for f in observation.pre_reprotect if f.rule == "FB021"]
    assert "FB022" in waiting[0].message


def test_every_behaviour_of_the_catalogue_is_driven_through_the_plan_service() -> None:
    """A behaviour added to the catalogue needs a test here that runs its helper in the plan service."""
    driven = {*BEHAVIOUR_STAGES, "FB022", "FB028"}
    assert {e.id for e in CATALOGUE if e.kind is RuleKind.BEHAVIOUR} == driven
