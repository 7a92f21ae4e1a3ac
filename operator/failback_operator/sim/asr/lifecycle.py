"""The pure state machine of a protected item: what Site Recovery shows at each stage and what it allows.

Field values and allowed operations come from live recordings of the classic (InMageAzureV2 ->
InMage -> InMageAzureV2) and modernized (InMageRcm -> InMageRcmFailback -> InMageRcm) round trips.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from failback_operator.sim.asr.scenario import Architecture, ItemStage

__all__ = [
    "RESYNC_DONE",
    "ItemView",
    "Operation",
    "Refusal",
    "Transition",
    "item_view",
    "plan_transition",
]


class Operation(StrEnum):
    """Mutating operations the simulator serves; the value is the name Site Recovery allows it under."""

    REPROTECT = "SwitchProtection"
    UNPLANNED_FAILOVER = "UnplannedFailover"
    PLANNED_FAILOVER = "PlannedFailover"
    COMMIT = "Commit"
    CANCEL = "CancelFailover"


@dataclass(frozen=True)
class ItemView:
    """What the item's ARM body says at one stage."""

    instance_type: str
    protection_state: str
    protection_state_description: str
    active_location: str
    allowed_operations: tuple[str, ...]
    protection_stage: str = "DifferentialSync"
    active_site_type: str | None = None  # classic InMage only: where the machine runs now


_FAILED_OVER_OPS = ("CompleteMigration", "Commit", "DisableProtection", "ChangePit", "SwitchProtection")
_COMMITTED_OPS = ("CompleteMigration", "DisableProtection", "SwitchProtection")

_CLASSIC: dict[ItemStage, ItemView] = {
    ItemStage.FAILED_OVER: ItemView(
        "InMageAzureV2",
        "UnplannedFailoverCommitPendingStatesBegin",
        "Failover completed",
        "Recovery",
        _FAILED_OVER_OPS,
    ),
    ItemStage.FAILED_OVER_COMMITTED: ItemView(
        "InMageAzureV2", "UnplannedFailoverCommitted", "Failover committed", "Recovery", _COMMITTED_OPS
    ),
    ItemStage.SYNCING_TO_ON_PREMISES: ItemView(
        "InMage", "Protected", "Protected", "Primary", ("DisableProtection",), "Resync", "Azure"
    ),
    ItemStage.PROTECTED_TO_ON_PREMISES: ItemView(
        "InMage",
        "Protected",
        "Protected",
        "Primary",
        ("UnplannedFailover", "DisableProtection"),
        "DifferentialSync",
        "Azure",
    ),
    ItemStage.FAILED_BACK: ItemView(
        "InMage",
        "UnplannedFailoverCommitPendingStatesBegin",
        "Failover completed",
        "Recovery",
        _FAILED_OVER_OPS,
        "DifferentialSync",
        "OnPrem",
    ),
    ItemStage.FAILED_BACK_COMMITTED: ItemView(
        "InMage",
        "UnplannedFailoverCommitted",
        "Failover committed",
        "Recovery",
        _COMMITTED_OPS,
        "DifferentialSync",
        "OnPrem",
    ),
    ItemStage.SYNCING_TO_AZURE: ItemView(
        "InMageAzureV2", "Protected", "Protected", "Primary", ("DisableProtection",), "Resync"
    ),
    ItemStage.PROTECTED_TO_AZURE: ItemView(
        "InMageAzureV2",
        "Protected",
        "Protected",
        "Primary",
        ("UnplannedFailover", "DisableProtection", "TestFailover"),
    ),
}

