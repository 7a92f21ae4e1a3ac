"""The FailbackPlan state machine: (request, status, observation, now) -> next status and actions.

Pure: no Kopf, no SDK, no network. Site Recovery is the source of truth; status caches it with
the operator's intent. Every mutating call is first written as an intent, and an intent whose
outcome cannot be told pauses the plan: nothing is ever posted twice on a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from failback_operator.api.conditions import (
    Condition,
    ConditionStatus,
    find_condition,
    format_time,
    set_condition,
)
from failback_operator.api.resources import Action as PlanAction
from failback_operator.api.status import (
    FailbackPlanStatus,
    ItemStatus,
    MasterTargetDisk,
)
from failback_operator.api.vocabulary import (
    ConditionType,
    EventReason,
    EventType,
    ItemStage,
    Operation,
    Phase,
    Progression,
    Reason,
)
from failback_operator.facts import JobError
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
from failback_operator.workflow.groups import (
    _group_step,
)
from failback_operator.workflow.inputs import Observation, PlanRequest, WorkflowSettings
from failback_operator.workflow.items import (
    _error_from,
    _for_new_run,
    _refresh_item,
    _status_item,
    agent_refusal,
    agent_refusal_message,
)
from failback_operator.workflow.progress import (
    _COMMITTED,
    _FAILED_BACK,
    _LABEL,
    _PROTECTED,
    _RANK,
    CHANGED_OUTSIDE_PLAN,
    MESSAGE_LIMIT,
    _all_waiting,
    _blocking,
    _cut,
    _describe,
    _describe_with_remedy,
    _failed_back,
    _Issue,
    _joined,
    _rank,
    _Step,
    _target_rank,
    _watched_continuously,
)

# The Event posted when a call started a job, per operation.
_STARTED: dict[Operation, EventReason] = {
    Operation.REPROTECT: EventReason.REPROTECT_STARTED,
    Operation.FAILOVER: EventReason.FAILOVER_STARTED,
    Operation.COMMIT: EventReason.COMMIT_STARTED,
    Operation.CANCEL: EventReason.CANCEL_STARTED,
    Operation.REPROTECT_TO_AZURE: EventReason.REPROTECT_TO_AZURE_STARTED,
}

__all__ = ["decide", "decide_look_failed", "decide_missing_reference", "record_outcome"]


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
    # Warnings and advice for the next step do not block it, but are said where the plan is watched.
    notes = [f for f in prerequisites if not f.passed and not f.blocking]
    put(
        ConditionType.PREREQUISITES_MET,
        not blocked,
        Reason.WAITING if _all_waiting(blocked) else Reason.BLOCKED if blocked else Reason.ALL_PASSED,
        _describe(blocked)
        if blocked
        else "no blocking finding for the next step"
        + (f"; to note: {_describe_with_remedy(notes, limit=5)}" if notes else ""),
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
        message = "Site Recovery could not be read; the plan waits and takes no step" + (
            f": {'; '.join(observation.unreadable)}" if observation.unreadable else ""
        )
        conditions = set_condition(
            status.conditions or (),
            type=ConditionType.READY,
            status=ConditionStatus.UNKNOWN,
            reason=Reason.UNREACHABLE,
            message=message,
            observed_generation=request.generation,
            now=now,
        )
        # The generation is observed (the plan was looked at) and a first look gets a phase, so that
        # kubectl and Argo CD show why nothing happens rather than a blank status.
        return Decision(
            status=status.model_copy(
                update={
                    "observed_generation": request.generation,
                    "phase": status.phase or Phase.PENDING,
                    "progression": status.progression or Progression.CHECKING_PREREQUISITES,
                    "message": message,
                    "conditions": tuple(conditions),
                }
            ),
            events=_unreachable_event(status.conditions or (), conditions),
            requeue_after=settings.active_poll,
        )

    new_run = status.observed_run is not None and status.observed_run != request.run
    facts = {i.name: i for i in observation.vault.protected_items}
    jobs = observation.vault.job_index()
    items: list[ItemStatus] = []
    issues: list[_Issue] = []
    named_in: dict[str, str] = {}
    for group, recovery_plan, names in request.groups():
        for item_name in names:
            if item_name in named_in:
                # The CRD cannot refuse it across groups; status keeps one entry per item.
                issues.append(
                    _Issue(
                        phase=Phase.PREFLIGHT,
                        progression=Progression.PREREQUISITES_BLOCKED,
                        message=(
                            f"item {item_name} is named in groups {named_in[item_name]} and {group}: an item "
                            "belongs to one replication group; name it once in spec.groups"
                        ),
                    )
                )
                continue
            named_in[item_name] = group
            previous = _status_item(status, item_name) or ItemStatus(name=item_name, group=group)
            if new_run:
                previous = _for_new_run(previous)
            if item_name in observation.claimed_by:
                # Another plan moves this item: what it does is no change behind this plan's back.
                previous = _unclaimed(previous)
            refreshed, found = _refresh_item(
                previous,
                facts.get(item_name),
                jobs,
                request.architecture,
                now,
                settings,
                recovery_plan,
                dict(observation.vault.tracking_ids),
            )
            if item_name in observation.claimed_by:
                # Not this plan's to follow: once released, it starts from where the item then is.
                refreshed = refreshed.model_copy(update={"stage": None})
            else:
                issues.extend(found)
            items.append(refreshed.model_copy(update={"group": group}))

    claimed = sorted(
        (name, owner) for name, owner in observation.claimed_by.items() if any(i.name == name for i in items)
    )
    actions: list[Action] = []
    steps: list[_Step] = []
    more_to_start = False
    told = [i for i in issues if not i.stops]
    issues = [i for i in issues if i.stops]
    if issues:
        first = sorted(issues, key=lambda i: i.phase != Phase.PAUSED)[0]
        phase, progression = first.phase, first.progression
        message = _joined([i.message for i in issues])
    elif claimed:
        phase, progression = Phase.PENDING, Progression.ITEMS_CLAIMED_ELSEWHERE
        message = _joined(
            ["an item belongs to one plan at a time"]
            + [f"item {n} belongs to active plan {o}" for n, o in claimed]
        )
    elif request.action == PlanAction.PREFLIGHT:
        blocked = _blocking(observation.pre_reprotect)
        phase = Phase.PREFLIGHT if blocked else Phase.COMPLETED
        progression = (
            Progression.WAITING_FOR_PREREQUISITES
            if _all_waiting(blocked)
            else Progression.PREREQUISITES_BLOCKED
            if blocked
            else Progression.PREFLIGHT_PASSED
        )
        message = _describe(blocked) if blocked else "every prerequisite is met"
    else:
        gate_reason = _gate(request, observation, now)
        reserve_needed: list[tuple[str, int]] = []
        by_name = {i.name: i for i in items}
        for group, recovery_plan, names in request.groups():
            members = [by_name[n] for n in names]
            step, updated = _group_step(
                group,
                recovery_plan,
                members,
                request,
                observation,
                now,
                gate_reason,
                reserve_needed,
                settings,
            )
            for member in updated:
                by_name[member.name] = member
            steps.append(step)
            actions.extend(step.actions)
        items, actions, more_to_start = _one_call_per_look([by_name[i.name] for i in items], items, actions)
        if reserve_needed:
            actions.insert(0, ReserveDiskSlots(disks_by_item=tuple(reserve_needed)))
        ranked = [s for s in steps if s.phase != Phase.COMPLETED] or steps
        if ranked:
            lead = min(ranked, key=lambda s: (s.phase != Phase.PAUSED, s.phase != Phase.FAILED, s.rank))
            phase, progression, message = (
                lead.phase,
                lead.progression,
                _joined([s.message for s in steps if s.phase != Phase.COMPLETED]) or lead.message,
            )
        else:
            phase, progression = Phase.PREFLIGHT, Progression.ITEMS_NOT_FOUND
            message = "the plan names no item; name the items to bring home in spec.groups[].items"
    reprotect_done = all((_rank(i) or -1) >= _RANK[ItemStage.SYNCING] for i in items)
    if observation.disk_slots_reserved and reprotect_done and items:
        actions.append(ReleaseDiskSlots())

    target = _target_rank(request)
    ready_items = sum(1 for i in items if (_rank(i) or -1) >= target) if target >= 0 else 0
    message = _cut(message, MESSAGE_LIMIT)
    conditions = _conditions(
        status, request, items, phase, message, _prerequisites_for(items, observation), now
    )
    conditions = _post_failback_advice(conditions, items, observation, request.generation, now)
    if observation.unreadable and phase is not Phase.COMPLETED:
        # A part that cannot be read (vCenter, here) leaves the plan's readiness unknown: say which.
        conditions = set_condition(
            conditions,
            type=ConditionType.READY,
            status=ConditionStatus.UNKNOWN,
            reason=Reason.UNREACHABLE,
            message=_cut(f"{message}; could not be read: {'; '.join(observation.unreadable)}", MESSAGE_LIMIT),
            observed_generation=request.generation,
            now=now,
        )
    next_status = status.model_copy(
        update={
            "observed_generation": request.generation,
            "observed_run": request.run,
            "phase": phase,
            "progression": progression,
            "message": message,
            "items_ready": f"{ready_items}/{len(items)}",
            "items": tuple(items),
            "master_target_disks": _master_target_disks(status, items, observation),
            "conditions": tuple(conditions),
        }
    )
    next_status = _fit(next_status)
    events: list[Event] = [
        Event(type=EventType.WARNING, reason=note.reason, message=note.message) for note in told
    ]
    progressed = (status.phase, status.progression) != (phase, progression)
    if progressed:
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
    events.extend(_condition_events(status.conditions or (), conditions, announced=progressed))
    events.extend(_unreachable_event(status.conditions or (), conditions))
    return Decision(
        status=next_status,
        actions=tuple(actions),
        events=tuple(events),
        # Calls held back, or a reservation the next step waits for, are looked at again at once.
        requeue_after=(
            timedelta(0)
            if more_to_start or any(isinstance(a, ReserveDiskSlots) for a in actions)
            # A preflight that only waits (FB022) is looked at again at the active pace, as a plan is.
            else settings.active_poll
            if progression is Progression.WAITING_FOR_PREREQUISITES
            else _requeue(steps, phase, now, settings)
        ),
    )


# The calls that may follow one another in a look: the reprotects, which cause no downtime.
_FOLLOWING_OPERATIONS = frozenset({Operation.REPROTECT, Operation.REPROTECT_TO_AZURE})


def decide_following_call(
    request: PlanRequest,
    status: FailbackPlanStatus,
    observation: Observation,
    now: datetime,
    settings: WorkflowSettings,
) -> Decision | None:
    """The next reprotect held back in this look, on its observation and the status its last call left.

    A group of many machines starts its reprotects one call after another in one look rather than
    one look each. `now` is the look's own time, as its observation is: a time limit (an intent's
    grace) is never judged on facts read before it. Each call still has its own intent written
    before it and its record after. Only reprotects follow (back, or to Azure after commit): they
    cause no downtime, while a failover or a commit is judged on a look of its own, with its
    approval, window and checks read afresh. None when the decision is anything else, or no call.
    """
    decision = decide(request, status, observation, now, settings)
    if not decision.actions or not all(
        isinstance(a, StartOperation) and a.operation in _FOLLOWING_OPERATIONS for a in decision.actions
    ):
        return None
    return decision


# The most a plan's status may take as JSON: the API server stores the whole object (spec,
# status and the field managers' record of both) within etcd's 1.5 MiB per object.
STATUS_BUDGET = 640 * 1024
# What gives way first when a status would not fit: details Site Recovery can tell again.
_SHEDDABLE: tuple[tuple[str, str], ...] = (
    ("disks", "disk lists (their counts are kept)"),
    ("allowed_operations", "allowed operations"),
    ("current_job", "current jobs"),
    ("protected_item_id", "item ids"),
)
_SHORT_ERROR = 256


def _fit(status: FailbackPlanStatus, budget: int = STATUS_BUDGET) -> FailbackPlanStatus:
    """The status within `budget`, shedding per-item details in order, and saying what was left out."""
    if status.stored_size() <= budget:
        return status
    items = list(status.items or ())
    left_out: list[str] = []
    for field_name, label in _SHEDDABLE:
        count = sum(1 for i in items if getattr(i, field_name) is not None)
        items = [i.model_copy(update={field_name: None}) for i in items]
        left_out.append(f"{label} of {count} items")
        if status.model_copy(update={"items": tuple(items)}).stored_size() <= budget:
            break
    else:  # error texts go last: they say what a person must do
        items = [
            i.model_copy(
                update={
                    "last_error": i.last_error.model_copy(
                        update={
                            "message": _cut(i.last_error.message, _SHORT_ERROR),
                            "remedy": _cut(i.last_error.remedy, _SHORT_ERROR)
                            if i.last_error.remedy
                            else None,
                        }
                    )
                }
            )
            if i.last_error is not None
            else i
            for i in items
        ]
        left_out.append(f"error texts beyond {_SHORT_ERROR} characters")
    note = f"; status shortened to fit the API server: {', '.join(left_out)} left out"
    message = _cut(status.message or "", MESSAGE_LIMIT - len(note)) + note
    return status.model_copy(update={"items": tuple(items), "message": message})


def _unclaimed(item: ItemStatus) -> ItemStatus:
    """An item another plan owns, seen afresh at each look: no stage to compare, no error of ours."""
    error = item.last_error if item.last_error and item.last_error.code != CHANGED_OUTSIDE_PLAN else None
    return item.model_copy(update={"stage": None, "last_error": error})


def _unreachable_event(
    before: Sequence[Condition | Mapping[str, Any]], after: Sequence[Condition]
) -> tuple[Event, ...]:
    """One Warning when Ready turns Unknown because a part cannot be read, not one per look."""
    parsed = [c if isinstance(c, Condition) else Condition.model_validate(c) for c in before]
    was = find_condition(parsed, ConditionType.READY)
    now_ready = find_condition(after, ConditionType.READY)
    if now_ready is None or now_ready.status != ConditionStatus.UNKNOWN:
        return ()
    if was is not None and (was.status, was.reason) == (now_ready.status, now_ready.reason):
        return ()
    return (Event(type=EventType.WARNING, reason=Reason.UNREACHABLE.value, message=now_ready.message),)


def _prerequisites_for(items: Sequence[ItemStatus], observation: Observation) -> tuple[Finding, ...]:
    """The findings that guard the plan's next step: before reprotect, or before failback.

    From reprotect until failback starts, the continuous rules are added: an on-premises VM
    powered on (FB031) or master target disks moved (FB020) must block the failover to come.
    """
    ranks = [_rank(i) for i in items]
    if all((r or 0) <= 1 for r in ranks):
        return observation.pre_reprotect
    if any(_watched_continuously(r) for r in ranks):
        return (*observation.pre_failback, *observation.continuous)
    return observation.pre_failback


def _post_failback_advice(
    conditions: list[Condition],
    items: Sequence[ItemStatus],
    observation: Observation,
    generation: int,
    now: datetime,
) -> list[Condition]:
    """Once every item runs on-premises, what to do there (FB033, FB034) as a condition."""
    if not items or not all(_failed_back(_rank(i)) for i in items):
        return conditions
    advice = [f for f in observation.post_failback if not f.passed]
    return set_condition(
        conditions,
        type=ConditionType.POST_FAILBACK_ADVICE,
        status=bool(advice),
        reason=Reason.ADVICE_GIVEN if advice else Reason.NO_ADVICE,
        message=(
            _describe_with_remedy(advice, limit=10) if advice else "nothing to do on-premises after failback"
        ),
        observed_generation=generation,
        now=now,
    )


def _condition_events(
    before: Sequence[Condition | Mapping[str, Any]], after: Sequence[Condition], *, announced: bool
) -> list[Event]:
    """One event when prerequisites stop being met without a change of step, and one per new advice."""
    parsed = [c if isinstance(c, Condition) else Condition.model_validate(c) for c in before]
    events: list[Event] = []
    was = find_condition(parsed, ConditionType.PREREQUISITES_MET)
    now_met = find_condition(after, ConditionType.PREREQUISITES_MET)
    if (
        not announced
        and now_met is not None
        and now_met.status == ConditionStatus.FALSE
        and (was is None or was.status != ConditionStatus.FALSE or was.message != now_met.message)
    ):
        events.append(
            Event(type=EventType.WARNING, reason=EventReason.PREREQUISITES_NOT_MET, message=now_met.message)
        )
    advice_was = find_condition(parsed, ConditionType.POST_FAILBACK_ADVICE)
    advice = find_condition(after, ConditionType.POST_FAILBACK_ADVICE)
    if (
        advice is not None
        and advice.status == ConditionStatus.TRUE
        and (advice_was is None or advice_was.message != advice.message)
    ):
        events.append(
            Event(
                type=EventType.NORMAL, reason=ConditionType.POST_FAILBACK_ADVICE.value, message=advice.message
            )
        )
    return events


def _master_target_disks(
    status: FailbackPlanStatus, items: Sequence[ItemStatus], observation: Observation
) -> tuple[MasterTargetDisk, ...] | None:
    """The master target's disks as reprotect left them: recorded once, dropped before a new reprotect."""
    ranks = [_rank(i) for i in items]
    if not items or any((r or 0) <= 1 for r in ranks):
        return None
    if status.master_target_disks is not None:
        return status.master_target_disks
    reprotected = all(r is not None and r >= _RANK[ItemStage.SYNCING] for r in ranks)
    if not reprotected or observation.master_target_disks is None:
        return None
    return tuple(
        MasterTargetDisk(disk=d.disk, datastore=d.datastore, file_name=d.file_name)
        for d in observation.master_target_disks
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
                        # Refusals are kept: the job may still fail with "agent not installed" (FB028).
                        "intent": item.intent.model_copy(update={"job_name": outcome.job_name}),
                    }
                )
            )
            continue
        if outcome.not_sent:
            items.append(item.model_copy(update={"intent": None}))
            events.append(
                Event(
                    type=EventType.WARNING,
                    reason=EventReason.CALL_NOT_SENT,
                    message=f"item {item.name}: {_LABEL[action.operation]} was not sent: {outcome.message}",
                )
            )
            continue
        if not outcome.refused:
            items.append(item)  # the answer was lost: the job list will tell, or the plan pauses
            continue
        error = JobError(code=outcome.code or "", message=outcome.message)
        retry = agent_refusal(item, error, now, settings) if action.operation == Operation.REPROTECT else None
        if retry is not None:
            refusals, reason = retry
            items.append(item.model_copy(update={"intent": None, "agent_refusals": refusals}))
            events.append(
                Event(
                    type=EventType.WARNING,
                    reason=EventReason.AGENT_NOT_INSTALLED,
                    message=agent_refusal_message(item.name, reason),
                )
            )
            continue
        items.append(
            item.model_copy(update={"intent": None, "last_error": _error_from(error, outcome.message, now)})
        )
        events.append(
            Event(
                type=EventType.WARNING,
                reason=EventReason.CALL_REFUSED,
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
                reason=_STARTED[action.operation],
                message=(
                    f"{_LABEL[action.operation]} of {', '.join(action.items)}{via} started as job "
                    f"{outcome.job_name}"
                ),
            )
        )
    return Decision(
        status=status.model_copy(update={"items": tuple(items)}),
        events=tuple(events),
        # A call ARM throttled is made again once ARM takes writes again, not at once.
        requeue_after=outcome.retry_after if outcome.not_sent else None,
    )


