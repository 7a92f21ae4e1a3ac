"""Recovery plans fail over, commit and cancel a whole replication group at one multi-VM sync point."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicessiterecovery import models

from tests.support.asr_sim import FirstResponse, Vault, classic_reprotect_input, modern_reprotect_input

CLASSIC_ITEMS = ("V2A-W2K16-201-new", "V2A-W2K19-202-new")
MODERN_ITEMS = (
    "vcenter67_50158471-87c2-d4ad-caa2-abe22face6d8",
    "vcenter67_5015a2b3-11c2-44ad-9aa2-0be22fac1234",
)


def _reprotect_all(
    vault: Vault, names: tuple[str, ...], build: Callable[[Vault], models.ReverseReplicationInput]
) -> None:
    pollers = [
        vault.client.replication_protected_items.begin_reprotect(*vault.item_scope, name, build(vault))
        for name in names
    ]
    for poller in pollers:
        poller.result()
    vault.simulator.runtime.advance(61)


def _classic_plan_failover(direction: str = "RecoveryToPrimary") -> models.RecoveryPlanUnplannedFailoverInput:
    # A recovery plan keeps its sides (on-premises primary): failing back is RecoveryToPrimary.
    return models.RecoveryPlanUnplannedFailoverInput(
        properties=models.RecoveryPlanUnplannedFailoverInputProperties(
            failover_direction=direction,
            source_site_operations="Required",
            provider_specific_details=[
                models.RecoveryPlanInMageFailoverInput(recovery_point_type="LatestTime")
            ],
        )
    )


def _modern_plan_failover() -> models.RecoveryPlanPlannedFailoverInput:
    return models.RecoveryPlanPlannedFailoverInput(
        properties=models.RecoveryPlanPlannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=[
                models.RecoveryPlanInMageRcmFailbackFailoverInput(
                    recovery_point_type="ApplicationConsistent",
                    use_multi_vm_sync_point="UseMultiVmSyncRecoveryPoint",
                )
            ],
        )
    )


def test_classic_group_fails_back_at_one_recovery_point_and_commits(classic: Vault) -> None:
    _reprotect_all(classic, CLASSIC_ITEMS, classic_reprotect_input)
    plans = classic.client.replication_recovery_plans
    assert "UnplannedFailover" in plans.get(*classic.scope, "rp-app1").properties.allowed_operations

    first = FirstResponse()
    plan = plans.begin_unplanned_failover(
        *classic.scope, "rp-app1", _classic_plan_failover(), raw_response_hook=first
    ).result()
    assert plan.name == "rp-app1"
    assert "Commit" in plan.properties.allowed_operations
    job = classic.client.replication_jobs.get(*classic.scope, first.job_id)
    # The 202 named a tracking id: the job answers under its own name, the plan's current job.
    assert job.name != first.job_id
    assert plan.properties.current_scenario.job_id.endswith(f"/replicationJobs/{job.name}")
    assert job.properties.target_instance_type == "RecoveryPlan"
    assert job.properties.scenario_name == "UnplannedFailover"
    details = job.properties.custom_details
    assert isinstance(details, models.FailoverJobDetails)
    assert {entry.name for entry in details.protected_item_details} == set(CLASSIC_ITEMS)
    assert len({entry.recovery_point_time for entry in details.protected_item_details}) == 1
    items = [
        classic.client.replication_protected_items.get(*classic.item_scope, name) for name in CLASSIC_ITEMS
    ]
    assert {item.properties.protection_state for item in items} == {
        "UnplannedFailoverCommitPendingStatesBegin"
    }
    points = {item.properties.failover_recovery_point_id.rsplit("/", 1)[-1] for item in items}
    assert len(points) == 1  # one multi-VM sync point for the whole group (FB030)
    point = classic.client.recovery_points.get(*classic.item_scope, CLASSIC_ITEMS[0], points.pop())
    assert point.properties.recovery_point_type == "LatestTime"

    committed = plans.begin_failover_commit(*classic.scope, "rp-app1").result()
    assert "SwitchProtection" not in committed.properties.allowed_operations  # plans are not reprotected
    states = {
        classic.client.replication_protected_items.get(*classic.item_scope, name).properties.protection_state
        for name in CLASSIC_ITEMS
    }
    assert states == {"UnplannedFailoverCommitted"}


def test_group_failover_is_refused_until_every_item_is_protected(classic: Vault) -> None:
    classic.client.replication_protected_items.begin_reprotect(
        *classic.item_scope, CLASSIC_ITEMS[0], classic_reprotect_input(classic)
    ).result()
    classic.simulator.runtime.advance(61)
    with pytest.raises(HttpResponseError) as refused:
        classic.client.replication_recovery_plans.begin_unplanned_failover(
            *classic.scope, "rp-app1", _classic_plan_failover()
        )
    assert refused.value.status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "OperationNotAllowed"
    assert not [
        job
        for job in classic.client.replication_jobs.list(*classic.scope)
        if job.properties.scenario_name == "UnplannedFailover"
    ]


def test_recovery_plan_reprotect_is_refused_for_inmage(classic: Vault) -> None:
    with pytest.raises(HttpResponseError) as refused:
        classic.client.replication_recovery_plans.begin_reprotect(*classic.scope, "rp-app1")
    assert refused.value.error is not None
    assert refused.value.error.code == "OperationNotSupported"


def test_modernized_group_planned_failover_and_cancel(modern: Vault) -> None:
    _reprotect_all(modern, MODERN_ITEMS, modern_reprotect_input)
    plans = modern.client.replication_recovery_plans
    plan = plans.begin_planned_failover(*modern.scope, "rp-rcm", _modern_plan_failover()).result()
    assert "CancelFailover" in plan.properties.allowed_operations
    items = [modern.client.replication_protected_items.get(*modern.item_scope, name) for name in MODERN_ITEMS]
    assert {item.properties.protection_state_description for item in items} == {"Planned failover finished"}
    assert len({item.properties.failover_recovery_point_id.rsplit("/", 1)[-1] for item in items}) == 1

    first = FirstResponse()
    plans.begin_failover_cancel(*modern.scope, "rp-rcm", raw_response_hook=first).result()
    job = modern.client.replication_jobs.get(*modern.scope, first.job_id)
    assert job.properties.scenario_name == "CancelFailover"
    for name in MODERN_ITEMS:
        item = modern.client.replication_protected_items.get(*modern.item_scope, name)
        assert item.properties.allowed_operations == ["PlannedFailover", "DisableProtection"]
