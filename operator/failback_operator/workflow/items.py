"""One item's status brought up to date with Site Recovery: its stage, its intent, its job, its error."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from failback_operator.api.conditions import format_time
from failback_operator.api.resources import OsType
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
    EventReason,
    ItemStage,
    JobState,
    Operation,
    Phase,
    Progression,
)
from failback_operator.facts import Architecture, Job, JobError, JobIndex, ProtectedItem
from failback_operator.rules.agent_window import AgentRetryAction, agent_not_installed_decision
from failback_operator.rules.failback import machine_tasks, shutdown_problems
from failback_operator.rules.job_errors import AGENT_NOT_INSTALLED, explain_job_error
from failback_operator.workflow.inputs import WorkflowSettings
from failback_operator.workflow.progress import (
    _HOME_AND_PROTECTED,
    _JOB_SCENARIOS,
    _LABEL,
    _RANK,
    CHANGED_OUTSIDE_PLAN,
    ERROR_TEXT_LIMIT,
    _cut,
    _effect_rank_reached,
    _Issue,
)
from failback_operator.workflow.stages import allowed_transition, item_stage


def agent_refusal(
    item: ItemStatus, error: JobError, now: datetime, settings: WorkflowSettings
) -> tuple[AgentRefusals, str] | None:
    """The item's next FB028 retry when `error` is "agent not installed" and its window is open, else None.

    The window runs from the item's failover (when its VM booted in Azure), or from the first
    refusal where Site Recovery does not give the failover time.
    """
    if explain_job_error(error) is not AGENT_NOT_INSTALLED:
        return None
    previous = item.agent_refusals
    count = previous.count + 1 if previous else 1
    first = previous.first_at if previous else now
    verdict = agent_not_installed_decision(
        booted_at=item.failed_over_at,
        first_failure_at=first,
        attempts=count,
        now=now,
        config=settings.rules,
        agent_registered=item.agent_registered,
    )
    if verdict.action is not AgentRetryAction.RETRY or verdict.retry_at is None:
        return None
    return AgentRefusals(count=count, first_at=first, next_attempt_at=verdict.retry_at), verdict.reason


def agent_refusal_message(item_name: str, reason: str) -> str:
    """The Event's message for an FB028 refusal, the same whether the POST or the job said it."""
    return f"item {item_name}: {reason} (FB028)"


def _status_item(status: FailbackPlanStatus, name: str) -> ItemStatus | None:
    return next((i for i in status.items or () if i.name == name), None)


# --- items -----------------------------------------------------------------------------------


def _job_ref(job: Job) -> SiteRecoveryJob:
    return SiteRecoveryJob(
        name=job.id,
        operation=job.scenario,
        state=JobState(job.state) if job.state in set(JobState) else None,
        start_time=job.start,
        end_time=job.end,
    )


def _target_names(item: ItemStatus, fact: ProtectedItem | None, recovery_plan: str | None) -> set[str]:
    names = {item.name, item.protected_item_id, recovery_plan}
    if fact is not None:
        names |= {fact.name, fact.friendly_name, fact.id}
    return {n for n in names if n}


def _job_targets(job: Job, item: ItemStatus, fact: ProtectedItem | None, recovery_plan: str | None) -> bool:
    folded = {n.casefold() for n in _target_names(item, fact, recovery_plan)}
    candidates = {job.target_object_id, job.target_object_name}
    return any(c is not None and c.casefold() in folded for c in candidates)


def _targets_plan(job: Job, recovery_plan: str) -> bool:
    """A recovery plan's own job, not one of its per-machine child jobs (which target the machine)."""
    return (job.target_object_name or "").casefold() == recovery_plan.casefold() or (
        job.target_instance_type == "RecoveryPlan" and job.target_object_id == recovery_plan
    )


