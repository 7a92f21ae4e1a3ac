"""A plan and its master target standing at a stage of a failback, for the plan service's unit tests."""

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.vocabulary import Operation
from failback_operator.facts import (
    Architecture,
    FailbackFacts,
    Job,
    MasterTargetDeclaration,
    ProtectedItem,
    RunApproval,
    VaultFacts,
)
from failback_operator.gathering import failback_plan_facts
from failback_operator.rules.model import CheckPhase
from failback_operator.services.plans import PlanFacts

from ..workflow.world import item, job, shutdown_tasks

REPO = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)  # inside the example plan's downtime window
NAMESPACE, PLAN = "team-apps", "windows-apps"
ITEMS = ("V2A-W2K16-201-new", "V2A-W2K16-202-new")
RECOVERY_PLAN = "PwsTestRP-web"
RUN = "2026-11-28"


@dataclasses.dataclass(frozen=True)
class Stage:
    """Where a plan's items stand, the action asked, and the call the rules of a phase guard there."""

    state: str
    action: str
    guarded: Operation | None
    jobs: tuple[Job, ...] = ()


FAILED_BACK_JOBS = (
    job("job-fo", "UnplannedFailover", RECOVERY_PLAN, state="Succeeded", tasks=shutdown_tasks()),
)
# The stages at which each phase's rules must take effect.
STAGES: Mapping[CheckPhase, tuple[Stage, ...]] = {
    CheckPhase.PRE_REPROTECT: (Stage("FailedOverToAzure", "Reprotect", Operation.REPROTECT),),
    CheckPhase.PRE_FAILBACK: (Stage("Protected", "Failback", Operation.FAILOVER),),
    # From the end of reprotect until failback: while syncing (said) and when protected (blocks).
    CheckPhase.CONTINUOUS: (
        Stage("Syncing", "Failback", None),
        Stage("Protected", "Failback", Operation.FAILOVER),
    ),
    CheckPhase.POST_FAILBACK: (Stage("FailedBack", "Failback", None, FAILED_BACK_JOBS),),
}


class MemoryStore:
    """The few KubeStore calls a look makes, over objects in memory."""

    def __init__(self, plan: dict[str, Any], master_target: dict[str, Any]) -> None:
        self.plan = plan
        self.master_target = master_target
        self.events: list[tuple[str, str, str]] = []

    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        return copy.deepcopy(self.plan if plural == "failbackplans" else self.master_target)

    async def list(self, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return [copy.deepcopy(self.plan)] if plural == "failbackplans" else []

    async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        self.plan = {**copy.deepcopy(dict(obj)), "status": copy.deepcopy(dict(status))}
        return copy.deepcopy(self.plan)

    async def post_event(self, obj: Mapping[str, Any], *, type: str, reason: str, message: str) -> None:
        self.events.append((type, reason, message))


class HeldLedger:
    """The plan already holds its disk slots (FB027), so reprotect may be called at once."""

    def holds(self, *_: Any) -> bool:
        return True

    async def reserve(self, *_: Any) -> None: ...

    async def release(self, *_: Any) -> None: ...


class ClosedClient:
    async def close(self) -> None: ...


@dataclasses.dataclass
class StageFacts:
    """The facts of one stage: the plan's items in one state, the jobs, an approval of this run."""

    stage: Stage

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
    ) -> PlanFacts:
        plan = failback_plan_facts(
            name, namespace, spec, architecture=Architecture.CLASSIC, generation=generation
        )
        items: tuple[ProtectedItem, ...] = tuple(item(n, self.stage.state) for n in ITEMS)
        vault = VaultFacts(observed_at=NOW, protected_items=items, jobs=self.stage.jobs)
        approval = RunApproval(name="go", plan=name, run=RUN, approved_by="ops-lead", namespace=namespace)
        facts = FailbackFacts(
            master_target=MasterTargetDeclaration(name=master_target_obj["metadata"]["name"]),
            vault=vault,
            plans=(plan,),
            approvals=(approval,),
        )
        return PlanFacts(site_recovery=ClosedClient(), facts=facts, plan=plan, approvals=(approval,))  # type: ignore[arg-type]


def plan_objects(action: str) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = yaml.safe_load((REPO / "examples/40-failbackplan-windows.yaml").read_text())
    plan["spec"].update({"action": action, "run": RUN, "afterCommit": "None"})
    plan["metadata"].update({"generation": 1, "resourceVersion": "1"})
    master_target = yaml.safe_load((REPO / "examples/30-mastertarget-windows.yaml").read_text())
    return plan, master_target
