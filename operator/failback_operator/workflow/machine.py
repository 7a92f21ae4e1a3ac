"""The FailbackPlan state machine: (request, status, observation, now) -> next status and actions.

Pure: no Kopf, no SDK, no network. Site Recovery is the source of truth; status caches it with
the operator's intent. Every mutating call is first written as an intent, and an intent whose
outcome cannot be told pauses the plan: nothing is ever posted twice on a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from failback_operator.api.conditions import Condition, ConditionStatus, format_time, set_condition
from failback_operator.api.resources import Action as PlanAction
from failback_operator.api.resources import AfterCommit, CommitMode, OsType
from failback_operator.api.status import (
    AgentRefusals,
    FailbackPlanStatus,
    ItemError,
    ItemIntent,
    ItemStatus,
    ProtectedDisk,
    SiteRecoveryJob,
)
from failback_operator.api.vocabulary import (
    ConditionType,
    EventType,
    ItemStage,
    JobState,
    Operation,
    Phase,
    Progression,
    Reason,
)
from failback_operator.facts import Architecture, Job, JobError, ProtectedItem
from failback_operator.rules.agent_window import AgentRetryAction, agent_not_installed_decision
from failback_operator.rules.failback import shutdown_problems
from failback_operator.rules.job_errors import AGENT_NOT_INSTALLED, explain_job_error
from failback_operator.rules.model import Finding
from failback_operator.rules.window import WindowState, failback_gate
from failback_operator.workflow.actions import (
    Action,
    CallOutcome,
    Decision,
    Event,
    ReleaseDiskSlots,
    ReserveDiskSlots,
    StartOperation,
)
from failback_operator.workflow.inputs import Observation, PlanRequest, WorkflowSettings
from failback_operator.workflow.stages import allowed_transition, item_stage

__all__ = ["decide", "record_outcome"]

# How far along the round trip a stage is; None for items a plan cannot bring home.
_RANK: dict[ItemStage, int] = {
    ItemStage.FAILOVER_TO_AZURE_PENDING_COMMIT: 0,
    ItemStage.FAILED_OVER_TO_AZURE: 1,
    ItemStage.REPROTECTING: 2,
    ItemStage.SYNCING: 3,
    ItemStage.PROTECTED_TO_ON_PREMISES: 4,
    ItemStage.FAILING_BACK: 5,
    ItemStage.FAILED_BACK: 6,
    ItemStage.COMMITTING: 7,
    ItemStage.COMMITTED: 8,
    ItemStage.REPROTECTING_TO_AZURE: 9,
}
_HOME_AND_PROTECTED = 10
_PROTECTED = _RANK[ItemStage.PROTECTED_TO_ON_PREMISES]
_FAILED_BACK = _RANK[ItemStage.FAILED_BACK]
_COMMITTED = _RANK[ItemStage.COMMITTED]

_JOB_SCENARIOS: dict[Operation, frozenset[str]] = {
    Operation.REPROTECT: frozenset({"SwitchReplicationGroupProtection", "Reprotect"}),
    Operation.REPROTECT_TO_AZURE: frozenset({"SwitchReplicationGroupProtection", "Reprotect"}),
    Operation.FAILOVER: frozenset({"UnplannedFailover", "PlannedFailover"}),
    Operation.COMMIT: frozenset({"CommitFailover"}),
    Operation.CANCEL: frozenset({"CancelFailover", "FailoverCancel"}),
}
# The rank an operation's effect shows once Site Recovery has carried it out.
_EFFECT_RANK: dict[Operation, int] = {
    Operation.REPROTECT: _RANK[ItemStage.SYNCING],
    Operation.FAILOVER: _FAILED_BACK,
    Operation.COMMIT: _COMMITTED,
    Operation.REPROTECT_TO_AZURE: _HOME_AND_PROTECTED,
}
# How operations read in messages.
_LABEL: dict[Operation, str] = {
    Operation.REPROTECT: "reprotect",
    Operation.FAILOVER: "failover",
    Operation.COMMIT: "commit",
    Operation.CANCEL: "cancel",
    Operation.REPROTECT_TO_AZURE: "reprotect to Azure",
}
# The error code an item carries once it changed behind the plan's back.
CHANGED_OUTSIDE_PLAN = "ItemChangedOutsidePlan"


@dataclass(frozen=True, kw_only=True, slots=True)
class _Issue:
    """Something that stops the plan: Paused (cannot tell) or Failed (known error)."""

    phase: Phase
    progression: Progression
    message: str


@dataclass(kw_only=True, slots=True)
class _Step:
    """What one replication group does next."""

    rank: int
    phase: Phase
    progression: Progression
    message: str
    actions: list[Action] = field(default_factory=list)
    active: bool = False  # jobs in flight or sync under way: look again soon
    wake_at: datetime | None = None


def _status_item(status: FailbackPlanStatus, name: str) -> ItemStatus | None:
    return next((i for i in status.items or () if i.name == name), None)


def _rank(item: ItemStatus) -> int | None:
    """The item's progress; an item replicating to Azure again after commit is home."""
    if item.stage is None:
        return None
    if item.stage == ItemStage.PROTECTED_TO_AZURE:
        return _HOME_AND_PROTECTED if item.completed_round_trip else None
    return _RANK.get(item.stage)


def _target_rank(request: PlanRequest) -> int:
    """The rank every item must reach for the plan's action to be done."""
    after = _HOME_AND_PROTECTED if request.after_commit == AfterCommit.REPROTECT_TO_AZURE else _COMMITTED
    match request.action:
        case PlanAction.PREFLIGHT:
            return -1
        case PlanAction.REPROTECT | PlanAction.CANCEL:
            return _PROTECTED
        case PlanAction.FAILBACK:
            return after if request.commit == CommitMode.AUTO else _FAILED_BACK
        case PlanAction.COMMIT:
            return after


