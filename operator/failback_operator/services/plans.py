"""One look at one FailbackPlan: gather facts, decide, write the intent, call, record, post events.

This is the only writer of a plan's status. Every write carries the resourceVersion it read, so
two writers can never both believe they recorded an intent; a conflict just means "look again".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from failback_operator import failpoints
from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.resources import MasterTargetSpec
from failback_operator.api.status import FailbackPlanStatus
from failback_operator.api.vocabulary import EventType
from failback_operator.azure.site_recovery import SiteRecovery
from failback_operator.facts import Approval, Architecture, FailbackPlanSpec, ProtectedItem
from failback_operator.rules.evaluate import evaluate
from failback_operator.rules.inputs import FailbackFacts
from failback_operator.rules.model import Phase as RulePhase
from failback_operator.rules.reprotect_input import resolve_reprotect_values
from failback_operator.services.executor import OperationContext, execute
from failback_operator.services.kube import KubeStore, NotFoundError, StatusConflict
from failback_operator.services.plan_index import PlanIndex
from failback_operator.services.reservations import DiskSlotLedger, NotEnoughDiskSlots
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
    decide_missing_reference,
    record_outcome,
)

__all__ = ["PlanFacts", "PlanFactsSource", "PlanService"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanFacts:
    """What one look at a plan needs from outside Kubernetes."""

    # A client for the calls this look makes; None when the vault cannot be reached or signed in to.
    site_recovery: SiteRecovery | None
    facts: FailbackFacts
    plan: FailbackPlanSpec
    approvals: tuple[Approval, ...] = ()
    # Why a side could not be read; the rules then report what they cannot check.
    problems: tuple[str, ...] = ()


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
    ) -> PlanFacts: ...


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
    # The plans kept from watch events; without it, each look lists every plan (tests, tools).
    index: PlanIndex | None = None

    async def look(self, namespace: str, name: str) -> timedelta:
        """Bring one plan a step further; returns when to look again."""
        if not self.may_act():
            return timedelta(seconds=1)
        try:
            obj = await self.store.get("failbackplans", name, namespace)
        except NotFoundError:
            return self.settings.idle_poll
        try:
            return await self._look(obj)
        except StatusConflict:
            # Someone wrote the plan meanwhile (a spec change, another look): read it again soon.
            return timedelta(seconds=1)

    async def _look(self, obj: dict[str, Any]) -> timedelta:
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
        approval_objs = [
            a
            for a in await self.store.list("failbackapprovals", namespace)
            if a["spec"]["planRef"]["name"] == name
        ]
        others = await self.index.naming(obj) if self.index else await self.store.list("failbackplans")
        claimed_by = claims_on(others, obj)
        gathered = await self.facts_source.read(
            namespace, name, spec, generation, master_target_obj, approval_objs
        )
        try:
            return await self._decide_and_act(
                obj, spec, status, generation, master_target_obj, master_target, gathered, claimed_by
            )
        finally:
            if gathered.site_recovery is not None:
                await gathered.site_recovery.close()

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
    ) -> timedelta:
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        master_target_name = master_target_obj["metadata"]["name"]
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
        observation = Observation(
            vault=gathered.facts.vault,
            # The operator's tunables, as the master target reconciler judges with them.
            pre_reprotect=evaluate(gathered.facts, RulePhase.PRE_REPROTECT, now, self.settings.rules),
            pre_failback=evaluate(gathered.facts, RulePhase.PRE_FAILBACK, now, self.settings.rules),
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
        starting = [a.operation.value for a in decision.actions if isinstance(a, StartOperation)]
        failpoints.reach("before-intent", starting)
        obj = await self._write(obj, decision)
        failpoints.reach("after-intent", starting)
        status = decision.status
        vault = gathered.facts.vault
        items = {i.name: i for i in (vault.protected_items if vault else ())}
        for action in decision.actions:
            if isinstance(action, ReserveDiskSlots):
                try:
                    await self.ledger.reserve(
                        master_target_name, namespace, name, spec.run, action.disks_by_item
                    )
                except NotEnoughDiskSlots as refused:
                    # FB027 blocks the plan through the rules on the next look; say why now.
                    await self._post(
                        obj, (Event(type=EventType.WARNING, reason="DiskSlotsFull", message=str(refused)),)
                    )
                continue
            if isinstance(action, ReleaseDiskSlots):
                await self.ledger.release(master_target_name, namespace, name)
                continue
            if gathered.site_recovery is None:
                continue  # the intent stays without a job: the next look resolves or pauses it
            if not self.may_act():
                continue  # the lease was lost since the intent: the next leader resolves or pauses it
            outcome = await execute(
                gathered.site_recovery,
                action,
                self._context(architecture, spec, gathered.facts, gathered.plan, items),
            )
            failpoints.reach("after-post", [action.operation.value])
            recorded = record_outcome(status, action, outcome, self.clock(), self.settings)
            status = recorded.status
            obj = await self._write(obj, recorded)
            failpoints.reach("after-record", [action.operation.value])
        # timedelta(0) means "look again at once": it is falsy, so `or` would turn it into the idle wait.
        return self.settings.idle_poll if decision.requeue_after is None else decision.requeue_after

    def _context(
        self,
        architecture: Architecture,
        spec: ApiPlanSpec,
        facts: FailbackFacts,
        plan: FailbackPlanSpec,
        items: Mapping[str, ProtectedItem],
    ) -> OperationContext:
        return OperationContext(
            architecture=architecture,
            recovery_point=spec.recovery_point,
            reprotect_values=resolve_reprotect_values(facts, plan),
            items=items,
        )

    async def _write(self, obj: dict[str, Any], decision: Decision) -> dict[str, Any]:
        """Write the decision's status with the read resourceVersion, then post its events.

        A status equal to the stored one is not written again (a plan in sync costs no write per
        look), unless the decision starts a call: its intent is always written first.
        """
        status = decision.status.to_status()
        starts_a_call = any(isinstance(a, StartOperation) for a in decision.actions)
        if starts_a_call or not _same_status(obj.get("status"), status):
            obj = await self.store.replace_status(obj, status)
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
