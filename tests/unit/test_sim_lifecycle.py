"""The simulator's pure state machine: stages, allowed operations and transitions as recorded."""

from __future__ import annotations

import pytest

from failback_operator.sim.asr.lifecycle import Operation, Refusal, Transition, item_view, plan_transition
from failback_operator.sim.asr.scenario import Architecture, ItemStage

CLASSIC = Architecture.CLASSIC
MODERN = Architecture.MODERNIZED


@pytest.mark.parametrize(
    ("architecture", "stage", "instance_type", "state", "allowed"),
    [
        (
            CLASSIC,
            ItemStage.FAILED_OVER_COMMITTED,
            "InMageAzureV2",
            "UnplannedFailoverCommitted",
            ("CompleteMigration", "DisableProtection", "SwitchProtection"),
        ),
        (
            CLASSIC,
            ItemStage.PROTECTED_TO_ON_PREMISES,
            "InMage",
            "Protected",
            ("UnplannedFailover", "DisableProtection"),
        ),
        (
            CLASSIC,
            ItemStage.FAILED_BACK_COMMITTED,
            "InMage",
            "UnplannedFailoverCommitted",
            ("CompleteMigration", "DisableProtection", "SwitchProtection"),
        ),
        (
            CLASSIC,
            ItemStage.PROTECTED_TO_AZURE,
            "InMageAzureV2",
            "Protected",
            ("UnplannedFailover", "DisableProtection", "TestFailover"),
        ),
        (
            MODERN,
            ItemStage.FAILED_OVER,
            "InMageRcm",
            "UnplannedFailoverCommitPendingStatesBegin",
            ("CompleteMigration", "Commit", "DisableProtection", "ChangePit", "SwitchProtection"),
        ),
        (
            MODERN,
            ItemStage.PROTECTED_TO_ON_PREMISES,
            "InMageRcmFailback",
            "Protected",
            ("PlannedFailover", "DisableProtection"),
        ),
        (
            MODERN,
            ItemStage.FAILED_BACK,
            "InMageRcmFailback",
            "CommitPendingStatesBegin",
            ("CompleteMigration", "Commit", "DisableProtection", "SwitchProtection", "CancelFailover"),
        ),
    ],
)
def test_views_match_the_recordings(
    architecture: Architecture, stage: ItemStage, instance_type: str, state: str, allowed: tuple[str, ...]
) -> None:
    view = item_view(architecture, stage)
    assert (view.instance_type, view.protection_state, view.allowed_operations) == (
        instance_type,
        state,
        allowed,
    )


def test_classic_inmage_reports_where_the_machine_runs() -> None:
    assert item_view(CLASSIC, ItemStage.PROTECTED_TO_ON_PREMISES).active_site_type == "Azure"
    assert item_view(CLASSIC, ItemStage.FAILED_BACK).active_site_type == "OnPrem"


def test_classic_round_trip_transitions() -> None:
    path = [
        (ItemStage.FAILED_OVER_COMMITTED, Operation.REPROTECT, ItemStage.SYNCING_TO_ON_PREMISES),
        (ItemStage.PROTECTED_TO_ON_PREMISES, Operation.UNPLANNED_FAILOVER, ItemStage.FAILED_BACK),
        (ItemStage.FAILED_BACK, Operation.COMMIT, ItemStage.FAILED_BACK_COMMITTED),
        (ItemStage.FAILED_BACK_COMMITTED, Operation.REPROTECT, ItemStage.SYNCING_TO_AZURE),
    ]
    for origin, operation, target in path:
        decision = plan_transition(CLASSIC, origin, operation)
        assert isinstance(decision, Transition)
        assert decision.target is target


def test_modernized_failback_is_planned_and_cancellable() -> None:
    planned = plan_transition(MODERN, ItemStage.PROTECTED_TO_ON_PREMISES, Operation.PLANNED_FAILOVER)
    assert isinstance(planned, Transition)
    assert planned.target is ItemStage.FAILED_BACK
    cancel = plan_transition(MODERN, ItemStage.FAILED_BACK, Operation.CANCEL)
    assert isinstance(cancel, Transition)
    assert cancel.target is ItemStage.PROTECTED_TO_ON_PREMISES
    unplanned = plan_transition(MODERN, ItemStage.PROTECTED_TO_ON_PREMISES, Operation.UNPLANNED_FAILOVER)
    assert isinstance(unplanned, Refusal)


def test_reprotect_of_an_uncommitted_failover_commits_first() -> None:
    decision = plan_transition(MODERN, ItemStage.FAILED_OVER, Operation.REPROTECT)
    assert isinstance(decision, Transition)
    assert decision.commits_first
    committed = plan_transition(MODERN, ItemStage.FAILED_OVER_COMMITTED, Operation.REPROTECT)
    assert isinstance(committed, Transition)
    assert not committed.commits_first


@pytest.mark.parametrize("architecture", [CLASSIC, MODERN])
@pytest.mark.parametrize("stage", list(ItemStage))
@pytest.mark.parametrize("operation", list(Operation))
def test_an_operation_is_accepted_only_when_allowed(
    architecture: Architecture, stage: ItemStage, operation: Operation
) -> None:
    decision = plan_transition(architecture, stage, operation)
    allowed = item_view(architecture, stage).allowed_operations
    if isinstance(decision, Refusal):
        assert decision.allowed_operations == allowed
    else:
        assert operation.value in allowed