# --- items -----------------------------------------------------------------------------------


def _job_ref(job: Job) -> SiteRecoveryJob:
    return SiteRecoveryJob(
        name=job.id,
        operation=job.scenario,
        state=JobState(job.state) if job.state in set(JobState) else None,
        start_time=job.start,
        end_time=job.end,
    )


def _job_targets(job: Job, item: ItemStatus, fact: ProtectedItem | None, recovery_plan: str | None) -> bool:
    names = {item.name, item.protected_item_id, recovery_plan}
    if fact is not None:
        names |= {fact.name, fact.friendly_name, fact.id}
    names.discard(None)
    folded = {n.casefold() for n in names if n}
    candidates = {job.target_object_id, job.target_object_name}
    return any(c is not None and c.casefold() in folded for c in candidates)


def _find_job(
    jobs: Sequence[Job],
    intent: ItemIntent,
    item: ItemStatus,
    fact: ProtectedItem | None,
    skew: timedelta,
) -> Job | None:
    """The job a call with this intent started, if Site Recovery lists one (newest first)."""
    since = intent.time - skew
    matches = [
        job
        for job in jobs
        if job.scenario in _JOB_SCENARIOS[intent.operation]
        and (job.start is None or job.start >= since)
        and _job_targets(job, item, fact, intent.recovery_plan)
    ]
    matches.sort(key=lambda j: j.start.timestamp() if j.start else 0.0, reverse=True)
    return matches[0] if matches else None


def _last_failover_job(
    jobs: Sequence[Job], item: ItemStatus, fact: ProtectedItem | None, recovery_plan: str | None
) -> Job | None:
    found = [
        j
        for j in jobs
        if j.scenario in _JOB_SCENARIOS[Operation.FAILOVER]
        and j.state == "Succeeded"
        and _job_targets(j, item, fact, recovery_plan)
    ]
    found.sort(key=lambda j: j.start.timestamp() if j.start else 0.0, reverse=True)
    return found[0] if found else None


def _job_error(job: Job) -> JobError | None:
    errors = list(job.errors) or [e for task in job.tasks for e in task.errors]
    return errors[0] if errors else None


def _error_from(error: JobError | None, fallback: str, now: datetime) -> ItemError:
    known = explain_job_error(error) if error is not None else None
    return ItemError(
        rule_id=known.rule if known else None,
        code=error.code if error else None,
        message=f"{known.meaning}: {error.message}"
        if known and error
        else (error.message if error else fallback),
        remedy=known.remedy if known else None,
        time=now,
    )


def _kept_facts(previous: ItemStatus, fact: ProtectedItem) -> ItemStatus:
    """Keep OS, disks and ids read before reprotect: Site Recovery clears them afterwards."""
    disks = previous.disks
    if not disks and fact.disks:
        disks = tuple(
            ProtectedDisk(id=d.id, name=d.name, capacity_bytes=d.capacity_bytes)
            for d in fact.disks
            if not d.is_azure_temporary
        )
    disk_count = previous.disk_count
    if disk_count is None:
        disk_count = len(disks) if disks else fact.disk_count
    return previous.model_copy(
        update={
            "protected_item_id": fact.id or previous.protected_item_id,
            "os_type": previous.os_type or (OsType(fact.os_type.value) if fact.os_type else None),
            "os_version": previous.os_version or fact.os_version,
            "disks": disks,
            "disk_count": disk_count,
            "instance_type": fact.instance_type,
            "protection_state": fact.protection_state,
            "replication_health": fact.replication_health,
            "allowed_operations": fact.allowed_operations,
        }
    )


