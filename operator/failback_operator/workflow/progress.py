"""How far along the round trip an item is, and the plain records the state machine passes around."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from failback_operator.api.resources import Action as PlanAction
from failback_operator.api.resources import AfterCommit, CommitMode
from failback_operator.api.status import ItemStatus
from failback_operator.api.vocabulary import EventReason, ItemStage, Operation, Phase, Progression
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
    """Something that stops the plan: Paused (cannot tell) or Failed (known error), or only told."""

    phase: Phase
    progression: Progression
    message: str
    # False for what the plan only tells (a Warning Event) and gets over by itself.
    stops: bool = True
    # The reason of the Warning Event a told issue posts.
    reason: EventReason = EventReason.CALL_TOOK_NO_EFFECT


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


def _for_group(findings: Iterable[Finding], group: str, items: Iterable[str]) -> list[Finding]:
    """The findings that concern one replication group: its own items and groups, and the shared ones.

    A finding about another group's item (FB032 once that group has failed back, FB031, FB037)
    must not hold this group back: each group is failed back when its own items are ready.
    """
    mine = {name.casefold() for name in items}
    kept: list[Finding] = []
    for finding in findings:
        kind, name = finding.object.kind, finding.object.name
        if kind == "ProtectedItem" and name.casefold() not in mine:
            continue
        if kind == "ReplicationGroup" and "/" in name and name.rsplit("/", 1)[1] != group:
            continue
        kept.append(finding)
    return kept


def _all_waiting(blocked: Sequence[Finding]) -> bool:
    """True when every blocking finding waits for something that may still come (FB022)."""
    return bool(blocked) and all(f.waiting_until is not None for f in blocked)


# The CRD caps status.message (and an item's error texts): a longer text would fail every write.
MESSAGE_LIMIT = 8192
ERROR_TEXT_LIMIT = 4096


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    kept = limit - 40
    return f"{text[:kept]}... ({len(text) - kept} more characters)"


def _joined(parts: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """Parts joined with "; " within `limit` characters, with a count of the parts left out."""
    reserve = 40  # room for "; and N more not shown"
    shown: list[str] = []
    used = 0
    for part in parts:
        size = len(part) + (2 if shown else 0)
        if used + size > limit - reserve:
            break
        shown.append(part)
        used += size
    if not shown and parts:
        shown, used = [_cut(parts[0], limit - reserve)], limit - reserve
    left = len(parts) - len(shown)
    return "; ".join(shown) + (f"; and {left} more not shown" if left else "")


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
