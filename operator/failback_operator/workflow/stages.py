"""Where a protected item stands in the round trip, read only from what Site Recovery reports.

Site Recovery is the source of truth: after a restart, or with status lost, each item's progress
is rebuilt from its provider type, protection state, allowed operations and current scenario.
"""

from __future__ import annotations

from failback_operator.api.vocabulary import ItemStage
from failback_operator.facts import Architecture, ProtectedItem

__all__ = [
    "FORWARD_PROVIDER",
    "RETURN_PROVIDER",
    "ItemStage",
    "allowed_transition",
    "item_stage",
]


# Provider (instanceType) while the item replicates on-premises -> Azure, and back.
FORWARD_PROVIDER = {Architecture.CLASSIC: "InMageAzureV2", Architecture.MODERNIZED: "InMageRcm"}
RETURN_PROVIDER = {Architecture.CLASSIC: "InMage", Architecture.MODERNIZED: "InMageRcmFailback"}
FAILBACK_OPERATION = {Architecture.CLASSIC: "UnplannedFailover", Architecture.MODERNIZED: "PlannedFailover"}

_REPROTECT_SCENARIOS = {"SwitchReplicationGroupProtection", "Reprotect", "SwitchProtection"}
_FAILOVER_SCENARIOS = {"UnplannedFailover", "PlannedFailover"}
_COMMIT_SCENARIOS = {"CommitFailover"}


def _committed(item: ProtectedItem) -> bool:
    return "Committed" in (item.protection_state or "")


def _commit_pending(item: ProtectedItem) -> bool:
    state = item.protection_state or ""
    return "CommitPending" in state or "Commit" in item.allowed_operations


def item_stage(item: ProtectedItem | None, architecture: Architecture) -> ItemStage:
    """The stage of `item` for a plan of `architecture`, from Site Recovery's facts alone."""
    if item is None:
        return ItemStage.MISSING
    scenario = item.current_scenario.name if item.current_scenario else None
    provider = item.instance_type
    if provider == FORWARD_PROVIDER[architecture]:
        if scenario in _REPROTECT_SCENARIOS:
            # Reprotect to Azure after commit runs on the forward provider; the reprotect that
            # starts the round trip begins on it too. Both read as reprotecting here.
            return ItemStage.REPROTECTING
        if item.active_location == "Recovery" and _committed(item):
            return ItemStage.FAILED_OVER_TO_AZURE
        if item.active_location == "Recovery" and _commit_pending(item):
            return ItemStage.FAILOVER_TO_AZURE_PENDING_COMMIT
        if item.active_location == "Recovery" and "SwitchProtection" in item.allowed_operations:
            return ItemStage.FAILED_OVER_TO_AZURE
        if item.protection_state == "Protected" and "UnplannedFailover" not in item.allowed_operations:
            # Protected to Azure again, its initial replication still running (only
            # DisableProtection allowed): not yet able to fail over.
            return ItemStage.REPROTECTING_TO_AZURE
        return ItemStage.PROTECTED_TO_AZURE
    if provider == RETURN_PROVIDER[architecture]:
        if scenario in _REPROTECT_SCENARIOS:
            return (
                ItemStage.REPROTECTING_TO_AZURE
                if item.active_location == "Recovery"
                else ItemStage.REPROTECTING
            )
        if scenario in _FAILOVER_SCENARIOS:
            return ItemStage.FAILING_BACK
        if scenario in _COMMIT_SCENARIOS:
            return ItemStage.COMMITTING
        if item.active_location == "Recovery" and _committed(item):
            return ItemStage.COMMITTED
        if item.active_location == "Recovery" and _commit_pending(item):
            return ItemStage.FAILED_BACK
        if item.active_location == "Recovery" and "SwitchProtection" in item.allowed_operations:
            # Running on-premises, nothing to commit, reprotect to Azure offered: committed, whatever
            # the state's name (a committed modernized planned failover is not "...Committed").
            return ItemStage.COMMITTED
        if (
            item.protection_state == "Protected"
            and FAILBACK_OPERATION[architecture] in item.allowed_operations
        ):
            return ItemStage.PROTECTED_TO_ON_PREMISES
        return ItemStage.SYNCING
    return ItemStage.UNRECOGNISED


# Moves a plan expects between two polls; anything else happened behind its back.
_FORWARD: dict[ItemStage, set[ItemStage]] = {
    ItemStage.FAILED_OVER_TO_AZURE: {
        ItemStage.REPROTECTING,
        ItemStage.SYNCING,
        ItemStage.PROTECTED_TO_ON_PREMISES,
    },
    ItemStage.REPROTECTING: {
        ItemStage.SYNCING,
        ItemStage.PROTECTED_TO_ON_PREMISES,
        ItemStage.FAILED_OVER_TO_AZURE,
    },
    ItemStage.SYNCING: {ItemStage.PROTECTED_TO_ON_PREMISES, ItemStage.FAILING_BACK},
    ItemStage.PROTECTED_TO_ON_PREMISES: {
        ItemStage.SYNCING,
        ItemStage.FAILING_BACK,
        ItemStage.FAILED_BACK,
        ItemStage.COMMITTED,
    },
    ItemStage.FAILING_BACK: {
        ItemStage.FAILED_BACK,
        ItemStage.COMMITTING,
        ItemStage.COMMITTED,
        ItemStage.PROTECTED_TO_ON_PREMISES,
        ItemStage.SYNCING,
    },
    # Back to protected only through the plan's own cancel (see allowed_transition).
    ItemStage.FAILED_BACK: {ItemStage.COMMITTING, ItemStage.COMMITTED},
    ItemStage.COMMITTING: {ItemStage.COMMITTED, ItemStage.FAILED_BACK},
    ItemStage.COMMITTED: {ItemStage.REPROTECTING_TO_AZURE, ItemStage.PROTECTED_TO_AZURE},
    ItemStage.REPROTECTING_TO_AZURE: {ItemStage.PROTECTED_TO_AZURE, ItemStage.COMMITTED},
}


_CANCELLED = {ItemStage.PROTECTED_TO_ON_PREMISES, ItemStage.SYNCING}


def allowed_transition(previous: ItemStage, current: ItemStage, *, cancelling: bool = False) -> bool:
    """Whether an item may move from `previous` to `current` while a plan drives it.

    A failed-back item returns to protected only when the plan itself cancelled the failover.
    """
    if previous == current:
        return True
    if cancelling and previous == ItemStage.FAILED_BACK and current in _CANCELLED:
        return True
    return current in _FORWARD.get(previous, set())