def _refresh_item(
    previous: ItemStatus,
    fact: ProtectedItem | None,
    jobs: Sequence[Job],
    architecture: Architecture,
    now: datetime,
    settings: WorkflowSettings,
    recovery_plan: str | None = None,
) -> tuple[ItemStatus, list[_Issue]]:
    """Bring one item's status up to date with Site Recovery; report what stops the plan."""
    issues: list[_Issue] = []
    stage = item_stage(fact, architecture)
    item = _kept_facts(previous, fact) if fact is not None else previous
    completed = previous.completed_round_trip or (
        previous.stage in {ItemStage.COMMITTED, ItemStage.REPROTECTING_TO_AZURE}
        and stage == ItemStage.PROTECTED_TO_AZURE
    )
    cancelling = previous.intent is not None and previous.intent.operation == Operation.CANCEL
    changed_outside = (
        previous.stage is not None
        and not (
            allowed_transition(previous.stage, stage, cancelling=cancelling)
            and _moved_by_plan(previous, previous.stage, stage)
        )
        and not completed
    )
    intent = item.intent
    current_job = item.current_job
    last_error = item.last_error
    if changed_outside and previous.stage is not None:
        # Kept as the item's error until a new spec.run: the next look must not take the new
        # state for granted just because it was seen once.
        last_error = ItemError(
            code=CHANGED_OUTSIDE_PLAN,
            message=(
                f"item {item.name} went from {previous.stage} to {stage} outside this plan "
                f"(protection state {fact.protection_state if fact else 'gone from the vault'})"
            ),
            time=now,
        )
    shutdown_confirmed = item.shutdown_confirmed
    jobs_by_id = {j.id: j for j in jobs}
    if intent is not None and intent.job_name is None:
        adopted = _find_job(jobs, intent, item, fact, settings.clock_skew)
        if adopted is not None:
            intent = intent.model_copy(update={"job_name": adopted.id})
    if intent is not None and intent.job_name is not None:
        job = jobs_by_id.get(intent.job_name)
        if job is not None:
            current_job = _job_ref(job)
            if job.state == "Succeeded":
                if intent.operation == Operation.FAILOVER:
                    shutdown_confirmed = not shutdown_problems(job)
                # Jobs and items are read apart: until the item shows the job's effect, the intent
                # stays, or the next step would call again on an item list that lags behind.
                if _effect_rank_reached(intent.operation, stage):
                    intent = None
            elif job.state in {"Failed", "Cancelled", "Suspended"}:
                last_error = _error_from(
                    _job_error(job),
                    f"{job.name or job.scenario} job {job.id} ended {job.state} without an error code",
                    now,
                )
                intent = None
        elif _effect_rank_reached(intent.operation, stage):
            intent = None  # done; the job has aged out of the recent-jobs list
    elif intent is not None:
        if _effect_rank_reached(intent.operation, stage):
            intent = None
        elif now - intent.time > settings.intent_grace:
            issues.append(
                _Issue(
                    phase=Phase.PAUSED,
                    progression=Progression.INTENT_UNRESOLVED,
                    message=(
                        f"cannot tell whether {_LABEL[intent.operation]} of {item.name} (attempt "
                        f"{intent.attempt}, {format_time(intent.time)}) reached Site Recovery: no job for it "
                        f"is listed and the item is still {stage}; check the vault's jobs, then set a new "
                        "spec.run to try again"
                    ),
                )
            )
    if stage == ItemStage.FAILED_BACK and shutdown_confirmed is None:
        job = _last_failover_job(jobs, item, fact, recovery_plan)
        if job is not None:
            shutdown_confirmed = not shutdown_problems(job)
    item = item.model_copy(
        update={
            "stage": stage,
            "intent": intent,
            "current_job": current_job,
            "last_error": last_error,
            "shutdown_confirmed": shutdown_confirmed,
            "completed_round_trip": completed,
        }
    )
    if last_error is not None:
        if last_error.code == CHANGED_OUTSIDE_PLAN:
            issues.append(
                _Issue(
                    phase=Phase.PAUSED,
                    progression=Progression.ITEM_CHANGED_OUTSIDE_PLAN,
                    message=f"{last_error.message}; check the vault, then set a new spec.run to continue",
                )
            )
        elif last_error.rule_id:
            issues.append(
                _Issue(
                    phase=Phase.FAILED,
                    progression=Progression.JOB_FAILED,
                    message=(
                        f"item {item.name}: {last_error.message} ({last_error.rule_id}, error "
                        f"{last_error.code}); {last_error.remedy}; then set a new spec.run to retry"
                    ),
                )
            )
        else:
            issues.append(
                _Issue(
                    phase=Phase.PAUSED,
                    progression=Progression.UNKNOWN_JOB_ERROR,
                    message=(
                        f"item {item.name}: Site Recovery reported error {last_error.code or '(no code)'}: "
                        f"{last_error.message}; this error is not known to the operator, so it will not "
                        "guess: check the job in the vault, then set a new spec.run to retry"
                    ),
                )
            )
    return item, issues


# Steps of the round trip that only a call takes an item across: rank reached, and the call.
_CALLED_AT: tuple[tuple[int, Operation], ...] = (
    (_RANK[ItemStage.REPROTECTING], Operation.REPROTECT),
    (_RANK[ItemStage.FAILING_BACK], Operation.FAILOVER),
    (_RANK[ItemStage.COMMITTING], Operation.COMMIT),
    (_RANK[ItemStage.REPROTECTING_TO_AZURE], Operation.REPROTECT_TO_AZURE),
)
_ENDED_BADLY = {JobState.FAILED, JobState.CANCELLED, JobState.SUSPENDED}


def _moved_by_plan(previous: ItemStatus, before: ItemStage, after: ItemStage) -> bool:
    """Whether each call a move needs was this plan's own: its intent, or its last job that did not fail.

    A failover (or reprotect, or commit) run from the portal must pause the plan, never be taken
    over: the plan would otherwise commit a failover whose shut-down it did not ask for.
    """
    ranks = {**_RANK, ItemStage.PROTECTED_TO_AZURE: _HOME_AND_PROTECTED}
    start, end = ranks.get(before), ranks.get(after)
    if start is None or end is None:
        return True  # unknown or missing stages are allowed_transition's to judge
    ours: set[Operation] = set()
    if previous.intent is not None:
        ours.add(previous.intent.operation)
    job = previous.current_job
    if job is not None and job.state not in _ENDED_BADLY:
        ours |= {op for op, scenarios in _JOB_SCENARIOS.items() if job.operation in scenarios}
    return all(operation in ours for rank, operation in _CALLED_AT if start < rank <= end)


def _effect_rank_reached(operation: Operation, stage: ItemStage) -> bool:
    if operation == Operation.CANCEL:
        return stage in {ItemStage.PROTECTED_TO_ON_PREMISES, ItemStage.SYNCING}
    if stage == ItemStage.PROTECTED_TO_AZURE:
        return operation == Operation.REPROTECT_TO_AZURE
    rank = _RANK.get(stage)
    return rank is not None and rank >= _EFFECT_RANK[operation]


def _for_new_run(item: ItemStatus) -> ItemStatus:
    """A new spec.run retries: errors, refusals and unresolved intents of the last run are cleared."""
    intent = item.intent if item.intent is not None and item.intent.job_name is not None else None
    return item.model_copy(update={"last_error": None, "agent_refusals": None, "intent": intent})


# --- groups ----------------------------------------------------------------------------------


def _blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]


def _describe(findings: Sequence[Finding], limit: int = 3) -> str:
    shown = "; ".join(f"{f.rule} {f.object}: {f.message}" for f in findings[:limit])
    more = len(findings) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def _intent(
    operation: Operation, previous: ItemIntent | None, request: PlanRequest, now: datetime, rp: str | None
) -> ItemIntent:
    attempt = previous.attempt + 1 if previous is not None and previous.operation == operation else 1
    return ItemIntent(operation=operation, attempt=attempt, time=now, recovery_plan=rp, run=request.run)


