"""Classic and modernized round trips through the real SDK reproduce the recorded Site Recovery states."""

from __future__ import annotations

from typing import Any

from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.sim.asr.scenario import ItemStage
from tests.support.asr_sim import (
    FirstResponse,
    Vault,
    classic_failback_input,
    classic_reprotect_input,
    classic_reprotect_to_azure_input,
    item_path,
    missing_fields,
    modern_failback_input,
    modern_reprotect_input,
    modern_reprotect_to_azure_input,
    raw_get,
    recorded,
)

CLASSIC_ITEM = "V2A-W2K16-201-new"
MODERN_ITEM = "vcenter67_50158471-87c2-d4ad-caa2-abe22face6d8"
STATE_FIELDS = ("protectionState", "protectionStateDescription", "activeLocation", "allowedOperations")
# The simulator models no test failover, so it has no time of the last one.
NOT_MODELLED = {"lastSuccessfulTestFailoverTime"}


def assert_like_recording(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Same state strings, and every recorded field name present, nested objects included."""
    for field in STATE_FIELDS:
        assert ours["properties"][field] == theirs["properties"][field], field
    ours_details = ours["properties"]["providerSpecificDetails"]
    theirs_details = theirs["properties"]["providerSpecificDetails"]
    assert ours_details["instanceType"] == theirs_details["instanceType"]
    if "activeSiteType" in theirs_details:
        assert ours_details["activeSiteType"] == theirs_details["activeSiteType"]
    missing = [path for path in missing_fields(ours, theirs) if path.rsplit(".", 1)[-1] not in NOT_MODELLED]
    assert not missing, f"fields the recording has and the simulator lacks: {missing}"


def assert_job_like_recording(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Same scenario, friendly name and task names, and every recorded field name present."""
    for field in ("scenarioName", "friendlyName", "targetInstanceType"):
        assert ours["properties"][field] == theirs["properties"][field], field
    assert task_names(ours) == task_names(theirs)
    assert (
        ours["properties"]["customDetails"]["instanceType"]
        == theirs["properties"]["customDetails"]["instanceType"]
    )
    assert not missing_fields(ours, theirs)


def task_names(job: dict[str, Any]) -> list[str]:
    return [task["name"] for task in job["properties"]["tasks"]]


def job_path(vault: Vault, job_id: str) -> str:
    return item_path(vault, "x").split("/replicationFabrics/")[0] + f"/replicationJobs/{job_id}"


def test_classic_round_trip_follows_the_recordings(classic: Vault) -> None:
    client, sim = classic.client, classic.simulator
    items = client.replication_protected_items
    path = item_path(classic, CLASSIC_ITEM)
    assert_like_recording(
        raw_get(classic, path),
        recorded(
            "protecteditem_get_InMageAzureV2_failedover_committed_before_reprotect.json", "ResponseBody"
        ),
    )

    first = FirstResponse()
    reprotected = items.begin_reprotect(
        *classic.item_scope, CLASSIC_ITEM, classic_reprotect_input(classic), raw_response_hook=first
    ).result()
    assert first.status == 202
    assert first.headers is not None
    assert "Azure-AsyncOperation" in first.headers
    assert isinstance(reprotected.properties.provider_specific_details, models.InMageReplicationDetails)
    # While the initial replication runs, failback is not offered yet.
    assert reprotected.properties.allowed_operations == ["DisableProtection"]
    job = raw_get(classic, job_path(classic, first.job_id))
    reprotect_job = recorded(
        "reprotect_post_InMage_to_InMageAzureV2_202_and_job_get_succeeded.json", "get_job_final"
    )
    assert job["properties"]["scenarioName"] == "SwitchReplicationGroupProtection"
    assert job["properties"]["friendlyName"] == "Reprotect"
    assert job["properties"]["state"] == "Succeeded"
    assert_job_like_recording(job, reprotect_job["ResponseBody"])
    assert job["properties"]["customDetails"]["instanceType"] == "SwitchProtectionJobDetails"
    assert job["properties"]["customDetails"]["newReplicationProtectedItemId"].endswith(CLASSIC_ITEM)
    skipped = {task["name"]: task["stateDescription"] for task in job["properties"]["tasks"]}
    assert skipped["VmCommitFailover"] == "Skipped"  # the failover was committed before reprotect

    syncing = raw_get(classic, path)["properties"]["providerSpecificDetails"]
    assert syncing["protectionStage"] == "Resync"
    assert 0 <= int(syncing["resyncDetails"]["initialReplicationProgressPercentage"]) < 100
    sim.runtime.advance(61)
    assert_like_recording(
        raw_get(classic, path),
        recorded(
            "protecteditem_listentry_InMage_protected_azure_to_onprem_before_failback.json", "value_entry_0"
        ),
    )

    first = FirstResponse()
    failed_back = items.begin_unplanned_failover(
        *classic.item_scope, CLASSIC_ITEM, classic_failback_input(), raw_response_hook=first
    ).result()
    assert failed_back.properties.protection_state == "UnplannedFailoverCommitPendingStatesBegin"
    assert failed_back.properties.provider_specific_details.active_site_type == "OnPrem"
    failover_job = raw_get(classic, job_path(classic, first.job_id))
    recorded_failover = recorded(
        "unplannedfailover_InMage_failback_post_202_jobs_and_commit_job.json",
        "get_job_ufo_final",
        "ResponseBody",
    )
    assert_job_like_recording(failover_job, recorded_failover)
    assert failover_job["properties"]["friendlyName"] == "Failover"
    states = {task["name"]: task["state"] for task in failover_job["properties"]["tasks"]}
    assert states["VmShutdownVmOnPrimary"] == "Succeeded"  # sourceSiteOperations Required (FB042)
    assert states["VmPrepareForUnPlannedFailover"] == "Succeeded"

    first = FirstResponse()
    committed = items.begin_failover_commit(
        *classic.item_scope, CLASSIC_ITEM, raw_response_hook=first
    ).result()
    assert committed.properties.protection_state == "UnplannedFailoverCommitted"
    commit_job = raw_get(classic, job_path(classic, first.job_id))
    recorded_commit = recorded(
        "unplannedfailover_InMage_failback_post_202_jobs_and_commit_job.json",
        "get_job_commit_final",
        "ResponseBody",
    )
    assert_job_like_recording(commit_job, recorded_commit)
    assert_like_recording(
        raw_get(classic, path),
        recorded(
            "protecteditem_get_InMage_failback_committed_before_reprotect_to_azure.json", "ResponseBody"
        ),
    )

    sim.runtime.advance(16)  # the failed-back VM's agent registers again before reprotect (FB028)
    back = items.begin_reprotect(
        *classic.item_scope, CLASSIC_ITEM, classic_reprotect_to_azure_input(classic)
    ).result()
    assert isinstance(back.properties.provider_specific_details, models.InMageAzureV2ReplicationDetails)
    sim.runtime.advance(61)
    final = items.get(*classic.item_scope, CLASSIC_ITEM)
    assert final.properties.protection_state == "Protected"
    assert final.properties.allowed_operations == ["UnplannedFailover", "DisableProtection", "TestFailover"]


def test_classic_failback_without_source_site_operations_skips_the_shut_down(classic: Vault) -> None:
    items = classic.client.replication_protected_items
    items.begin_reprotect(*classic.item_scope, CLASSIC_ITEM, classic_reprotect_input(classic)).result()
    classic.simulator.runtime.advance(61)
    first = FirstResponse()
    items.begin_unplanned_failover(
        *classic.item_scope, CLASSIC_ITEM, classic_failback_input("NotRequired"), raw_response_hook=first
    ).result()
    job = classic.client.replication_jobs.get(*classic.scope, first.job_id)
    shut_down = next(task for task in job.properties.tasks if task.name == "VmShutdownVmOnPrimary")
    assert (shut_down.state, shut_down.state_description) == ("Other", "Skipped")
    assert isinstance(job.properties.custom_details, models.FailoverJobDetails)


def test_modernized_round_trip_with_cancel(modern: Vault) -> None:
    client, sim = modern.client, modern.simulator
    items = client.replication_protected_items
    path = item_path(modern, MODERN_ITEM)

    first = FirstResponse()
    items.begin_reprotect(
        *modern.item_scope, MODERN_ITEM, modern_reprotect_input(modern), raw_response_hook=first
    ).result()
    job = raw_get(modern, job_path(modern, first.job_id))
    recorded_job = recorded(
        "reprotect_post_InMageRcm_to_InMageRcmFailback_202_and_job_get_inprogress.json", "get_job"
    )
    assert_job_like_recording(job, recorded_job["ResponseBody"])
    sim.runtime.advance(61)
    assert_like_recording(
        raw_get(modern, path),
        recorded("protecteditem_get_InMageRcmFailback_protected_before_plannedfailover.json", "ResponseBody"),
    )

    first = FirstResponse()
    planned = items.begin_planned_failover(
        *modern.item_scope, MODERN_ITEM, modern_failback_input(), raw_response_hook=first
    ).result()
    assert isinstance(
        planned.properties.provider_specific_details, models.InMageRcmFailbackReplicationDetails
    )
    planned_job = raw_get(modern, job_path(modern, first.job_id))
    recorded_planned = recorded(
        "plannedfailover_post_InMageRcmFailback_202_and_job_get_inprogress.json", "get_job"
    )
    assert_job_like_recording(planned_job, recorded_planned["ResponseBody"])
    assert planned_job["properties"]["friendlyName"] == "Planned failover"
    assert_like_recording(
        raw_get(modern, path),
        recorded(
            "protecteditem_get_InMageRcmFailback_plannedfailover_finished_before_reprotect.json",
            "ResponseBody",
        ),
    )

    cancelled = items.begin_failover_cancel(*modern.item_scope, MODERN_ITEM).result()
    assert cancelled.properties.protection_state == "Protected"
    assert cancelled.properties.allowed_operations == ["PlannedFailover", "DisableProtection"]

    items.begin_planned_failover(*modern.item_scope, MODERN_ITEM, modern_failback_input()).result()
    first = FirstResponse()
    committed = items.begin_failover_commit(*modern.item_scope, MODERN_ITEM, raw_response_hook=first).result()
    assert committed.properties.allowed_operations == [
        "CompleteMigration",
        "DisableProtection",
        "SwitchProtection",
    ]
    commit_job = raw_get(modern, job_path(modern, first.job_id))
    recorded_commit = recorded("job_get_CommitFailover_InMageRcm_succeeded.json", "ResponseBody_final")
    assert_job_like_recording(commit_job, recorded_commit)

    sim.runtime.advance(16)
    first = FirstResponse()
    back = items.begin_reprotect(
        *modern.item_scope, MODERN_ITEM, modern_reprotect_to_azure_input(modern), raw_response_hook=first
    ).result()
    assert isinstance(back.properties.provider_specific_details, models.InMageRcmReplicationDetails)
    back_job = raw_get(modern, job_path(modern, first.job_id))
    recorded_back = recorded(
        "reprotect_post_InMageRcmFailback_to_InMageRcm_202_and_job_get_inprogress.json", "get_job"
    )
    assert_job_like_recording(back_job, recorded_back["ResponseBody"])


def test_modernized_reprotect_of_an_uncommitted_failover_commits_first(modern: Vault) -> None:
    modern.simulator.runtime.set_stage(MODERN_ITEM, ItemStage.FAILED_OVER)
    assert_like_recording(
        raw_get(modern, item_path(modern, MODERN_ITEM)),
        recorded("protecteditem_get_InMageRcm_failedover_before_commit.json", "ResponseBody"),
    )
    first = FirstResponse()
    modern.client.replication_protected_items.begin_reprotect(
        *modern.item_scope, MODERN_ITEM, modern_reprotect_input(modern), raw_response_hook=first
    ).result()
    job = modern.client.replication_jobs.get(*modern.scope, first.job_id)
    commit_task = next(task for task in job.properties.tasks if task.name == "VmCommitFailover")
    assert commit_task.state == "Succeeded"
