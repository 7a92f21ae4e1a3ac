"""How far along the round trip an item is, and the plain records the state machine passes around."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from failback_operator.api.resources import Action as PlanAction
from failback_operator.api.resources import AfterCommit, CommitMode
from failback_operator.api.status import ItemStatus
from failback_operator.api.vocabulary import ItemStage, Operation, Phase, Progression
from failback_operator.rules.model import Finding
from failback_operator.workflow.actions import Action
from failback_operator.workflow.inputs import PlanRequest

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


def _effect_rank_reached(operation: Operation, stage: ItemStage) -> bool:
    if operation == Operation.CANCEL:
        return stage in {ItemStage.PROTECTED_TO_ON_PREMISES, ItemStage.SYNCING}
    if stage == ItemStage.PROTECTED_TO_AZURE:
        return operation == Operation.REPROTECT_TO_AZURE
    rank = _RANK.get(stage)
    return rank is not None and rank >= _EFFECT_RANK[operation]


def _blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]


def _all_waiting(blocked: Sequence[Finding]) -> bool:
    """True when every blocking finding waits for something that may still come (FB022)."""
    return bool(blocked) and all(f.waiting_until is not None for f in blocked)


def _describe(findings: Sequence[Finding], limit: int = 3) -> str:
    shown = "; ".join(f"{f.rule} {f.object}: {f.message}" for f in findings[:limit])
    more = len(findings) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def _describe_with_remedy(findings: Sequence[Finding], limit: int = 3) -> str:
    """Each finding with its rule ID, object, what is wrong and what to do."""
    shown = "; ".join(
        f"{f.rule} {f.object}: {f.message}" + (f" (remedy: {f.remedy})" if f.remedy else "")
        for f in findings[:limit]
    )
    more = len(findings) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def _watched_continuously(rank: int | None) -> bool:
    """From reprotect until failback starts, the continuous rules hold (FB004, FB006, FB020, FB031...)."""
    return rank is not None and _RANK[ItemStage.REPROTECTING] <= rank <= _PROTECTED


def _failed_back(rank: int | None) -> bool:
    """Running on-premises (commit pending or done): the post-failback advice applies."""
    return rank is not None and rank >= _FAILED_BACK
