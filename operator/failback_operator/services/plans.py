"""One look at one FailbackPlan: gather facts, decide, write the intent, call, record, post events.

This is the only writer of a plan's status. Every write carries the resourceVersion it read, so
two writers can never both believe they recorded an intent; a conflict just means "look again".
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from failback_operator import failpoints
from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.resources import MasterTargetSpec
from failback_operator.api.status import FailbackPlanStatus
from failback_operator.api.vocabulary import EventReason, EventType, Progression
from failback_operator.azure import SiteRecovery
from failback_operator.facts import (
    Architecture,
    DiskPlacement,
    FailbackFacts,
    PlanDeclaration,
    RunApproval,
)
from failback_operator.metrics import METRICS
from failback_operator.rules.evaluate import evaluate
from failback_operator.rules.model import CheckPhase
from failback_operator.services.approval_index import ApprovalIndex
from failback_operator.services.executor import OperationContext, execute, operation_context
from failback_operator.services.failures import describe_failure
from failback_operator.services.job_details import JobDetailReader
from failback_operator.services.look_turns import LookTurns
from failback_operator.services.plan_index import PlanIndex
from failback_operator.storage.kube import KubeStore, NotFoundError, StatusConflict
from failback_operator.storage.reservations import DiskSlotLedger, NotEnoughDiskSlots
from failback_operator.workflow import (
    Decision,
    Event,
    Observation,
    PlanRequest,
    ReleaseDiskSlots,
    ReserveDiskSlots,
    StartOperation,
    WorkflowSettings,
    claims_on,
    decide,
    decide_following_call,
    decide_look_failed,
    decide_missing_reference,
    record_outcome,
)
from failback_operator.workflow.look_reuse import (
    LastDecision,
    LookInputs,
    approvals_stamp,
    last_decision,
    reusable,
)

__all__ = ["EVALUATED_PHASES", "PlanFacts", "PlanFactsSource", "PlanService"]

log = logging.getLogger(__name__)

# The phases whose checks a plan evaluates on every look. FB042 (failback) is judged on the
# failover job by the workflow itself (rules.failback.shutdown_problems), before commit.
EVALUATED_PHASES = (
    CheckPhase.PRE_REPROTECT,
    CheckPhase.PRE_FAILBACK,
    CheckPhase.CONTINUOUS,
    CheckPhase.POST_FAILBACK,
)


def _master_target_placements(facts: FailbackFacts) -> tuple[DiskPlacement, ...] | None:
    """Where the master target's disks are now, or None when vCenter did not show the VM."""
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    return vm.disk_placements if vm is not None else None


def _with_placements_at_reprotect(facts: FailbackFacts, status: FailbackPlanStatus) -> FailbackFacts:
    """The facts with the master target's disks as reprotect left them, kept in status (FB020)."""
    if status.master_target_disks is None:
        return facts
    recorded = tuple(
        DiskPlacement(disk=d.disk, datastore=d.datastore, file_name=d.file_name)
        for d in status.master_target_disks
    )
    return dataclasses.replace(facts, placements_at_reprotect=recorded)


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanFacts:
    """What one look at a plan needs from outside Kubernetes."""

    # A client for the calls this look makes; None when the vault cannot be reached or signed in to.
    site_recovery: SiteRecovery | None
    facts: FailbackFacts
    plan: PlanDeclaration
    approvals: tuple[RunApproval, ...] = ()
    # Why a side could not be read; the rules then report what they cannot check.
    problems: tuple[str, ...] = ()
    # The change stamps of the shared reads, taken before reading (None: no stamp, always gather).
    sources_stamp: Hashable | None = None


class PlanFactsSource(Protocol):
    """Reads Site Recovery and vCenter for a plan and its master target."""

    async def read(
        self,
        namespace: str,
        name: str,
        spec: ApiPlanSpec,
        generation: int,
        master_target_obj: Mapping[str, Any],
        approvals: Sequence[Mapping[str, Any]],
        *,
        fresh_configuration: bool = False,
    ) -> PlanFacts: ...