def _group_step(
    name: str,
    recovery_plan: str | None,
    members: list[ItemStatus],
    request: PlanRequest,
    observation: Observation,
    now: datetime,
    gate_reason: tuple[Progression, str, datetime | None] | None,
    reserve_needed: list[tuple[str, int]],
) -> tuple[_Step, list[ItemStatus]]:
    """The next step of one replication group, with the intents of the calls it starts."""
    target = _target_rank(request)
    ranks = [_rank(m) for m in members]
    not_eligible = [m for m, r in zip(members, ranks, strict=True) if r is None]
    if not_eligible:
        described = ", ".join(f"{m.name} ({m.stage})" for m in not_eligible)
        return (
            _Step(
                rank=-1,
                phase=Phase.PREFLIGHT,
                progression=Progression.ITEMS_NOT_FOUND,
                message=(
                    f"group {name}: {described}: only machines failed over to Azure and committed there can "
                    "fail back (FB037); check the item names against the vault"
                ),
            ),
            members,
        )
    group_rank = min(r for r in ranks if r is not None)
    in_flight = [m for m in members if m.intent is not None]
    # Reprotect goes item by item (FB030): one item's job in flight does not hold the others back.
    per_item = {Operation.REPROTECT, Operation.REPROTECT_TO_AZURE}
    startable = [
        m
        for m, r in zip(members, ranks, strict=True)
        if m.intent is None and r == group_rank and r in (_RANK[ItemStage.FAILED_OVER_TO_AZURE], _COMMITTED)
    ]
    if in_flight and not (startable and all(m.intent and m.intent.operation in per_item for m in in_flight)):
        operation = in_flight[0].intent.operation if in_flight[0].intent else Operation.REPROTECT
        resolving = any(m.intent and m.intent.job_name is None for m in in_flight)
        phase, progression = _waiting_for(operation)
        jobs = sorted({m.intent.job_name for m in in_flight if m.intent and m.intent.job_name})
        return (
            _Step(
                rank=group_rank,
                phase=phase,
                progression=Progression.RESOLVING_INTENT if resolving else progression,
                message=(
                    f"group {name}: waiting for {_LABEL[operation]} "
                    + (f"job {', '.join(jobs)}" if jobs else "call to be confirmed by Site Recovery")
                ),
                active=True,
            ),
            members,
        )
    if request.action == PlanAction.CANCEL:
        return _cancel_step(name, recovery_plan, members, group_rank, request, now)
    if group_rank == _FAILED_BACK:
        # Failed back but not committed: FB042 is checked, and the commit step says what it waits for.
        return _commit_step(name, recovery_plan, members, request, now, gate_reason, target)
    if group_rank >= target:
        return (
            _Step(
                rank=group_rank,
                phase=Phase.COMPLETED,
                progression=Progression.DONE,
                message=f"group {name}: done",
            ),
            members,
        )
    if group_rank == 0:
        pending = ", ".join(m.name for m, r in zip(members, ranks, strict=True) if r == 0)
        return (
            _Step(
                rank=0,
                phase=Phase.PREFLIGHT,
                progression=Progression.PREREQUISITES_BLOCKED,
                message=f"group {name}: the failover to Azure of {pending} is not committed; commit it first",
            ),
            members,
        )
    if group_rank == _RANK[ItemStage.FAILED_OVER_TO_AZURE]:
        return _reprotect_step(name, members, ranks, request, observation, now, reserve_needed)
    if group_rank in (_RANK[ItemStage.REPROTECTING], _RANK[ItemStage.SYNCING]):
        syncing = [m.name for m, r in zip(members, ranks, strict=True) if r is not None and r < _PROTECTED]
        return (
            _Step(
                rank=group_rank,
                phase=Phase.SYNCING if group_rank == _RANK[ItemStage.SYNCING] else Phase.REPROTECTING,
                progression=(
                    Progression.WAITING_FOR_SYNC
                    if group_rank == _RANK[ItemStage.SYNCING]
                    else Progression.WAITING_FOR_REPROTECT_JOBS
                ),
                message=(
                    f"group {name}: waiting until Site Recovery reports {', '.join(syncing)} "
                    "protected (FB032)"
                ),
                active=True,
            ),
            members,
        )
    if group_rank == _PROTECTED:
        return _failover_step(name, recovery_plan, members, request, observation, now, gate_reason)
    if group_rank == _COMMITTED:
        started = []
        for i, m in enumerate(members):
            if _rank(m) == _COMMITTED and m.intent is None:
                members[i] = m.model_copy(
                    update={"intent": _intent(Operation.REPROTECT_TO_AZURE, m.intent, request, now, None)}
                )
                started.append(StartOperation(operation=Operation.REPROTECT_TO_AZURE, items=(m.name,)))
        return (
            _Step(
                rank=group_rank,
                phase=Phase.REPROTECTING_TO_AZURE,
                progression=Progression.STARTING_REPROTECT_TO_AZURE,
                message=f"group {name}: committed; protecting the machines to Azure again",
                actions=list(started),
                active=True,
            ),
            members,
        )
    phase, progression = _waiting_for(_operation_running(group_rank))
    return (
        _Step(
            rank=group_rank,
            phase=phase,
            progression=progression,
            message=f"group {name}: job running",
            active=True,
        ),
        members,
    )


def _operation_running(rank: int) -> Operation:
    return {
        _RANK[ItemStage.REPROTECTING]: Operation.REPROTECT,
        _RANK[ItemStage.FAILING_BACK]: Operation.FAILOVER,
        _RANK[ItemStage.COMMITTING]: Operation.COMMIT,
    }.get(rank, Operation.REPROTECT_TO_AZURE)