_MODERNIZED: dict[ItemStage, ItemView] = {
    ItemStage.FAILED_OVER: ItemView(
        "InMageRcm",
        "UnplannedFailoverCommitPendingStatesBegin",
        "Failover completed",
        "Recovery",
        _FAILED_OVER_OPS,
    ),
    ItemStage.FAILED_OVER_COMMITTED: ItemView(
        "InMageRcm", "UnplannedFailoverCommitted", "Failover committed", "Recovery", _COMMITTED_OPS
    ),
    ItemStage.SYNCING_TO_ON_PREMISES: ItemView(
        "InMageRcmFailback", "Protected", "Protected", "Primary", ("DisableProtection",), "Resync"
    ),
    ItemStage.PROTECTED_TO_ON_PREMISES: ItemView(
        "InMageRcmFailback", "Protected", "Protected", "Primary", ("PlannedFailover", "DisableProtection")
    ),
    ItemStage.FAILED_BACK: ItemView(
        "InMageRcmFailback",
        "CommitPendingStatesBegin",
        "Planned failover finished",
        "Recovery",
        ("CompleteMigration", "Commit", "DisableProtection", "SwitchProtection", "CancelFailover"),
    ),
    ItemStage.FAILED_BACK_COMMITTED: ItemView(
        "InMageRcmFailback",
        "PlannedFailoverStatesBegin",
        "Planned failover committed",
        "Recovery",
        _COMMITTED_OPS,
    ),
    ItemStage.SYNCING_TO_AZURE: ItemView(
        "InMageRcm", "Protected", "Protected", "Primary", ("DisableProtection",), "Resync"
    ),
    ItemStage.PROTECTED_TO_AZURE: ItemView(
        "InMageRcm",
        "Protected",
        "Protected",
        "Primary",
        ("UnplannedFailover", "DisableProtection", "TestFailover"),
    ),
}


def item_view(architecture: Architecture, stage: ItemStage) -> ItemView:
    """The recorded body fields of an item of `architecture` at `stage`."""
    table = _CLASSIC if architecture is Architecture.CLASSIC else _MODERNIZED
    return table[stage]


@dataclass(frozen=True)
class Transition:
    """An accepted operation: where the item ends when its job succeeds (it stays put on failure)."""

    operation: Operation
    origin: ItemStage
    target: ItemStage
    commits_first: bool = False  # reprotect of an uncommitted failover commits it as its first step


@dataclass(frozen=True)
class Refusal:
    """An operation Site Recovery refuses at this stage, with the allowed operations it reports."""

    operation: Operation
    stage: ItemStage
    allowed_operations: tuple[str, ...]


_TARGETS: dict[tuple[Operation, ItemStage], ItemStage] = {
    (Operation.REPROTECT, ItemStage.FAILED_OVER): ItemStage.SYNCING_TO_ON_PREMISES,
    (Operation.REPROTECT, ItemStage.FAILED_OVER_COMMITTED): ItemStage.SYNCING_TO_ON_PREMISES,
    (Operation.REPROTECT, ItemStage.FAILED_BACK): ItemStage.SYNCING_TO_AZURE,
    (Operation.REPROTECT, ItemStage.FAILED_BACK_COMMITTED): ItemStage.SYNCING_TO_AZURE,
    (Operation.UNPLANNED_FAILOVER, ItemStage.PROTECTED_TO_ON_PREMISES): ItemStage.FAILED_BACK,
    (Operation.UNPLANNED_FAILOVER, ItemStage.PROTECTED_TO_AZURE): ItemStage.FAILED_OVER,
    (Operation.PLANNED_FAILOVER, ItemStage.PROTECTED_TO_ON_PREMISES): ItemStage.FAILED_BACK,
    (Operation.COMMIT, ItemStage.FAILED_OVER): ItemStage.FAILED_OVER_COMMITTED,
    (Operation.COMMIT, ItemStage.FAILED_BACK): ItemStage.FAILED_BACK_COMMITTED,
    (Operation.CANCEL, ItemStage.FAILED_BACK): ItemStage.PROTECTED_TO_ON_PREMISES,
}

RESYNC_DONE: dict[ItemStage, ItemStage] = {
    ItemStage.SYNCING_TO_ON_PREMISES: ItemStage.PROTECTED_TO_ON_PREMISES,
    ItemStage.SYNCING_TO_AZURE: ItemStage.PROTECTED_TO_AZURE,
}


def plan_transition(
    architecture: Architecture, stage: ItemStage, operation: Operation
) -> Transition | Refusal:
    """Accept `operation` when the stage's allowed operations offer it, as Site Recovery does."""
    view = item_view(architecture, stage)
    target = _TARGETS.get((operation, stage))
    if operation.value not in view.allowed_operations or target is None:
        return Refusal(operation, stage, view.allowed_operations)
    commits_first = operation is Operation.REPROTECT and stage in (
        ItemStage.FAILED_OVER,
        ItemStage.FAILED_BACK,
    )
    return Transition(operation, stage, target, commits_first)
