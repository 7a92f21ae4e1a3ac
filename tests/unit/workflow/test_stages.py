"""Where an item stands, read from Site Recovery's facts alone, for both architectures."""

from __future__ import annotations

import pytest

from failback_operator.api.vocabulary import ItemStage
from failback_operator.facts import Architecture
from failback_operator.workflow.stages import item_stage

from .world import CLASSIC_STATES, MODERNIZED_STATES, item

CLASSIC = {
    "FailedOverToAzure": ItemStage.FAILED_OVER_TO_AZURE,
    "PendingCommitInAzure": ItemStage.FAILOVER_TO_AZURE_PENDING_COMMIT,
    "Reprotecting": ItemStage.REPROTECTING,
    "Syncing": ItemStage.SYNCING,
    "Protected": ItemStage.PROTECTED_TO_ON_PREMISES,
    "FailingBack": ItemStage.FAILING_BACK,
    "FailedBack": ItemStage.FAILED_BACK,
    # Not protected (its replication must be repaired); the plan says why, from health error 78037.
    "FailoverFailed": ItemStage.SYNCING,
    "Committed": ItemStage.COMMITTED,
    "ProtectedToAzure": ItemStage.PROTECTED_TO_AZURE,
    "SyncingToAzure": ItemStage.REPROTECTING_TO_AZURE,
}
MODERNIZED = {
    "FailedOverToAzure": ItemStage.FAILED_OVER_TO_AZURE,
    "Protected": ItemStage.PROTECTED_TO_ON_PREMISES,
    "FailedBack": ItemStage.FAILED_BACK,
    "Committed": ItemStage.COMMITTED,
}


@pytest.mark.parametrize("state", sorted(CLASSIC_STATES))
def test_classic_stages(state: str) -> None:
    assert item_stage(item("vm-a", state), Architecture.CLASSIC) == CLASSIC[state]


@pytest.mark.parametrize("state", sorted(MODERNIZED_STATES))
def test_modernized_stages(state: str) -> None:
    """A committed planned failover is running on-premises with reprotect to Azure offered: Committed."""
    found = item_stage(item("vm-a", state, Architecture.MODERNIZED), Architecture.MODERNIZED)
    assert found == MODERNIZED[state]