def _waiting_for(operation: Operation) -> tuple[Phase, Progression]:
    return {
        Operation.REPROTECT: (Phase.REPROTECTING, Progression.WAITING_FOR_REPROTECT_JOBS),
        Operation.FAILOVER: (Phase.FAILING_BACK, Progression.WAITING_FOR_FAILOVER_JOBS),
        Operation.COMMIT: (Phase.COMMITTING, Progression.WAITING_FOR_COMMIT_JOBS),
        Operation.CANCEL: (Phase.CANCELLING, Progression.WAITING_FOR_CANCEL_JOBS),
        Operation.REPROTECT_TO_AZURE: (
            Phase.REPROTECTING_TO_AZURE,
            Progression.WAITING_FOR_REPROTECT_TO_AZURE_JOBS,
        ),
    }[operation]


def _reprotect_step(
    name: str,
    members: list[ItemStatus],
    ranks: list[int | None],
    request: PlanRequest,
    observation: Observation,
    now: datetime,
    reserve_needed: list[tuple[str, int]],
) -> tuple[_Step, list[ItemStatus]]:
    """Reprotect item by item with identical values, all through the plan's master target (FB030)."""
    blocked = _blocking(observation.pre_reprotect)
    if blocked:
        return (
            _Step(
                rank=1,
                phase=Phase.PREFLIGHT,
                progression=Progression.PREREQUISITES_BLOCKED,
                message=f"group {name}: reprotect blocked: {_describe(blocked)}",
            ),
            members,
        )
    if not observation.disk_slots_reserved:
        reserve_needed.extend((m.name, m.disk_count or 0) for m in members)
        return (
            _Step(
                rank=1,
                phase=Phase.REPROTECTING,
                progression=Progression.RESERVING_DISK_SLOTS,
                message=f"group {name}: reserving disk slots on the master target (FB027)",
                active=True,
            ),
            members,
        )
    actions: list[Action] = []
    started: list[str] = []
    waiting_for_agent: list[datetime] = []
    for i, (member, rank) in enumerate(zip(members, ranks, strict=True)):
        if rank != _RANK[ItemStage.FAILED_OVER_TO_AZURE] or member.intent is not None:
            continue
        refusals = member.agent_refusals
        if refusals is not None and refusals.next_attempt_at > now:
            waiting_for_agent.append(refusals.next_attempt_at)
            continue
        intent = _intent(Operation.REPROTECT, member.intent, request, now, None)
        if refusals is not None:
            intent = intent.model_copy(update={"attempt": refusals.count + 1})
        members[i] = member.model_copy(update={"intent": intent})
        started.append(member.name)
        actions.append(
            StartOperation(operation=Operation.REPROTECT, items=(member.name,), attempt=intent.attempt)
        )
    if actions:
        # One call is made per look: items never tried go before retries, so that a refused item
        # whose retry is due at every look cannot starve the others (FB028).
        actions.sort(key=lambda a: a.attempt if isinstance(a, StartOperation) else 0)
        return (
            _Step(
                rank=1,
                phase=Phase.REPROTECTING,
                progression=Progression.STARTING_REPROTECT,
                message=f"group {name}: starting reprotect of {', '.join(started)}",
                actions=actions,
                active=True,
            ),
            members,
        )
    wake = min(waiting_for_agent) if waiting_for_agent else None
    return (
        _Step(
            rank=1,
            phase=Phase.REPROTECTING,
            progression=Progression.WAITING_FOR_AGENT,
            message=(
                f"group {name}: the agent in the Azure VM has not re-registered with the configuration "
                "server "
                f"yet (FB028); next reprotect attempt at {format_time(wake) if wake else 'once it does'}"
            ),
            wake_at=wake,
        ),
        members,
    )


def _failover_step(
    name: str,
    recovery_plan: str | None,
    members: list[ItemStatus],
    request: PlanRequest,
    observation: Observation,
    now: datetime,
    gate_reason: tuple[Progression, str, datetime | None] | None,
) -> tuple[_Step, list[ItemStatus]]:
    """Fail a protected group back: one recovery plan for a group, so it returns at one point in time."""
    # FB040 (window and approval) is the gate below, which says precisely what it waits for.
    blocked = [f for f in _blocking(observation.pre_failback) if f.rule != "FB040"]
    if blocked:
        return (
            _Step(
                rank=_PROTECTED,
                phase=Phase.PREFLIGHT,
                progression=Progression.FAILBACK_BLOCKED,
                message=f"group {name}: failback blocked: {_describe(blocked)}",
            ),
            members,
        )
    if gate_reason is not None:
        progression, message, wake = gate_reason
        phase = (
            Phase.WAITING_FOR_APPROVAL
            if progression == Progression.APPROVAL_MISSING
            else Phase.WAITING_FOR_WINDOW
        )
        return _Step(
            rank=_PROTECTED,
            phase=phase,
            progression=progression,
            message=f"group {name}: {message}",
            wake_at=wake,
        ), members
    if recovery_plan is None and len(members) > 1:
        return (
            _Step(
                rank=_PROTECTED,
                phase=Phase.PREFLIGHT,
                progression=Progression.FAILBACK_BLOCKED,
                message=(
                    f"group {name} has {len(members)} items and no recovery plan: only a recovery plan "
                    "fails a "
                    "group back at one common point in time (FB030); name it in spec.groups[].recoveryPlan"
                ),
            ),
            members,
        )
    return _start_for_group(
        name,
        Operation.FAILOVER,
        recovery_plan,
        members,
        request,
        now,
        Phase.FAILING_BACK,
        Progression.STARTING_FAILOVER,
        _PROTECTED,
    )


