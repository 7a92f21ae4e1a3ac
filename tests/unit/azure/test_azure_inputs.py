"""Request bodies built for both architectures match what Site Recovery was sent in live recordings."""

from __future__ import annotations

import json

import pytest
from asr_recordings import SPEC_EXAMPLES, load_recording
from hypothesis import given
from hypothesis import strategies as st

from failback_operator.azure import inputs
from failback_operator.facts.reprotect import ReprotectToAzureValues, ReprotectValues
from failback_operator.facts.spec import Architecture

CLASSIC_REPROTECT = load_recording("reprotect_post_InMageAzureV2_to_InMage_202_and_job_get_inprogress.json")
MODERNIZED_REPROTECT = load_recording(
    "reprotect_post_InMageRcm_to_InMageRcmFailback_202_and_job_get_inprogress.json"
)
MODERNIZED_FAILBACK = load_recording("plannedfailover_post_InMageRcmFailback_202_and_job_get_inprogress.json")
CLASSIC_FAILBACK = load_recording("unplannedfailover_InMage_failback_post_202_jobs_and_commit_job.json")


def wire(model) -> dict:
    """The JSON the SDK puts on the wire (REST names, read-only fields excluded)."""
    return json.loads(json.dumps(model.as_dict(exclude_readonly=True)))


def test_classic_reprotect_matches_recorded_request_body():
    recorded = CLASSIC_REPROTECT["post_reProtect"]["RequestBody"]
    sent = recorded["properties"]["providerSpecificDetails"]
    body = inputs.classic_reprotect_input(
        master_target_id=sent["masterTargetId"],
        process_server_id=sent["processServerId"],
        retention_drive=inputs.retention_drive_as_offered("F:", ["F"]),
        datastore_name=sent["datastoreName"],
        failback_policy_id=sent["profileId"],
        run_as_account_id=sent["runAsAccountId"],
    )
    assert wire(body) == recorded


def test_classic_reprotect_can_keep_the_temporary_disk():
    body = inputs.classic_reprotect_input(
        master_target_id="mt",
        process_server_id="ps",
        retention_drive="F",
        datastore_name="datastore1",
        failback_policy_id="/policy",
        run_as_account_id=None,
        exclude_azure_temporary_disk=False,
    )
    provider = wire(body)["properties"]["providerSpecificDetails"]
    assert "diskExclusionInput" not in provider
    assert "runAsAccountId" not in provider
    assert provider["instanceType"] == "InMage"


@pytest.mark.parametrize(
    ("requested", "offered", "sent"),
    [
        ("F", ["D", "F"], "F"),
        ("F:", ["D", "F"], "F"),
        ("f:\\", ["F"], "F"),
        ("F", ["F:"], "F:"),
        ("/mnt/retention/", ["/mnt/retention"], "/mnt/retention"),
    ],
)
def test_retention_drive_is_sent_as_the_master_target_names_it(requested, offered, sent):
    assert inputs.retention_drive_as_offered(requested, offered) == sent


def test_retention_drive_not_offered_is_refused_with_fb021():
    with pytest.raises(inputs.RetentionVolumeNotOffered, match=r"FB021.*'R:'.*offered: D, F"):
        inputs.retention_drive_as_offered("R:", ["D", "F"])


def test_modernized_reprotect_matches_recorded_request_body():
    recorded = MODERNIZED_REPROTECT["post_reProtect"]["RequestBody"]
    sent = recorded["properties"]["providerSpecificDetails"]
    body = inputs.modernized_reprotect_input(
        reprotect_agent_id=sent["reprotectAgentId"],
        datastore_name=sent["datastoreName"],
        log_storage_account_id=sent["logStorageAccountId"],
        failback_policy_id=sent["policyId"],
    )
    assert wire(body) == recorded


def test_classic_failback_requires_source_site_operations():
    recorded = CLASSIC_FAILBACK["post_unplannedFailover"]["RequestBody"]
    body = wire(inputs.classic_failback_input("LatestTime"))
    # Same shape as the live call, except that the operator insists on shutting the Azure VM down (FB042).
    assert body["properties"]["sourceSiteOperations"] == "Required"
    assert recorded["properties"]["sourceSiteOperations"] == "NotRequired"
    assert body["properties"]["failoverDirection"] == recorded["properties"]["failoverDirection"]
    assert body["properties"]["providerSpecificDetails"] == recorded["properties"]["providerSpecificDetails"]


def test_classic_failback_at_latest_tag():
    body = wire(inputs.classic_failback_input("LatestTag"))
    provider = body["properties"]["providerSpecificDetails"]
    assert provider == {"instanceType": "InMage", "recoveryPointType": "LatestTag"}


def test_classic_group_failback_goes_through_the_recovery_plan():
    body = wire(inputs.classic_group_failback_input("LatestTime"))
    assert body == {
        "properties": {
            "failoverDirection": "RecoveryToPrimary",
            "sourceSiteOperations": "Required",
            "providerSpecificDetails": [{"instanceType": "InMage", "recoveryPointType": "LatestTime"}],
        }
    }
    # The envelope is the documented one for recovery plan unplanned failover.
    example = json.loads((SPEC_EXAMPLES / "ReplicationRecoveryPlans_UnplannedFailover.json").read_text())
    assert set(body["properties"]) == set(example["parameters"]["input"]["properties"])