_BLOCKED = frozenset({Progression.PREREQUISITES_BLOCKED, Progression.FAILBACK_BLOCKED})


def _always() -> bool:
    return True


def _same_status(stored: Mapping[str, Any] | None, status: Mapping[str, Any]) -> bool:
    """Whether the stored status already says what `status` says (both read through the model)."""
    if not stored:
        return False
    try:
        return FailbackPlanStatus.model_validate(stored).to_status() == status
    except ValueError:  # a status written by hand or an older version: write ours over it
        return False


@dataclass
class _LookCalls:
    """What the calls of one look share, and the calls made that its next write records."""

    spec: ApiPlanSpec
    architecture: Architecture
    gathered: PlanFacts
    master_target: str
    # The master target's disk slots were reserved in this look: its calls may follow at once.
    reserved: bool = False
    made: int = 0
    # The longest Retry-After of a call ARM throttled in this look.
    wait: timedelta = timedelta(0)
    # The calls made since the plan was last written: the next write records them.
    unrecorded: list[str] = field(default_factory=list)
    _context: OperationContext | None = None

    def recorded(self) -> list[str]:
        """The calls the write just made records (for the failpoints); none are left unrecorded."""
        written, self.unrecorded = self.unrecorded, []
        return written

    def context(self) -> OperationContext:
        """The values the calls are made with, resolved at the first call, once per look."""
        if self._context is None:
            vault = self.gathered.facts.vault
            items = {i.name: i for i in (vault.protected_items if vault else ())}
            self._context = operation_context(
                self.architecture, self.spec.recovery_point, self.gathered.facts, self.gathered.plan, items
            )
        return self._context