def _start_for_group(
    name: str,
    operation: Operation,
    recovery_plan: str | None,
    members: list[ItemStatus],
    request: PlanRequest,
    now: datetime,
    phase: Phase,
    progression: Progression,
    rank: int,
) -> tuple[_Step, list[ItemStatus]]:
    updated = [
        m.model_copy(update={"intent": _intent(operation, m.intent, request, now, recovery_plan)})
        for m in members
    ]
    attempt = updated[0].intent.attempt if updated[0].intent else 1
    action = StartOperation(
        operation=operation,
        items=tuple(m.name for m in members),
        recovery_plan=recovery_plan,
        attempt=attempt,
    )
    via = f"recovery plan {recovery_plan}" if recovery_plan else "the item"
    return (
        _Step(
            rank=rank,
            phase=phase,
            progression=progression,
            message=f"group {name}: starting {_LABEL[operation]} through {via}",
            actions=[action],
            active=True,
        ),
        updated,
    )


def _commit_step(
    name: str,
    recovery_plan: str | None,
    members: list[ItemStatus],
    request: PlanRequest,
    now: datetime,
    gate_reason: tuple[Progression, str, datetime | None] | None,
    target: int,
) -> tuple[_Step, list[ItemStatus]]:
    """Commit only once the failover job confirmed the Azure VM's shut-down and last sync (FB042)."""
    unconfirmed = [m for m in members if m.shutdown_confirmed is not True]
    if unconfirmed:
        described = ", ".join(
            f"{m.name} ({'skipped or failed' if m.shutdown_confirmed is False else 'no failover job found'})"
            for m in unconfirmed
        )
        return (
            _Step(
                rank=_FAILED_BACK,
                phase=Phase.PAUSED,
                progression=Progression.SHUTDOWN_NOT_CONFIRMED,
                message=(
                    f"group {name}: Site Recovery did not confirm that it shut the Azure VM down and "
                    f"synchronised its last changes (FB042) for {described}; commit would lose data: check "
                    "the failover job, "
                    "then cancel or commit by hand"
                ),
            ),
            members,
        )
    if target <= _FAILED_BACK:
        return (
            _Step(
                rank=_FAILED_BACK,
                phase=Phase.COMMITTING,
                progression=Progression.WAITING_FOR_COMMIT_ACTION,
                message=f"group {name}: failed back; set spec.action to Commit to commit",
            ),
            members,
        )
    if gate_reason is not None and gate_reason[0] == Progression.APPROVAL_MISSING:
        return (
            _Step(
                rank=_FAILED_BACK,
                phase=Phase.PAUSED,
                progression=Progression.APPROVAL_WITHDRAWN,
                message=f"group {name}: failed back, but {gate_reason[1]}; commit waits for a valid approval",
            ),
            members,
        )
    return _start_for_group(
        name,
        Operation.COMMIT,
        recovery_plan,
        members,
        request,
        now,
        Phase.COMMITTING,
        Progression.STARTING_COMMIT,
        _FAILED_BACK,
    )


def _cancel_step(
    name: str,
    recovery_plan: str | None,
    members: list[ItemStatus],
    group_rank: int,
    request: PlanRequest,
    now: datetime,
) -> tuple[_Step, list[ItemStatus]]:
    """Cancel an uncommitted modernized planned failover; classic unplanned failover has no cancel."""
    ranks = [_rank(m) for m in members]
    if all(r == _FAILED_BACK for r in ranks):
        if request.architecture != Architecture.MODERNIZED:
            return (
                _Step(
                    rank=_FAILED_BACK,
                    phase=Phase.FAILED,
                    progression=Progression.CANCEL_NOT_SUPPORTED,
                    message=(
                        f"group {name}: a classic failback (unplanned failover) cannot be cancelled; set "
                        "spec.action "
                        "to Commit to finish it"
                    ),
                ),
                members,
            )
        return _start_for_group(
            name,
            Operation.CANCEL,
            recovery_plan,
            members,
            request,
            now,
            Phase.CANCELLING,
            Progression.STARTING_CANCEL,
            _FAILED_BACK,
        )
    if any(r is not None and r >= _COMMITTED for r in ranks):
        return (
            _Step(
                rank=group_rank,
                phase=Phase.FAILED,
                progression=Progression.CANCEL_NOT_SUPPORTED,
                message=f"group {name}: the failback is already committed and cannot be cancelled",
            ),
            members,
        )
    return (
        _Step(
            rank=group_rank,
            phase=Phase.COMPLETED,
            progression=Progression.DONE,
            message=f"group {name}: no uncommitted failback to cancel; the items are protected again",
        ),
        members,
    )


# --- the plan --------------------------------------------------------------------------------


def _gate(
    request: PlanRequest, observation: Observation, now: datetime
) -> tuple[Progression, str, datetime | None] | None:
    """Why failback may not start now (FB040), or None when it may."""
    gate = failback_gate(request.plan, observation.approvals, now)
    if gate.window is WindowState.NOT_YET_OPEN:
        return (
            Progression.WINDOW_NOT_OPEN,
            f"the downtime window opens at {format_time(gate.opens_at) if gate.opens_at else '?'} (FB040)",
            gate.opens_at,
        )
    if gate.window is WindowState.CLOSED:
        return Progression.WINDOW_CLOSED, "the downtime window has closed (FB040); declare a new window", None
    if gate.window is WindowState.NOT_DECLARED:
        return Progression.WINDOW_NOT_OPEN, "the plan declares no downtime window (FB040)", None
    if not gate.approved:
        detail = "; ".join(gate.reasons) or f"no FailbackApproval for run {request.run}"
        return (
            Progression.APPROVAL_MISSING,
            f"failback waits for approval of run {request.run}: {detail} (FB040)",
            None,
        )
    return None