def decide_missing_reference(
    status: FailbackPlanStatus, generation: int, what: str, now: datetime
) -> Decision:
    """The plan waits, and says so, while an object it names does not exist."""
    message = f"{what} does not exist; the plan waits for it and takes no step"
    conditions = set_condition(
        status.conditions or (),
        type=ConditionType.READY,
        status=False,
        reason=Reason.NOT_FOUND,
        message=message,
        observed_generation=generation,
        now=now,
    )
    changed = status.progression != Progression.REFERENCE_NOT_FOUND
    updated = status.model_copy(
        update={
            "observed_generation": generation,
            "phase": Phase.PENDING,
            "progression": Progression.REFERENCE_NOT_FOUND,
            "message": message,
            "conditions": tuple(conditions),
        }
    )
    events = (Event(type=EventType.WARNING, reason=Progression.REFERENCE_NOT_FOUND.value, message=message),)
    return Decision(status=updated, events=events if changed else ())


def decide_look_failed(status: FailbackPlanStatus, generation: int, problem: str, now: datetime) -> Decision:
    """A look that failed says why in Ready, once per change; phase and items stay as last known.

    The plan takes no step until a look succeeds again; the shell looks again ever later.
    """
    message = _cut(
        f"looking at the plan failed: {problem}; the operator tries again with growing waits", MESSAGE_LIMIT
    )
    ready = next((c for c in status.conditions or () if c.type == ConditionType.READY), None)
    if ready is not None and ready.reason == Reason.LOOK_FAILED and ready.message == message:
        return Decision(status=status)
    conditions = set_condition(
        status.conditions or (),
        type=ConditionType.READY,
        status=ConditionStatus.FALSE,
        reason=Reason.LOOK_FAILED,
        message=message,
        observed_generation=generation,
        now=now,
    )
    return Decision(
        status=status.model_copy(update={"conditions": tuple(conditions)}),
        events=(Event(type=EventType.WARNING, reason=EventReason.LOOK_FAILED, message=message),),
    )