@dataclass
class PlanService:
    """Drives plans through the state machine; the Kopf daemon calls `look` in a loop."""

    store: KubeStore
    facts_source: PlanFactsSource
    ledger: DiskSlotLedger
    clock: Callable[[], datetime]
    settings: WorkflowSettings = field(default_factory=WorkflowSettings)
    # Whether this replica holds the operator's Lease now; asked before each look and each call,
    # so that a leader that was paused past its lease's term takes no step when it resumes.
    may_act: Callable[[], bool] = field(default=_always)
    # Job GETs by name for the jobs a plan must judge (a job list has no tasks or errors).
    job_details: JobDetailReader = field(default_factory=JobDetailReader)
    # The plans kept from watch events; without it, each look lists every plan (tests, tools).
    index: PlanIndex | None = None
    # The approvals kept from watch events; without it, each look lists its namespace's approvals.
    approval_index: ApprovalIndex | None = None
    # The change stamps of the shared reads of a vault and a vCenter (by their names), from memory;
    # with it, a look whose inputs did not change since the last decision stands on that decision.
    change_stamp: Callable[[str, str], Hashable | None] | None = None
    # Looks that stood on the last decision (no gather, no evaluation), for tests and the benchmark.
    skipped_looks: int = 0
    # Looks that gather and decide at the same time: a thousand plans started together would
    # otherwise each hold their reads in memory at once while the two cores work through them.
    concurrent_looks: int = 16
    # Calls one look makes one after another (each with its own intent and record) before it
    # leaves the rest to the next look, so that one large group does not hold a look's turn long.
    calls_per_look: int = 30
    _last: dict[tuple[str, str], LastDecision] = field(default_factory=dict)
    _turns: LookTurns | None = field(default=None, init=False, repr=False)
    # Plans looked at since the operator started: a plan's first look goes before others' later ones.
    _looked: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)

    def forget(self, namespace: str, name: str) -> None:
        """The plan is gone: drop its last decision."""
        self._last.pop((namespace, name), None)
        self._looked.discard((namespace, name))

    async def look(self, namespace: str, name: str, still_wanted: Callable[[], bool] = _always) -> timedelta:
        """Bring one plan a step further; returns when to look again.

        `still_wanted` is asked between a look's calls: False (the operator is stopping, the plan's
        daemon too) leaves the rest to the next look.
        """
        if self._turns is None:
            self._turns = LookTurns(self.concurrent_looks)
        key = (namespace, name)
        # The plan is read once its turn comes, so the read is fresh.
        async with self._turns.turn(first=key not in self._looked):
            # Remembered as its turn starts, so that a deletion handled during the look forgets it.
            self._looked.add(key)
            return await self._look_now(namespace, name, still_wanted)

    async def _look_now(self, namespace: str, name: str, still_wanted: Callable[[], bool]) -> timedelta:
        if not self.may_act():
            return timedelta(seconds=1)
        try:
            obj = await self.store.get("failbackplans", name, namespace)
        except NotFoundError:
            self.forget(namespace, name)  # deleted before its turn came
            return self.settings.idle_poll
        try:
            return await self._look(obj, still_wanted)
        except StatusConflict:
            # Someone wrote the plan meanwhile (a spec change, another look): read it again soon.
            return timedelta(seconds=1)
        except Exception as error:
            await self._tell_failure(obj, error)
            raise  # the daemon's loop backs off

    async def _tell_failure(self, obj: dict[str, Any], error: Exception) -> None:
        """Say in the plan's Ready condition why the look failed, once per change of reason."""
        try:
            status = FailbackPlanStatus.model_validate(obj.get("status") or {})
            generation = int(obj["metadata"].get("generation", 1))
            decision = decide_look_failed(status, generation, describe_failure(error), self.clock())
            if decision.events:
                await self._write(obj, decision)
        except Exception as unwritten:  # the API server itself may be what failed
            log.debug("could not say in status why the look failed: %s", describe_failure(unwritten))

    async def _look(self, obj: dict[str, Any], still_wanted: Callable[[], bool] = _always) -> timedelta:
        meta = obj["metadata"]
        namespace, name, generation = meta["namespace"], meta["name"], int(meta.get("generation", 1))
        spec = ApiPlanSpec.model_validate(obj["spec"])
        status = FailbackPlanStatus.model_validate(obj.get("status") or {})
        master_target_name = spec.master_target_ref.name
        try:
            master_target_obj = await self.store.get("mastertargets", master_target_name)
        except NotFoundError:
            await self._write(
                obj,
                decide_missing_reference(
                    status, generation, f"MasterTarget {master_target_name}", self.clock()
                ),
            )
            return self.settings.idle_poll
        master_target = MasterTargetSpec.model_validate(master_target_obj["spec"])
        approval_objs = await self._approvals(namespace, name)
        others = await self.index.naming(obj) if self.index else await self.store.list("failbackplans")
        claimed_by = claims_on(others, obj)
        inputs = LookInputs(
            plan_version=str(meta.get("resourceVersion", "")),
            master_target_version=str(master_target_obj["metadata"].get("resourceVersion", "")),
            approvals=approvals_stamp(approval_objs),
            claims=tuple(sorted(claimed_by.items())),
            sources=(
                self.change_stamp(spec.vault_ref.name, master_target.v_center_ref.name)
                if self.change_stamp is not None
                else None
            ),
        )
        key = (namespace, name)
        left = reusable(self._last.get(key), inputs, self.clock())
        if left is not None:
            self.skipped_looks += 1
            return left
        self._last.pop(key, None)  # a look that fails leaves nothing to stand on
        gathered = await self.facts_source.read(
            namespace,
            name,
            spec,
            generation,
            master_target_obj,
            approval_objs,
            # A plan blocked by what it was told to fix (a recovery plan's machines, a policy) sees
            # the fix at its own pace, not the configuration's slow period.
            fresh_configuration=status.progression in _BLOCKED,
        )
        inputs = dataclasses.replace(inputs, sources=gathered.sources_stamp)
        try:
            return await self._decide_and_act(
                obj,
                spec,
                status,
                generation,
                master_target_obj,
                master_target,
                gathered,
                claimed_by,
                inputs,
                still_wanted,
            )
        finally:
            if gathered.site_recovery is not None:
                await gathered.site_recovery.close()

    async def _approvals(self, namespace: str, name: str) -> list[Mapping[str, Any]]:
        """The plan's approvals, from the index when there is one."""
        if self.approval_index is not None:
            return await self.approval_index.for_plan(namespace, name)
        return [
            a
            for a in await self.store.list("failbackapprovals", namespace)
            if a["spec"]["planRef"]["name"] == name
        ]

    async def _decide_and_act(
        self,
        obj: dict[str, Any],
        spec: ApiPlanSpec,
        status: FailbackPlanStatus,
        generation: int,
        master_target_obj: Mapping[str, Any],
        master_target: MasterTargetSpec,
        gathered: PlanFacts,
        claimed_by: Mapping[str, str],
        inputs: LookInputs | None = None,
        still_wanted: Callable[[], bool] = _always,
    ) -> timedelta:
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        master_target_name = master_target_obj["metadata"]["name"]
        job_reads_before = self.job_details.reads
        if gathered.site_recovery is not None and gathered.facts.vault is not None:
            vault_with_details = await self.job_details.read_for(
                gathered.site_recovery,
                gathered.facts.vault,
                status.items or (),
                {item: group.recovery_plan for group in gathered.plan.groups for item in group.items},
            )
            gathered = dataclasses.replace(
                gathered, facts=dataclasses.replace(gathered.facts, vault=vault_with_details)
            )
        now = self.clock()
        architecture = Architecture(master_target.architecture.value)
        request = PlanRequest(
            plan=gathered.plan,
            action=spec.action,
            commit=spec.commit,
            after_commit=spec.after_commit,
            architecture=architecture,
            generation=generation,
            run=spec.run,
        )
        facts = _with_placements_at_reprotect(gathered.facts, status)
        # Every phase's rules on every look; the workflow reads those the plan's stage calls for. The
        # operator's tunables, as the master target reconciler judges with them.
        findings = {phase: evaluate(facts, phase, now, self.settings.rules) for phase in EVALUATED_PHASES}
        observation = Observation(
            vault=gathered.facts.vault,
            pre_reprotect=findings[CheckPhase.PRE_REPROTECT],
            pre_failback=findings[CheckPhase.PRE_FAILBACK],
            continuous=findings[CheckPhase.CONTINUOUS],
            post_failback=findings[CheckPhase.POST_FAILBACK],
            master_target_disks=_master_target_placements(gathered.facts),
            approvals=gathered.approvals,
            claimed_by=claimed_by,
            disk_slots_reserved=self.ledger.holds(master_target_obj, namespace, name),
            unreadable=gathered.problems,
        )
        decision = decide(request, status, observation, now, self.settings)
        log.debug(
            "plan %s/%s: %s/%s, %d action(s), next look in %s",
            namespace,
            name,
            decision.status.phase,
            decision.status.progression,
            len(decision.actions),
            decision.requeue_after,
        )
        calls = _LookCalls(
            spec=spec, architecture=architecture, gathered=gathered, master_target=master_target_name
        )
        obj = await self._write_intent(obj, decision, calls)
        while True:
            status, go_on = await self._act(obj, decision, calls)
            # Calls held back by "one intent at a time" follow at once, each with its own intent,
            # on this look's observation: a group of 25 machines is not 25 looks, and the first
            # reprotect follows the reservation of the master target's disk slots.
            following = None
            if go_on and calls.made < self.calls_per_look and self.may_act() and still_wanted():
                if calls.reserved:
                    observation = dataclasses.replace(observation, disk_slots_reserved=True)
                following = decide_following_call(request, status, observation, now, self.settings)
            if following is None:
                if calls.unrecorded:
                    obj = await self._write(obj, Decision(status=status), post=False)
                    failpoints.reach("after-record", calls.recorded())
                break
            # One write records the call just made and holds the next one's intent.
            obj = await self._write_intent(obj, following, calls)
            decision = following
        # timedelta(0) means "look again at once": it is falsy, so `or` would turn it into the idle wait.
        delay = self.settings.idle_poll if decision.requeue_after is None else decision.requeue_after
        if calls.wait:
            delay = calls.wait  # a call ARM throttled is made again after its Retry-After
        if inputs is not None:
            # Stood on until its next look, at the plan's version as this look left it. A look that
            # read jobs by name learned something the shared reads' stamps do not count.
            last = last_decision(
                dataclasses.replace(inputs, plan_version=str(obj["metadata"].get("resourceVersion", ""))),
                decision,
                delay,
                now,
                complete=not gathered.problems and self.job_details.reads == job_reads_before,
            )
            if last is not None:
                self._last[(namespace, name)] = last
        return delay

    async def _write_intent(
        self, obj: dict[str, Any], decision: Decision, calls: _LookCalls
    ) -> dict[str, Any]:
        """Write the decision's status: its call's intent, and the record of the call made before it."""
        starting = [a.operation.value for a in decision.actions if isinstance(a, StartOperation)]
        failpoints.reach("before-intent", starting)
        obj = await self._write(obj, decision, post=False)
        if calls.unrecorded:
            failpoints.reach("after-record", calls.recorded())
        failpoints.reach("after-intent", starting)
        return obj

    async def _act(
        self, obj: dict[str, Any], decision: Decision, calls: _LookCalls
    ) -> tuple[FailbackPlanStatus, bool]:
        """Take the decision's actions, its intent written; the status with each call's outcome.

        Nothing but the call stands between the intent and the call, so that a kill in that window
        is as short as it can be. The look's Events follow the call, before its record is written:
        they are true even if a write to the plan refuses the record (the next look adopts the job).
        Says too whether a held-back call may follow in this look: only after a call answered with a
        job, or the disk slots reserved.
        """
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        spec, gathered = calls.spec, calls.gathered
        events: list[Event] = list(decision.events)
        status = decision.status
        go_on = False
        for action in decision.actions:
            go_on = False
            if isinstance(action, ReserveDiskSlots):
                try:
                    await self.ledger.reserve(
                        calls.master_target, namespace, name, spec.run, action.disks_by_item
                    )
                    calls.reserved = go_on = True
                except NotEnoughDiskSlots as refused:
                    # FB027 blocks the plan through the rules on the next look; say why now.
                    events.append(
                        Event(
                            type=EventType.WARNING, reason=EventReason.DISK_SLOTS_FULL, message=str(refused)
                        )
                    )
                continue
            if isinstance(action, ReleaseDiskSlots):
                await self.ledger.release(calls.master_target, namespace, name)
                continue
            if gathered.site_recovery is None:
                continue  # the intent stays without a job: the next look resolves or pauses it
            if not self.may_act():
                continue  # the lease was lost since the intent: the next leader resolves or pauses it
            outcome = await execute(gathered.site_recovery, action, calls.context())
            calls.made += 1
            calls.unrecorded.append(action.operation.value)
            failpoints.reach("after-post", [action.operation.value])
            recorded = record_outcome(status, action, outcome, self.clock(), self.settings)
            if recorded.requeue_after is not None:
                calls.wait = max(calls.wait, recorded.requeue_after)
            status = recorded.status
            events.extend(recorded.events)
            go_on = outcome.job_name is not None
        await self._post(obj, events)
        return status, go_on

    async def _write(self, obj: dict[str, Any], decision: Decision, post: bool = True) -> dict[str, Any]:
        """Write the decision's status with the read resourceVersion, then post its events (if `post`).

        A status equal to the stored one is not written again (a plan in sync costs no write per
        look), unless the decision starts a call: its intent is always written first.
        """
        status = decision.status.to_status()
        starts_a_call = any(isinstance(a, StartOperation) for a in decision.actions)
        if starts_a_call or not _same_status(obj.get("status"), status):
            obj = await self.store.replace_status(obj, status)
        METRICS.observe_plan(obj["metadata"]["namespace"], obj["metadata"]["name"], status)
        if post:
            await self._post(obj, decision.events)
        return obj

    async def _post(self, obj: Mapping[str, Any], events: Sequence[Event]) -> None:
        for event in events:
            try:
                await self.store.post_event(
                    obj, type=event.type.value, reason=event.reason, message=event.message
                )
            except Exception:  # an event is advice; losing one must not stop the plan
                log.warning(
                    "could not post event %s on %s", event.reason, obj["metadata"]["name"], exc_info=True
                )