def _conditions(
    status: FailbackPlanStatus,
    request: PlanRequest,
    items: Sequence[ItemStatus],
    phase: Phase,
    message: str,
    prerequisites: Sequence[Finding],
    now: datetime,
) -> list[Condition]:
    ranks = [_rank(i) for i in items]
    target = _target_rank(request)
    conditions = list(status.conditions or ())

    def reached(threshold: int) -> bool:
        return bool(ranks) and all(r is not None and r >= threshold for r in ranks)

    def put(kind: ConditionType, ok: bool, reason: Reason, text: str) -> None:
        nonlocal conditions
        conditions = set_condition(
            conditions,
            type=kind,
            status=ok,
            reason=reason,
            message=text,
            observed_generation=request.generation,
            now=now,
        )

    blocked = _blocking(prerequisites)
    put(
        ConditionType.PREREQUISITES_MET,
        not blocked,
        Reason.BLOCKED if blocked else Reason.ALL_PASSED,
        _describe(blocked) if blocked else "no blocking finding for the next step",
    )
    for kind, threshold, label in (
        (ConditionType.REPROTECTED, _RANK[ItemStage.SYNCING], "replicating to on-premises"),
        (ConditionType.PROTECTED, _PROTECTED, "protected to on-premises"),
        (ConditionType.FAILED_BACK, _FAILED_BACK, "running on-premises"),
        (ConditionType.COMMITTED, _COMMITTED, "committed"),
    ):
        done = sum(1 for r in ranks if r is not None and r >= threshold)
        put(
            kind,
            reached(threshold),
            Reason.DONE if reached(threshold) else (Reason.PARTIAL if done else Reason.PENDING),
            f"{done}/{len(ranks)} items {label}",
        )
    if request.action == PlanAction.PREFLIGHT:
        ready = not blocked and phase not in {Phase.PAUSED, Phase.FAILED}
    else:
        ready = reached(target) and phase not in {Phase.PAUSED, Phase.FAILED}
    reason = {Phase.PAUSED: Reason.PAUSED, Phase.FAILED: Reason.FAILED}.get(
        phase, Reason.DONE if ready else Reason.IN_PROGRESS
    )
    put(ConditionType.READY, ready, reason, message)
    return conditions


def decide(
    request: PlanRequest,
    status: FailbackPlanStatus,
    observation: Observation,
    now: datetime,
    settings: WorkflowSettings | None = None,
) -> Decision:
    """The plan's next status, the calls to make (their intents already in it), events and next look."""
    settings = settings or WorkflowSettings()
    if observation.vault is None:
        conditions = set_condition(
            status.conditions or (),
            type=ConditionType.READY,
            status=ConditionStatus.UNKNOWN,
            reason=Reason.WAITING,
            message="Site Recovery could not be read; the plan waits and takes no step"
            + (f": {'; '.join(observation.unreadable)}" if observation.unreadable else ""),
            observed_generation=request.generation,
            now=now,
        )
        return Decision(
            status=status.model_copy(update={"conditions": tuple(conditions)}),
            requeue_after=settings.active_poll,
        )

    new_run = status.observed_run is not None and status.observed_run != request.run
    facts = {i.name: i for i in observation.vault.protected_items}
    jobs = observation.vault.jobs
    items: list[ItemStatus] = []
    issues: list[_Issue] = []
    for group, recovery_plan, names in request.groups():
        for item_name in names:
            previous = _status_item(status, item_name) or ItemStatus(name=item_name, group=group)
            if new_run:
                previous = _for_new_run(previous)
            refreshed, found = _refresh_item(
                previous, facts.get(item_name), jobs, request.architecture, now, settings, recovery_plan
            )
            items.append(refreshed.model_copy(update={"group": group}))
            issues.extend(found)

    claimed = sorted(
        (name, owner) for name, owner in observation.claimed_by.items() if any(i.name == name for i in items)
    )
    actions: list[Action] = []
    steps: list[_Step] = []
    more_to_start = False
    if issues:
        first = sorted(issues, key=lambda i: i.phase != Phase.PAUSED)[0]
        phase, progression = first.phase, first.progression
        message = "; ".join(i.message for i in issues)
    elif claimed:
        phase, progression = Phase.PENDING, Progression.ITEMS_CLAIMED_ELSEWHERE
        message = (
            "; ".join(f"item {n} belongs to active plan {o}" for n, o in claimed)
            + "; an item belongs to one plan at a time"
        )
    elif request.action == PlanAction.PREFLIGHT:
        blocked = _blocking(observation.pre_reprotect)
        phase = Phase.PREFLIGHT if blocked else Phase.COMPLETED
        progression = Progression.PREREQUISITES_BLOCKED if blocked else Progression.PREFLIGHT_PASSED
        message = _describe(blocked) if blocked else "every prerequisite is met"
    else:
        gate_reason = _gate(request, observation, now)
        reserve_needed: list[tuple[str, int]] = []
        by_name = {i.name: i for i in items}
        for group, recovery_plan, names in request.groups():
            members = [by_name[n] for n in names]
            step, updated = _group_step(
                group, recovery_plan, members, request, observation, now, gate_reason, reserve_needed
            )
            for member in updated:
                by_name[member.name] = member
            steps.append(step)
            actions.extend(step.actions)
        items, actions, more_to_start = _one_call_per_look([by_name[i.name] for i in items], items, actions)
        if reserve_needed:
            actions.insert(0, ReserveDiskSlots(disks_by_item=tuple(reserve_needed)))
        ranked = [s for s in steps if s.phase != Phase.COMPLETED] or steps
        lead = min(ranked, key=lambda s: (s.phase != Phase.PAUSED, s.phase != Phase.FAILED, s.rank))
        phase, progression, message = (
            lead.phase,
            lead.progression,
            "; ".join(s.message for s in steps if s.phase != Phase.COMPLETED) or lead.message,
        )
    reprotect_done = all((_rank(i) or -1) >= _RANK[ItemStage.SYNCING] for i in items)
    if observation.disk_slots_reserved and reprotect_done and items:
        actions.append(ReleaseDiskSlots())

    target = _target_rank(request)
    ready_items = sum(1 for i in items if (_rank(i) or -1) >= target) if target >= 0 else 0
    prerequisites = (
        observation.pre_reprotect if all((_rank(i) or 0) <= 1 for i in items) else observation.pre_failback
    )
    conditions = _conditions(status, request, items, phase, message, prerequisites, now)
    next_status = status.model_copy(
        update={
            "observed_generation": request.generation,
            "observed_run": request.run,
            "phase": phase,
            "progression": progression,
            "message": message,
            "items_ready": f"{ready_items}/{len(items)}",
            "items": tuple(items),
            "conditions": tuple(conditions),
        }
    )
    events: list[Event] = []
    if (status.phase, status.progression) != (phase, progression):
        warn = phase in {Phase.PAUSED, Phase.FAILED} or progression in {
            Progression.PREREQUISITES_BLOCKED,
            Progression.FAILBACK_BLOCKED,
            Progression.ITEMS_NOT_FOUND,
            Progression.ITEMS_CLAIMED_ELSEWHERE,
        }
        events.append(
            Event(
                type=EventType.WARNING if warn else EventType.NORMAL,
                reason=progression.value,
                message=message,
            )
        )
    return Decision(
        status=next_status,
        actions=tuple(actions),
        events=tuple(events),
        # The calls held back look again at once, each after its own intent, call and record.
        requeue_after=timedelta(0) if more_to_start else _requeue(steps, phase, now, settings),
    )


