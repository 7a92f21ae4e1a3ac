"""FailbackApproval status: the one writer that says whether an approval counts for its plan's current run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from failback_operator.api.resources import FailbackApprovalSpec
from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.status import FailbackApprovalStatus
from failback_operator.facts import Architecture
from failback_operator.gathering.spec_facts import approval_facts, failback_plan_facts
from failback_operator.services.approval_index import ApprovalIndex
from failback_operator.storage.kube import KubeStore, NotFoundError, StatusConflict
from failback_operator.workflow.approvals import approval_status, judge_approval

__all__ = ["ApprovalService"]

log = logging.getLogger(__name__)


def _always() -> bool:
    return True


@dataclass
class ApprovalService:
    """Judges approvals when they or their plan change; writes status only when the verdict changes."""

    store: KubeStore
    clock: Callable[[], datetime]
    may_act: Callable[[], bool] = field(default=_always)
    # The approvals kept from watch events; without it, a plan's approvals are listed.
    index: ApprovalIndex | None = None

    async def look(self, namespace: str, name: str, plan_gone: bool = False) -> None:
        """Judge one approval; `plan_gone` when its plan is being deleted (it still exists until then)."""
        if not self.may_act():
            return
        try:
            obj = await self.store.get("failbackapprovals", name, namespace)
        except NotFoundError:
            return
        spec = FailbackApprovalSpec.model_validate(obj["spec"])
        generation = int(obj["metadata"].get("generation", 1))
        try:
            if plan_gone:
                raise NotFoundError(f"FailbackPlan {namespace}/{spec.plan_ref.name} is being deleted")
            plan_obj = await self.store.get("failbackplans", spec.plan_ref.name, namespace)
        except NotFoundError:
            plan = None
        else:
            plan = failback_plan_facts(
                spec.plan_ref.name,
                namespace,
                ApiPlanSpec.model_validate(plan_obj["spec"]),
                # The architecture changes only the recovery point sent, nothing an approval depends on.
                architecture=Architecture.CLASSIC,
                generation=int(plan_obj["metadata"].get("generation", 1)),
            )
        verdict = judge_approval(approval_facts(name, namespace, spec), plan, namespace)
        current = FailbackApprovalStatus.model_validate(obj.get("status") or {})
        wanted = approval_status(current, verdict, generation, self.clock())
        if wanted == current:
            return
        try:
            await self.store.replace_status(obj, wanted.to_status())
        except (StatusConflict, NotFoundError):
            # Changed or gone meanwhile: the watch event of that change brings the next look.
            log.debug(
                "FailbackApproval %s/%s changed while judged; judged again on its event", namespace, name
            )

    async def look_for_plan(self, namespace: str, plan: str, gone: bool = False) -> None:
        """Judge every approval naming `plan` again (its run, policy or existence changed)."""
        approvals = (
            await self.index.for_plan(namespace, plan)
            if self.index is not None
            else [
                a
                for a in await self.store.list("failbackapprovals", namespace)
                if a["spec"]["planRef"]["name"] == plan
            ]
        )
        for approval in approvals:
            await self.look(namespace, approval["metadata"]["name"], plan_gone=gone)
