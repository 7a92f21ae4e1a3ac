"""What one replication group does next: reprotect item by item, fail back and commit through its plan."""

from __future__ import annotations

from datetime import datetime

from failback_operator.api.conditions import format_time
from failback_operator.api.resources import Action as PlanAction
from failback_operator.api.status import (
    ItemIntent,
    ItemRecoveryPoint,
    ItemStatus,
    RecoveryPointType,
)
from failback_operator.api.vocabulary import (
    ItemStage,
    Operation,
    Phase,
    Progression,
)
from failback_operator.facts import Architecture
from failback_operator.rules.agent_window import agent_registration_wait
from failback_operator.rules.recovery_point import group_recovery_point
from failback_operator.workflow.actions import (
    Action,
    StartOperation,
)
from failback_operator.workflow.inputs import Observation, PlanRequest, WorkflowSettings
from failback_operator.workflow.progress import (
    _COMMITTED,
    _FAILED_BACK,
    _LABEL,
    _PROTECTED,
    _RANK,
    _all_waiting,
    _blocking,
    _describe,
    _describe_with_remedy,
    _for_group,
    _rank,
    _Step,
    _target_rank,
)

# --- groups ----------------------------------------------------------------------------------


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
    settings: WorkflowSettings,
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
        return _commit_step(name, recovery_plan, members, request, observation, now, gate_reason, target)
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
        return _reprotect_step(name, members, ranks, request, observation, now, reserve_needed, settings)
    if group_rank in (_RANK[ItemStage.REPROTECTING], _RANK[ItemStage.SYNCING]):
        syncing = [
            f"{m.name} ({m.sync_progress_percent}%)" if m.sync_progress_percent is not None else m.name
            for m, r in zip(members, ranks, strict=True)
            if r is not None and r < _PROTECTED
        ]
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
                    + (
                        f"; failback will be blocked: {_describe_with_remedy(breached)}"
                        if (
                            breached := _blocking(
                                _for_group(observation.continuous, name, (m.name for m in members))
                            )
                        )
                        else ""
                    )
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
    settings: WorkflowSettings,
) -> tuple[_Step, list[ItemStatus]]:
    """Reprotect item by item with identical values, all through the plan's master target (FB030)."""
    blocked = _blocking(_for_group(observation.pre_reprotect, name, (m.name for m in members)))
    if blocked:
        # Findings that may still clear on their own (FB022) are waited for at the active pace.
        waiting = _all_waiting(blocked)
        return (
            _Step(
                rank=1,
                phase=Phase.PREFLIGHT,
                progression=(
                    Progression.WAITING_FOR_PREREQUISITES if waiting else Progression.PREREQUISITES_BLOCKED
                ),
                message=f"group {name}: reprotect {'waits' if waiting else 'blocked'}: {_describe(blocked)}",
                active=waiting,
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
        unregistered = (
            agent_registration_wait(
                booted_at=member.failed_over_at,
                agent_registered=member.agent_registered,
                now=now,
                config=settings.rules,
            )
            if refusals is None
            else None
        )
        if unregistered is not None:
            # FB028: Site Recovery says the agent has not registered since the failover.
            waiting_for_agent.append(unregistered)
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
    """Fail a protected group back through its recovery plan, saying which point its machines get (FB030)."""
    # FB040 (window and approval) is the gate below, which says precisely what it waits for. The
    # continuous rules (FB031 on-premises VM off, FB020 disks not moved, ...) hold until failover.
    # Each group is judged on its own items: another group's (failed back, say) never hold it back.
    findings = _for_group(
        (*observation.pre_failback, *observation.continuous), name, (m.name for m in members)
    )
    blocked = [f for f in _blocking(findings) if not (f.rule == "FB040" and gate_reason is not None)]
    if blocked:
        return (
            _Step(
                rank=_PROTECTED,
                phase=Phase.PREFLIGHT,
                progression=Progression.FAILBACK_BLOCKED,
                message=f"group {name}: failback blocked: {_describe_with_remedy(blocked)}",
            ),
            members,
        )
    point = group_recovery_point(request.plan.recovery_point_type, request.architecture, len(members))
    # Said plainly before the failover is started, where the machines will not share one point.
    caveat = "" if point.common_to_group else f"; failback brings back {point.explanation}"
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
            message=f"group {name}: {message}{caveat}",
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
                    "group back together (FB030); name it in spec.groups[].recoveryPlan"
                ),
            ),
            members,
        )
    step, started = _start_for_group(
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
    step.message += f", bringing back {point.explanation}"
    sent = ItemRecoveryPoint(type=RecoveryPointType(point.type.value), common_to_group=point.common_to_group)
    return step, [m.model_copy(update={"recovery_point": sent}) for m in started]


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


def commit_consequence(architecture: Architecture) -> str:
    """What a commit does that cannot be taken back, said before a person asks for it."""
    if architecture == Architecture.CLASSIC:
        # Microsoft's failback article: committing a classic failback removes the failed-over Azure VMs.
        return (
            "commit removes the failed-over Azure VMs of the group; the failback can then no longer be "
            "undone, so check the on-premises VMs first"
        )
    return (
        "commit ends the planned failover: it can no longer be cancelled (spec.action Cancel) and the "
        "group stays on-premises; check the on-premises VMs first"
    )


def _commit_step(
    name: str,
    recovery_plan: str | None,
    members: list[ItemStatus],
    request: PlanRequest,
    observation: Observation,
    now: datetime,
    gate_reason: tuple[Progression, str, datetime | None] | None,
    target: int,
) -> tuple[_Step, list[ItemStatus]]:
    """Commit only once the failover job confirmed the Azure VM's shut-down and last sync (FB042),
    and through a recovery plan that holds exactly the group (FB046)."""
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
    membership = [
        f
        for f in _blocking(observation.pre_failback)
        if f.rule == "FB046" and f.object.name.endswith(f"/{name}")
    ]
    if recovery_plan is not None and membership:
        return (
            _Step(
                rank=_FAILED_BACK,
                phase=Phase.PREFLIGHT,
                progression=Progression.FAILBACK_BLOCKED,
                message=f"group {name}: commit blocked: {_describe(membership)}",
            ),
            members,
        )
    if target <= _FAILED_BACK:
        return (
            _Step(
                rank=_FAILED_BACK,
                phase=Phase.COMMITTING,
                progression=Progression.WAITING_FOR_COMMIT_ACTION,
                message=(
                    f"group {name}: failed back; set spec.action to Commit to commit: "
                    f"{commit_consequence(request.architecture)}"
                ),
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
