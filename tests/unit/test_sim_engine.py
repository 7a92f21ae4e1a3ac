"""The operation engine without HTTP: admission, jobs settling on the clock, invariants under random use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from failback_operator.sim.asr.clock import SimClock
from failback_operator.sim.asr.engine import settle, start_item_operation, start_plan_operation
from failback_operator.sim.asr.errors import ArmError
from failback_operator.sim.asr.item_bodies import item_body
from failback_operator.sim.asr.lifecycle import Operation, Transition, item_view, plan_transition
from failback_operator.sim.asr.scenario import Architecture, ItemStage, Scenario, load_scenario
from failback_operator.sim.asr.state import SimState

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sim"
CLASSIC = load_scenario(EXAMPLES / "classic-windows.yaml")
MODERN = load_scenario(EXAMPLES / "modernized.yaml")


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _state(scenario: Scenario) -> SimState:
    clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC), time_scale=1, monotonic=Ticks())
    return SimState.from_scenario(scenario, clock)


def _policy(state: SimState, name: str) -> str:
    vault = state.scenario.vault
    return (
        f"/Subscriptions/{vault.subscription}/resourceGroups/{vault.resource_group}/providers/"
        f"Microsoft.RecoveryServices/vaults/{vault.name}/replicationPolicies/{name}"
    )


def _body(state: SimState, stage: ItemStage, operation: Operation) -> dict[str, Any]:
    """A valid request body for `operation` on an item at `stage`."""
    classic = state.architecture is Architecture.CLASSIC
    if operation is Operation.REPROTECT:
        if stage in (ItemStage.FAILED_OVER, ItemStage.FAILED_OVER_COMMITTED):
            if classic:
                details: dict[str, Any] = {
                    "instanceType": "InMage",
                    "masterTargetId": "30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                    "processServerId": "30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                    "retentionDrive": "F",
                    "datastoreName": "datastore1",
                    "profileId": _policy(state, state.scenario.failback_policy),
                }
            else:
                details = {
                    "instanceType": "InMageRcm",
                    "reprotectAgentId": "7d30ec24-f20e-4c17-8dfd-d7ccb444b072",
                    "datastoreName": "SharedDS-84-85",
                    "logStorageAccountId": "/subscriptions/x/storageAccounts/v2aecystor",
                    "policyId": _policy(state, state.scenario.failback_policy),
                }
        elif classic:  # back to Azure, as recorded
            details = {
                "instanceType": "InMageAzureV2",
                "masterTargetId": "30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                "processServerId": "30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                "runAsAccountId": "2",
                "policyId": _policy(state, state.scenario.forward_policy),
            }
        else:
            details = {
                "instanceType": "InMageRcmFailback",
                "processServerId": "7d30ec24-f20e-4c17-8dfd-d7ccb444b072",
                "runAsAccountId": "runas",
                "policyId": _policy(state, state.scenario.forward_policy),
            }
        return {"properties": {"failoverDirection": "RecoveryToPrimary", "providerSpecificDetails": details}}
    if operation in (Operation.UNPLANNED_FAILOVER, Operation.PLANNED_FAILOVER):
        return {
            "properties": {
                "sourceSiteOperations": "Required",
                "providerSpecificDetails": {
                    "instanceType": item_view(state.architecture, stage).instance_type,
                    "recoveryPointType": "LatestTime",
                },
            }
        }
    return {}


def test_a_job_moves_its_item_only_when_it_ends() -> None:
    state = _state(CLASSIC)
    name = "V2A-W2K16-201-new"
    job = start_item_operation(
        state, name, Operation.REPROTECT, _body(state, ItemStage.FAILED_OVER_COMMITTED, Operation.REPROTECT)
    )
    item = state.items[name.lower()]
    assert item.current_job_id == job.id
    assert (
        item_body(state, item)["properties"]["currentScenario"]["scenarioName"]
        == "SwitchReplicationGroupProtection"
    )
    state.clock.advance(19 * 60)
    settle(state)
    assert item.stage is ItemStage.FAILED_OVER_COMMITTED
    state.clock.advance(60)
    settle(state)
    assert item.stage is ItemStage.SYNCING_TO_ON_PREMISES
    assert item.current_job_id is None
    state.clock.advance(60 * 60)
    settle(state)
    assert item.stage is ItemStage.PROTECTED_TO_ON_PREMISES


def test_a_busy_item_refuses_a_second_operation() -> None:
    state = _state(CLASSIC)
    name = "V2A-W2K16-201-new"
    body = _body(state, ItemStage.FAILED_OVER_COMMITTED, Operation.REPROTECT)
    start_item_operation(state, name, Operation.REPROTECT, body)
    with pytest.raises(ArmError) as busy:
        start_item_operation(state, name, Operation.REPROTECT, body)
    assert busy.value.status == 409
    assert len(state.jobs) == 1


def test_a_plan_operation_checks_every_item_before_starting() -> None:
    state = _state(MODERN)
    first = MODERN.items[0].name
    start_item_operation(
        state, first, Operation.REPROTECT, _body(state, ItemStage.FAILED_OVER_COMMITTED, Operation.REPROTECT)
    )
    state.clock.advance(2 * 3600)
    settle(state)
    with pytest.raises(ArmError):
        start_plan_operation(
            state,
            "rp-rcm",
            Operation.PLANNED_FAILOVER,
            _body(state, ItemStage.PROTECTED_TO_ON_PREMISES, Operation.PLANNED_FAILOVER),
        )
    assert len(state.jobs) == 1
    assert state.items[first.lower()].current_job_id is None


_operations = st.lists(
    st.tuples(st.sampled_from(list(Operation)), st.integers(min_value=0, max_value=1), st.integers(0, 90)),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([CLASSIC, MODERN]), _operations)
def test_random_use_keeps_site_recoverys_rules(
    scenario: Scenario, steps: list[tuple[Operation, int, int]]
) -> None:
    state = _state(scenario)
    for operation, index, minutes in steps:
        item = list(state.items.values())[index]
        before = item.stage
        busy = item.current_job_id is not None
        jobs_before = len(state.jobs)
        refusal: ArmError | None = None
        try:
            job = start_item_operation(state, item.name, operation, _body(state, before, operation))
        except ArmError as error:
            refusal = error
        if refusal is not None:
            decision = plan_transition(state.architecture, before, operation)
            assert busy or not isinstance(decision, Transition) or refusal.code == "AgentNotInstalled"
            assert len(state.jobs) == jobs_before  # a refused call starts nothing
        else:
            assert not busy
            assert operation.value in item_view(state.architecture, before).allowed_operations
            assert job.targets[item.name] is not before
        state.clock.advance(minutes * 60)
        settle(state)
        for other in state.items.values():
            running = [j for j in state.jobs.values() if not j.settled and other.name in j.item_names]
            assert len(running) <= 1  # never two jobs on one item
            body = item_body(state, other)["properties"]
            if other.current_job_id is None:
                assert (
                    tuple(body["allowedOperations"])
                    == item_view(state.architecture, other.stage).allowed_operations
                )


def test_failover_input_must_name_the_items_provider() -> None:
    state = _state(CLASSIC)
    name = "V2A-W2K16-201-new"
    state.items[name.lower()].stage = ItemStage.PROTECTED_TO_ON_PREMISES
    wrong = {"properties": {"providerSpecificDetails": {"instanceType": "InMageAzureV2"}}}
    with pytest.raises(ArmError, match="needs provider input 'InMage'"):
        start_item_operation(state, name, Operation.UNPLANNED_FAILOVER, wrong)
    assert not state.jobs


def test_reprotect_to_azure_names_a_missing_field_and_checks_the_forward_policy() -> None:
    state = _state(CLASSIC)
    name = "V2A-W2K16-201-new"
    state.items[name.lower()].stage = ItemStage.FAILED_BACK_COMMITTED
    state.clock.advance(3600)  # past the agent window (FB028)
    body = _body(state, ItemStage.FAILED_BACK_COMMITTED, Operation.REPROTECT)
    del body["properties"]["providerSpecificDetails"]["policyId"]
    with pytest.raises(ArmError) as missing:
        start_item_operation(state, name, Operation.REPROTECT, body)
    assert "'properties.providerSpecificDetails.policyId'" in missing.value.message
    body["properties"]["providerSpecificDetails"]["policyId"] = _policy(state, state.scenario.failback_policy)
    with pytest.raises(ArmError) as wrong_policy:
        start_item_operation(state, name, Operation.REPROTECT, body)
    assert "not a policy replicating to Azure" in wrong_policy.value.message
    assert state.jobs == {}


def _reprotect_all(state: SimState) -> list[str]:
    names = [item.name for item in state.items.values() if item.stage is ItemStage.FAILED_OVER_COMMITTED]
    for name in names:
        body = _body(state, ItemStage.FAILED_OVER_COMMITTED, Operation.REPROTECT)
        start_item_operation(state, name, Operation.REPROTECT, body)
    return names


def test_a_process_server_resyncs_as_many_items_at_once_as_the_scenario_allows() -> None:
    durations = CLASSIC.job_durations.model_copy(update={"process_server_resyncs": 1})
    state = _state(CLASSIC.model_copy(update={"job_durations": durations}))
    names = _reprotect_all(state)
    assert len(names) >= 2
    state.clock.advance(20 * 60 + 60 * 60)  # reprotect, then one resync
    settle(state)
    stages = sorted(state.items[n.lower()].stage.value for n in names)
    assert stages.count(ItemStage.PROTECTED_TO_ON_PREMISES.value) == 1  # the others waited for the slot
    state.clock.advance(60 * 60 * (len(names) - 1))
    settle(state)
    assert {state.items[n.lower()].stage for n in names} == {ItemStage.PROTECTED_TO_ON_PREMISES}


def test_job_lengths_are_drawn_within_the_spread_and_repeat_with_the_seed() -> None:
    durations = CLASSIC.job_durations.model_copy(update={"spread": 0.5, "seed": 7})

    def lengths() -> list[float]:
        state = _state(CLASSIC.model_copy(update={"job_durations": durations}))
        _reprotect_all(state)
        return [job.plan.duration.total_seconds() / 60 for job in state.jobs.values()]

    drawn = lengths()
    assert all(10 <= minutes <= 30 for minutes in drawn)
    assert len(set(drawn)) == len(drawn)  # not all the same length
    assert lengths() == drawn