def _find_job(
    jobs: JobIndex,
    intent: ItemIntent,
    item: ItemStatus,
    fact: ProtectedItem | None,
    skew: timedelta,
) -> Job | None:
    """The job a call with this intent started, if Site Recovery lists one (newest first).

    A call through a recovery plan started the plan's job: the per-machine child jobs it runs act
    on the same machines with the same scenario, and a list does not tell them apart otherwise.
    The job the item's status already names is an earlier call's, judged before this one was made
    (a retry seconds after a failed job would otherwise take that job, within the clock skew).
    """
    since = intent.time - skew
    earlier = item.current_job.name if item.current_job is not None else None
    candidates = (
        jobs.acting_on([intent.recovery_plan])
        if intent.recovery_plan
        else jobs.acting_on(_target_names(item, fact, None))
    )
    matches = [
        job
        for job in candidates
        if job.id not in jobs.children
        and job.id != earlier
        and job.scenario in _JOB_SCENARIOS[intent.operation]
        and (job.start is None or job.start >= since)
        and (
            _targets_plan(job, intent.recovery_plan)
            if intent.recovery_plan
            else _job_targets(job, item, fact, None)
        )
    ]
    matches.sort(key=lambda j: j.start.timestamp() if j.start else 0.0, reverse=True)
    return matches[0] if matches else None


def _failover_job_still_to_be_listed(
    intent: ItemIntent, shutdown_confirmed: bool | None, now: datetime, settings: WorkflowSettings
) -> bool:
    """A failover's effect shows on the item before a jobs list read apart lists its job.

    Commit needs that job's shut-down task (FB042): wait for the list a while (within the intent
    grace) instead of taking an unlisted job for an unconfirmed shut-down.
    """
    return (
        intent.operation == Operation.FAILOVER
        and shutdown_confirmed is None
        and now - intent.time <= settings.intent_grace
    )


def _last_failover_job(
    jobs: JobIndex, item: ItemStatus, fact: ProtectedItem | None, recovery_plan: str | None
) -> Job | None:
    found = [
        j
        for j in jobs.acting_on(_target_names(item, fact, recovery_plan))
        if j.scenario in _JOB_SCENARIOS[Operation.FAILOVER]
        and j.state == "Succeeded"
        and j.id not in jobs.children
        and _job_targets(j, item, fact, recovery_plan)
    ]
    if recovery_plan is not None and any(_targets_plan(j, recovery_plan) for j in found):
        # The group failed back through its plan: its child jobs are not failovers of their own.
        found = [j for j in found if _targets_plan(j, recovery_plan)]
    found.sort(key=lambda j: j.start.timestamp() if j.start else 0.0, reverse=True)
    return found[0] if found else None


def needs_details(job: Job, operation: Operation) -> bool:
    """Whether an ended job can only be judged from its GET by name: a failover's tasks (FB042),
    a failure's error codes. A job list shows neither."""
    if not job.finished or job.detailed or job.tasks or job.errors:
        return False
    return job.state != "Succeeded" or operation == Operation.FAILOVER


def _job_error(job: Job, jobs_by_id: Mapping[str, Job], machines: Collection[str]) -> JobError | None:
    """The error a failed job reports for this item.

    A recovery-plan job keeps a machine's error in that machine's child job: the item's own failed
    child job first, else the first failed child job of another machine of the plan.
    """
    errors = list(job.errors) or [e for task in job.all_tasks() for e in task.errors]
    if errors:
        return errors[0]
    failed = [t for t in job.all_tasks() if t.child_job_id and t.state == "Failed"]
    own = {t.child_job_id for t in machine_tasks(job, machines)}
    failed.sort(key=lambda t: t.child_job_id not in own)
    for task in failed:
        child = jobs_by_id.get(task.child_job_id or "")
        if child is None:
            continue
        found = list(child.errors) or [e for t in child.all_tasks() for e in t.errors]
        if found:
            if task.child_job_id in own:
                return found[0]
            machine = task.target_object_name or task.friendly_name
            return dataclasses.replace(
                found[0], message=f"on {machine}, in the same recovery plan job: {found[0].message}"
            )
    return None


def _error_from(error: JobError | None, fallback: str, now: datetime) -> ItemError:
    known = explain_job_error(error) if error is not None else None
    message = (
        f"{known.meaning}: {error.message}" if known and error else (error.message if error else fallback)
    )
    return ItemError(
        rule_id=known.rule if known else None,
        code=(error.code or "")[:64] or None if error else None,
        message=_cut(message, ERROR_TEXT_LIMIT),
        remedy=_cut(known.remedy, ERROR_TEXT_LIMIT) if known and known.remedy else None,
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
            # FB028 counts the agent's window from the failover, and reads whether it registered.
            "failed_over_at": fact.last_successful_failover or previous.failed_over_at,
            "agent_registered": fact.agent_registered_after_failover,
            "instance_type": fact.instance_type,
            "protection_state": fact.protection_state,
            "replication_health": fact.replication_health,
            "allowed_operations": fact.allowed_operations,
        }
    )