def _one_call_per_look(
    decided: list[ItemStatus], before: list[ItemStatus], actions: list[Action]
) -> tuple[list[ItemStatus], list[Action], bool]:
    """Keep the first call and hold the others back, with their intents, for the next look.

    One intent is written per look, so a restart between two calls never finds an intent for a
    call that was not made.
    """
    starts = [a for a in actions if isinstance(a, StartOperation)]
    if len(starts) <= 1:
        return decided, actions, False
    held = {name for start in starts[1:] for name in start.items}
    previous = {i.name: i.intent for i in before}
    items = [i.model_copy(update={"intent": previous[i.name]}) if i.name in held else i for i in decided]
    kept = [a for a in actions if not isinstance(a, StartOperation) or a is starts[0]]
    return items, kept, True


def _requeue(steps: Sequence[_Step], phase: Phase, now: datetime, settings: WorkflowSettings) -> timedelta:
    if any(s.active for s in steps):
        return settings.active_poll
    wakes = [s.wake_at for s in steps if s.wake_at is not None]
    if wakes:
        return max(min(min(wakes) - now, settings.idle_poll), timedelta(seconds=1))
    return settings.idle_poll


def record_outcome(
    status: FailbackPlanStatus,
    action: StartOperation,
    outcome: CallOutcome,
    now: datetime,
    settings: WorkflowSettings | None = None,
) -> Decision:
    """Fold what a call gave into status: the job id, a refusal, or nothing known (lost answer)."""
    settings = settings or WorkflowSettings()
    events: list[Event] = []
    items: list[ItemStatus] = []
    for item in status.items or ():
        if item.name not in action.items or item.intent is None or item.intent.operation != action.operation:
            items.append(item)
            continue
        if outcome.job_name:
            items.append(
                item.model_copy(
                    update={
                        "intent": item.intent.model_copy(update={"job_name": outcome.job_name}),
                        "agent_refusals": None,
                    }
                )
            )
            continue
        if outcome.not_sent:
            items.append(item.model_copy(update={"intent": None}))
            events.append(
                Event(
                    type=EventType.WARNING,
                    reason="CallNotSent",
                    message=f"item {item.name}: {_LABEL[action.operation]} was not sent: {outcome.message}",
                )
            )
            continue
        if not outcome.refused:
            items.append(item)  # the answer was lost: the job list will tell, or the plan pauses
            continue
        error = JobError(code=outcome.code or "", message=outcome.message)
        known = explain_job_error(error)
        if known is AGENT_NOT_INSTALLED and action.operation == Operation.REPROTECT:
            refusals = item.agent_refusals
            count = refusals.count + 1 if refusals else 1
            first = refusals.first_at if refusals else now
            verdict = agent_not_installed_decision(
                booted_at=None, first_failure_at=first, attempts=count, now=now, config=settings.rules
            )
            if verdict.action is AgentRetryAction.RETRY and verdict.retry_at is not None:
                items.append(
                    item.model_copy(
                        update={
                            "intent": None,
                            "agent_refusals": AgentRefusals(
                                count=count,
                                first_at=first,
                                next_attempt_at=verdict.retry_at,
                            ),
                        }
                    )
                )
                events.append(
                    Event(
                        type=EventType.WARNING,
                        reason="AgentNotInstalled",
                        message=f"item {item.name}: {verdict.reason} (FB028)",
                    )
                )
                continue
        items.append(
            item.model_copy(update={"intent": None, "last_error": _error_from(error, outcome.message, now)})
        )
        events.append(
            Event(
                type=EventType.WARNING,
                reason="CallRefused",
                message=(
                    f"item {item.name}: {_LABEL[action.operation]} refused: {outcome.code} {outcome.message}"
                ),
            )
        )
    if outcome.job_name:
        via = f" through recovery plan {action.recovery_plan}" if action.recovery_plan else ""
        events.append(
            Event(
                type=EventType.NORMAL,
                reason=f"{action.operation.value}Started",
                message=(
                    f"{_LABEL[action.operation]} of {', '.join(action.items)}{via} started as job "
                    f"{outcome.job_name}"
                ),
            )
        )
    return Decision(status=status.model_copy(update={"items": tuple(items)}), events=tuple(events))