def test_modernized_failback_matches_recorded_request_body():
    recorded = MODERNIZED_FAILBACK["post_plannedFailover"]["RequestBody"]
    assert wire(inputs.modernized_failback_input("ApplicationConsistent")) == recorded


def test_modernized_failback_crash_consistent():
    body = wire(inputs.modernized_failback_input("CrashConsistent", failover_direction="PrimaryToRecovery"))
    assert body["properties"]["failoverDirection"] == "PrimaryToRecovery"
    assert body["properties"]["providerSpecificDetails"]["recoveryPointType"] == "CrashConsistent"


@pytest.mark.parametrize(("sync", "sent"), [(True, "Enable"), (False, "Disable")])
def test_modernized_group_failback_uses_the_multi_vm_sync_point(sync, sent):
    body = wire(inputs.modernized_group_failback_input("ApplicationConsistent", use_multi_vm_sync_point=sync))
    assert body["properties"]["providerSpecificDetails"] == [
        {
            "instanceType": "InMageRcmFailback",
            "recoveryPointType": "ApplicationConsistent",
            "useMultiVmSyncPoint": sent,
        }
    ]
    example = json.loads((SPEC_EXAMPLES / "ReplicationRecoveryPlans_PlannedFailover.json").read_text())
    assert set(body["properties"]) == set(example["parameters"]["input"]["properties"])


def test_reprotect_input_from_resolved_classic_values():
    recorded = CLASSIC_REPROTECT["post_reProtect"]["RequestBody"]
    sent = recorded["properties"]["providerSpecificDetails"]
    values = ReprotectValues(
        architecture=Architecture.CLASSIC,
        master_target_id=sent["masterTargetId"],
        process_server_id=sent["processServerId"],
        datastore=sent["datastoreName"],
        retention_drive=sent["retentionDrive"],
        policy_id=sent["profileId"],
        run_as_account_id=sent["runAsAccountId"],
    )
    assert wire(inputs.reprotect_input(values)) == recorded


def test_reprotect_input_from_resolved_modernized_values():
    recorded = MODERNIZED_REPROTECT["post_reProtect"]["RequestBody"]
    sent = recorded["properties"]["providerSpecificDetails"]
    values = ReprotectValues(
        architecture=Architecture.MODERNIZED,
        master_target_id=sent["reprotectAgentId"],
        datastore=sent["datastoreName"],
        policy_id=sent["policyId"],
        log_storage_account_id=sent["logStorageAccountId"],
    )
    assert wire(inputs.reprotect_input(values)) == recorded


@pytest.mark.parametrize(
    ("values", "named"),
    [
        (ReprotectValues(architecture=Architecture.CLASSIC, missing=("process server",)), "process server"),
        (
            ReprotectValues(
                architecture=Architecture.CLASSIC, master_target_id="mt", datastore="ds", policy_id="p"
            ),
            "process server, retention drive",
        ),
        (
            ReprotectValues(
                architecture=Architecture.MODERNIZED, master_target_id="agent", datastore="ds", policy_id="p"
            ),
            "log storage account",
        ),
    ],
)
def test_incomplete_reprotect_values_build_no_request(values, named):
    with pytest.raises(ValueError, match=f"FB029: reprotect values are missing: {named}"):
        inputs.reprotect_input(values)


@given(
    letter=st.sampled_from("DEFGHIJKLMNOPQRSTUVWXYZ"),
    suffix=st.sampled_from(["", ":", ":\\"]),
    lower=st.booleans(),
    offered_colon=st.booleans(),
)
def test_any_spelling_of_an_offered_letter_sends_the_offered_name(letter, suffix, lower, offered_colon):
    offered = letter + (":" if offered_colon else "")
    requested = (letter.lower() if lower else letter) + suffix
    assert inputs.retention_drive_as_offered(requested, ["C", offered]) == offered


def _recorded_post_body(name: str) -> dict:
    recording = load_recording(name)
    (post,) = [v for k, v in recording.items() if k.lower().startswith("post")]
    return post["RequestBody"]


@pytest.mark.parametrize(
    ("architecture", "name"),
    [
        (Architecture.CLASSIC, "reprotect_post_InMage_to_InMageAzureV2_202_and_job_get_succeeded.json"),
        (
            Architecture.MODERNIZED,
            "reprotect_post_InMageRcmFailback_to_InMageRcm_202_and_job_get_inprogress.json",
        ),
    ],
)
def test_reprotect_to_azure_matches_recorded_request_body(architecture, name):
    recorded = _recorded_post_body(name)
    sent = recorded["properties"]["providerSpecificDetails"]
    values = ReprotectToAzureValues(
        architecture=architecture,
        process_server_id=sent["processServerId"],
        run_as_account_id=sent["runAsAccountId"],
        policy_id=sent["policyId"],
    )
    assert wire(inputs.reprotect_to_azure_input(values)) == recorded


def test_incomplete_reprotect_to_azure_values_build_no_request():
    values = ReprotectToAzureValues(architecture=Architecture.CLASSIC, missing=("process server",))
    with pytest.raises(ValueError, match="process server"):
        inputs.reprotect_to_azure_input(values)