# Recorded for a classic item whose failover failed ("Failover couldn't be completed").
_FAILOVER_NOT_COMPLETED = frozenset({"UnplannedFailoverCompletionFailed"})


def _failover_not_completed(fact: ProtectedItem) -> JobError:
    """The item's 78037 health error as an error to explain (its words when Site Recovery gives them)."""
    found = next((e for e in fact.health_errors if e.code == "78037"), None)
    return JobError(
        code="78037",
        message=(found.message if found and found.message else "The failover of the source machine failed.")
        + f" (protection state {fact.protection_state})",
    )


def _failover_outcome_pending(
    intent: ItemIntent | None, jobs_by_id: Mapping[str, Job], now: datetime, settings: WorkflowSettings
) -> bool:
    """Whether the failover job's own outcome is still to be read, which says more than the item's state.

    Items and jobs are read apart: the item may show the failed failover before its job is listed
    as ended, read by name, or (recovery plan) found through its tracking id. A listed job is
    waited for until judged; a job not listed yet only within the intent's grace.
    """
    if intent is None or intent.operation != Operation.FAILOVER:
        return False
    job = jobs_by_id.get(intent.job_name) if intent.job_name is not None else None
    if job is not None:
        return not job.finished or needs_details(job, intent.operation)
    return now - intent.time <= settings.intent_grace


def _sync_progress(fact: ProtectedItem | None) -> int | None:
    """Site Recovery's progress, kept within 0-100 whatever it reports."""
    if fact is None or fact.sync_progress_percent is None:
        return None
    return max(0, min(100, fact.sync_progress_percent))


