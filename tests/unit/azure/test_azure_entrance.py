"""The adapter's entrance in domain terms: an item or group and the resolved values in, the SDK body out."""

from __future__ import annotations

import pytest
from asr_recordings import load_recording
from scripted_arm import SUBSCRIPTION, Answer, ScriptedArm

from failback_operator.facts import Architecture, RecoveryPointType, ReprotectValues

ITEM = load_recording("protecteditem_get_InMageAzureV2_failedover_committed_before_reprotect.json")[
    "ResponseBody"
]["id"]
CLASSIC_VALUES = ReprotectValues(
    architecture=Architecture.CLASSIC,
    master_target_id="30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
    process_server_id="14968BDF-E18E-7F45-A9B0E3EFAC2DDCA2",
    datastore="datastore1",
    retention_drive="F",
    policy_id="/policy",
    run_as_account_id="2",
)


def _accepted(arm: ScriptedArm) -> None:
    vault = (
        f"{arm.base_url}/Subscriptions/{SUBSCRIPTION}/resourceGroups/rg-dr"
        "/providers/Microsoft.RecoveryServices/vaults/vault-dr"
    )
    arm.answers.append(
        Answer(
            status=202,
            headers={"Azure-AsyncOperation": f"{vault}/replicationOperationStatus/job-1?api-version=x"},
        )
    )


CLASSIC, MODERNIZED = "InMage", "InMageRcmFailback"
CALLS = [
    ("fail_back", ITEM, RecoveryPointType.LATEST_TAG, "/unplannedFailover", CLASSIC),
    ("fail_back", ITEM, RecoveryPointType.CRASH_CONSISTENT, "/plannedFailover", MODERNIZED),
    ("fail_back_group", "rp-a", RecoveryPointType.LATEST_TIME, "/unplannedFailover", CLASSIC),
    ("fail_back_group", "rp-a", RecoveryPointType.APPLICATION_CONSISTENT, "/plannedFailover", MODERNIZED),
]


@pytest.mark.parametrize(("method", "target", "point", "suffix", "provider"), CALLS)
async def test_a_failback_names_the_point_and_the_adapter_picks_the_provider(
    arm, site_recovery, method, target, point, suffix, provider
):
    _accepted(arm)
    started = await getattr(site_recovery, method)(target, point)
    assert started.job_id == "job-1"
    (post,) = arm.arm_requests("POST")
    assert post.path.endswith(suffix)
    details = post.body["properties"]["providerSpecificDetails"]
    details = details[0] if isinstance(details, list) else details
    assert details["instanceType"] == provider
    assert details["recoveryPointType"] == point.value


async def test_a_reprotect_sends_the_values_the_rules_resolved(arm, site_recovery):
    _accepted(arm)
    await site_recovery.reprotect(ITEM, CLASSIC_VALUES)
    (post,) = arm.arm_requests("POST")
    assert post.path.endswith("/reProtect")
    details = post.body["properties"]["providerSpecificDetails"]
    assert (details["instanceType"], details["masterTargetId"], details["retentionDrive"]) == (
        "InMage",
        CLASSIC_VALUES.master_target_id,
        "F",
    )


async def test_incomplete_reprotect_values_send_nothing(arm, site_recovery):
    incomplete = ReprotectValues(architecture=Architecture.CLASSIC, missing=("process server",))
    with pytest.raises(ValueError, match="FB029"):
        await site_recovery.reprotect(ITEM, incomplete)
    assert arm.arm_requests("POST") == []