def _refresh_item(
    previous: ItemStatus,
    fact: ProtectedItem | None,
    jobs: JobIndex,
    architecture: Architecture,
    now: datetime,
    settings: WorkflowSettings,
    recovery_plan: str | None = None,
    tracked: Mapping[str, str] | None = None,
) -> tuple[ItemStatus, list[_Issue]]:
    """Bring one item's status up to date with Site Recovery; report what stops the plan.

    `tracked` maps a tracking id a recovery-plan call answered with to the job it led to: the
    intent then records the real job's name.
    """
    issues: list[_Issue] = []
    stage = item_stage(fact, architecture)
    item = _kept_facts(previous, fact) if fact is not None else previous
    # A failover that did not complete leaves the item in a state of its own, with health error 78037.
    failover_failed = fact is not None and fact.protection_state in _FAILOVER_NOT_COMPLETED
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
        and not failover_failed  # the plan's own failover failed: said below with its rule
    )
    intent = item.intent
    current_job = item.current_job
    last_error = item.last_error
    # Refusals of reprotect (FB028) matter only while the item waits to be reprotected.
    agent_refusals = item.agent_refusals if stage == ItemStage.FAILED_OVER_TO_AZURE else None
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
    jobs_by_id = jobs.by_id
    machines = {
        n for n in (item.name, fact.name if fact else None, fact.friendly_name if fact else None) if n
    }
    if intent is not None and intent.job_name is not None and tracked and intent.job_name in tracked:
        intent = intent.model_copy(update={"job_name": tracked[intent.job_name]})
    if intent is not None and intent.job_name is None:
        adopted = _find_job(jobs, intent, item, fact, settings.clock_skew)
        if adopted is not None:
            intent = intent.model_copy(update={"job_name": adopted.id})
    if intent is not None and intent.job_name is not None:
        job = jobs_by_id.get(intent.job_name)
        if job is not None and needs_details(job, intent.operation):
            # A list entry has no tasks or errors: judge the job once it has been read by name.
            current_job = _job_ref(job)
        elif job is not None:
            current_job = _job_ref(job)
            if job.state == "Succeeded":
                if intent.operation == Operation.FAILOVER:
                    shutdown_confirmed = not shutdown_problems(job, machines)
                # Jobs and items are read apart: until the item shows the job's effect, the intent
                # stays, or the next step would call again on an item list that lags behind.
                if _effect_rank_reached(intent.operation, stage):
                    intent = None
            elif job.state in {"Failed", "Cancelled", "Suspended"}:
                error = _job_error(job, jobs_by_id, machines)
                refusals = (
                    agent_refusal(item, error, now, settings)
                    if intent.operation == Operation.REPROTECT and error is not None
                    else None
                )
                if refusals is not None:
                    # FB028: "agent not installed" as a failed job is the same refusal as at the POST,
                    # told by the same Event (this look is the only one that sees the job end).
                    agent_refusals, reason = refusals
                    issues.append(
                        _Issue(
                            phase=Phase.REPROTECTING,
                            progression=Progression.WAITING_FOR_AGENT,
                            message=agent_refusal_message(item.name, reason),
                            stops=False,
                            reason=EventReason.AGENT_NOT_INSTALLED,
                        )
                    )
                else:
                    last_error = _error_from(
                        error,
                        f"{job.name or job.scenario} job {job.id} ended {job.state} without an error code",
                        now,
                    )
                intent = None
        elif _effect_rank_reached(intent.operation, stage) and not _failover_job_still_to_be_listed(
            intent, shutdown_confirmed, now, settings
        ):
            intent = None  # done; the job has aged out of the recent-jobs list
    elif intent is not None:
        if _effect_rank_reached(intent.operation, stage):
            intent = None
        elif now - intent.time > settings.intent_grace and _took_no_effect(intent.operation, fact):
            issues.append(
                _Issue(
                    phase=Phase.PAUSED,
                    progression=Progression.INTENT_UNRESOLVED,
                    message=(
                        f"item {item.name}: {_LABEL[intent.operation]} (attempt {intent.attempt}, "
                        f"{format_time(intent.time)}) took no effect: no job for it is listed, and the item "
                        f"is still {stage}, idle, with the call offered; calling again"
                    ),
                    stops=False,
                )
            )
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
    if (
        failover_failed
        and fact is not None
        and not _failover_outcome_pending(intent, jobs_by_id, now, settings)
    ):
        if intent is not None and intent.operation == Operation.FAILOVER:
            intent = None  # it took effect and failed: nothing to adopt, nothing to call again
        if last_error is None or (last_error.rule_id is None and last_error.code != CHANGED_OUTSIDE_PLAN):
            # A known error of the job says more; without one (an error this operator does not
            # know, the job aged out of the list, a new run) the item's state tells, with its rule:
            # never wait for a failover that is over.
            explained = _error_from(_failover_not_completed(fact), "", now)
            if last_error is not None:
                job_said = f"{last_error.code or ''} {last_error.message}".strip()
                said = f"{explained.message}; the failover job said: {job_said}"
                explained = explained.model_copy(update={"message": _cut(said, ERROR_TEXT_LIMIT)})
            last_error = explained
    if stage == ItemStage.FAILED_BACK and shutdown_confirmed is None:
        job = _last_failover_job(jobs, item, fact, recovery_plan)
        if job is not None and (job.detailed or job.tasks):
            shutdown_confirmed = not shutdown_problems(job, machines)
    item = item.model_copy(
        update={
            "stage": stage,
            "sync_progress_percent": _sync_progress(fact) if stage == ItemStage.SYNCING else None,
            "intent": intent,
            "current_job": current_job,
            "last_error": last_error,
            "agent_refusals": agent_refusals,
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


# What Site Recovery offers in allowedOperations for each call, while the call has not been made.
_OFFERED: dict[Operation, frozenset[str]] = {
    Operation.REPROTECT: frozenset({"SwitchProtection"}),
    Operation.REPROTECT_TO_AZURE: frozenset({"SwitchProtection"}),
    Operation.FAILOVER: frozenset({"PlannedFailover", "UnplannedFailover"}),
    Operation.COMMIT: frozenset({"Commit"}),
    Operation.CANCEL: frozenset({"CancelFailover"}),
}


def _took_no_effect(operation: Operation, fact: ProtectedItem | None) -> bool:
    """Whether Site Recovery tells that a call never took effect: the item idle, the call still offered.

    Site Recovery shows a job on the item (`currentScenario`) and withdraws the operation from
    `allowedOperations` as soon as it accepts a call; with neither, past the grace in which the
    job list would have named the job, the call (lost, answered 5xx, or never made) did nothing.
    """
    if fact is None or fact.current_scenario is not None:
        return False
    return bool(_OFFERED[operation] & set(fact.allowed_operations))


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


def _for_new_run(item: ItemStatus) -> ItemStatus:
    """A new spec.run retries: errors, refusals and unresolved intents of the last run are cleared."""
    intent = item.intent if item.intent is not None and item.intent.job_name is not None else None
    return item.model_copy(update={"last_error": None, "agent_refusals": None, "intent": intent})
