"""The real SDK pipeline over local HTTPS: job ids, typed errors, read retries, POSTs sent once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from asr_recordings import load_recording
from scripted_arm import (
    CLIENT_ID,
    CLIENT_SECRET,
    FEDERATED_TOKEN,
    IDENTITY,
    SUBSCRIPTION,
    TENANT,
    Answer,
    vault_config,
)

from failback_operator.azure import (
    AuthenticationFailed,
    ClientSecret,
    Conflict,
    NotFound,
    OperationOutcomeUnknown,
    Refused,
    SiteRecovery,
    Throttled,
    Transient,
    VaultConfig,
    WorkloadIdentity,
    inputs,
    with_recovery_plans,
)
from failback_operator.azure.retry import ReadOnlyRetryPolicy

ITEM_BODY = load_recording("protecteditem_get_InMageAzureV2_failedover_committed_before_reprotect.json")[
    "ResponseBody"
]
JOB_BODY = load_recording("reprotect_post_InMageAzureV2_to_InMage_202_and_job_get_inprogress.json")[
    "get_job"
]["ResponseBody"]
ASR_ERROR = {
    "error": {
        "code": "28092",
        "message": "The operation failed as the replication item is not in a state to allow reprotect.",
        "possibleCauses": "The virtual machine is still being failed over.",
        "recommendedAction": "Retry the operation after the failover completes.",
    }
}


def accepted(job_id: str, base: str) -> Answer:
    vault = (
        f"{base}/Subscriptions/{SUBSCRIPTION}/resourceGroups/rg-dr"
        "/providers/Microsoft.RecoveryServices/vaults/vault-dr"
    )
    return Answer(
        status=202,
        headers={
            "Location": f"{vault}/replicationFabrics/f/replicationProtectionContainers/c/"
            f"replicationProtectedItems/i/operationresults/{job_id}?api-version=2025-08-01",
            "Azure-AsyncOperation": f"{vault}/replicationOperationStatus/{job_id}?api-version=2025-08-01",
            "Retry-After": "30",
        },
    )


async def test_reprotect_returns_the_job_id_at_once_and_is_sent_once(arm, site_recovery):
    arm.answers.append(accepted("8dfa5a4f-f24c-4e84-a640-1969a06a02ce", arm.base_url))
    body = inputs.classic_reprotect_input(
        master_target_id="30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
        process_server_id="14968BDF-E18E-7F45-A9B0E3EFAC2DDCA2",
        retention_drive="F",
        datastore_name="datastore1",
        failback_policy_id="/policy",
        run_as_account_id="2",
    )
    started = await site_recovery.start_reprotect(ITEM_BODY["id"], body)
    assert started.job_id == "8dfa5a4f-f24c-4e84-a640-1969a06a02ce"
    assert started.retry_after == 30
    (post,) = arm.arm_requests("POST")
    assert post.path.endswith("/replicationProtectedItems/V2A-W2K16-201-new/reProtect")
    assert post.query["api-version"] == "2025-08-01"
    assert post.authorization == "Bearer arm-token"
    assert post.body["properties"]["providerSpecificDetails"]["instanceType"] == "InMage"
    assert arm.arm_requests("GET") == []  # no waiting in the SDK poller


async def test_post_answered_500_is_an_unknown_outcome_and_is_not_retried(arm, site_recovery):
    arm.answers.append(Answer(status=500, body={"error": {"code": "InternalError", "message": "boom"}}))
    with pytest.raises(OperationOutcomeUnknown) as caught:
        await site_recovery.start_commit(ITEM_BODY["id"])
    assert caught.value.status == 500
    assert len(arm.arm_requests("POST")) == 1


async def test_post_whose_connection_drops_is_an_unknown_outcome(arm, site_recovery):
    arm.answers.append(Answer(drop_connection=True))
    with pytest.raises(OperationOutcomeUnknown):
        await site_recovery.start_unplanned_failover(
            ITEM_BODY["id"], inputs.classic_failback_input("LatestTime")
        )
    assert len(arm.arm_requests("POST")) == 1


async def test_throttled_post_is_not_retried_and_says_when_to_try_again(arm, site_recovery):
    arm.answers.append(
        Answer(status=429, headers={"Retry-After": "7"}, body={"error": {"code": "TooManyRequests"}})
    )
    with pytest.raises(Throttled) as caught:
        await site_recovery.start_plan_commit("rp-group-a")
    assert caught.value.retry_after == 7
    assert len(arm.arm_requests("POST")) == 1


async def test_refused_post_carries_the_site_recovery_error(arm, site_recovery):
    arm.answers.append(Answer(status=400, body=ASR_ERROR))
    with pytest.raises(Refused) as caught:
        await site_recovery.start_reprotect(
            ITEM_BODY["id"],
            inputs.modernized_reprotect_input(
                reprotect_agent_id="a", datastore_name="d", log_storage_account_id="s", failback_policy_id="p"
            ),
        )
    error = caught.value
    assert error.code == "28092"
    assert error.possible_causes.startswith("The virtual machine")
    assert error.recommended_action.startswith("Retry")
    assert "[28092]" in str(error)
    assert error.operation == "reprotect"


async def test_conflict_is_a_refusal(arm, site_recovery):
    arm.answers.append(Answer(status=409, body={"error": {"code": "Conflict", "message": "job running"}}))
    with pytest.raises(Conflict):
        await site_recovery.start_plan_cancel("rp-group-a")


async def test_read_retries_after_the_advertised_delay(arm, site_recovery):
    arm.answers += [Answer(status=429, headers={"Retry-After": "1"}), Answer(body=ITEM_BODY)]
    started = time.monotonic()
    item = await site_recovery.protected_item(ITEM_BODY["id"])
    assert time.monotonic() - started >= 1.0
    assert item.protection_state == "UnplannedFailoverCommitted"
    assert len(arm.arm_requests("GET")) == 2


async def test_read_does_not_sleep_through_a_long_retry_after(arm, site_recovery):
    arm.answers.append(Answer(status=429, headers={"Retry-After": "600"}))
    with pytest.raises(Throttled) as caught:
        await site_recovery.job("8dfa5a4f")
    assert caught.value.retry_after == 600
    assert len(arm.arm_requests("GET")) == 1


async def test_read_gives_up_after_bounded_retries_as_transient(arm):
    policy = ReadOnlyRetryPolicy(retry_total=2, retry_backoff_factor=0.01)
    arm.answers += [
        Answer(status=503, body={"error": {"code": "ServiceUnavailable", "message": "busy"}})
    ] * 10
    async with SiteRecovery.connect(vault_config(arm), IDENTITY, retry_policy=policy) as adapter:
        with pytest.raises(Transient) as caught:
            await adapter.job("8dfa5a4f")
    assert caught.value.code == "ServiceUnavailable"
    assert len(arm.arm_requests("GET")) == 3  # the first try and two retries


async def test_missing_job_is_not_found(arm, site_recovery):
    arm.answers.append(Answer(status=404, body={"error": {"code": "NotFound", "message": "no such job"}}))
    with pytest.raises(NotFound):
        await site_recovery.job("does-not-exist")


async def test_protected_items_are_one_paged_list(arm, site_recovery):
    second = dict(ITEM_BODY, name="second-item")
    next_link = (
        f"{arm.base_url}/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices"
        "/vaults/vault-dr/replicationProtectedItems?api-version=2025-08-01&skipToken=page2"
    )
    arm.answers += [
        Answer(body={"value": [ITEM_BODY], "nextLink": next_link}),
        Answer(body={"value": [second]}),
    ]
    items = await site_recovery.protected_items()
    assert [i.name for i in items] == ["V2A-W2K16-201-new", "second-item"]
    gets = arm.arm_requests("GET")
    assert len(gets) == 2
    assert all(g.path.endswith("/vaults/vault-dr/replicationProtectedItems") for g in gets)


async def test_protected_item_entries_are_read_from_their_json_without_the_sdks_model(
    arm, site_recovery, monkeypatch
):
    """Building the SDK's model of an item took about 0.8 ms: items that replicate back change at
    every read, so a list of thousands cost seconds. Its facts are the model's facts."""
    from azure.mgmt.recoveryservicessiterecovery import models

    from failback_operator.azure.parse import protected_item_from_sdk

    expected = protected_item_from_sdk(models.ReplicationProtectedItem(dict(ITEM_BODY)))
    models_built: list[object] = []
    model_init = models.ReplicationProtectedItem.__init__

    def counting(self, *args, **kwargs):
        models_built.append(self)
        model_init(self, *args, **kwargs)

    monkeypatch.setattr(models.ReplicationProtectedItem, "__init__", counting)
    arm.answers.append(Answer(body={"value": [ITEM_BODY]}))
    (item,) = await site_recovery.protected_items()
    assert models_built == []
    assert item == expected


async def test_recent_jobs_are_one_list_filtered_by_start(arm, site_recovery):
    old = dict(
        JOB_BODY, name="old", properties=dict(JOB_BODY["properties"], startTime="2020-01-01T00:00:00Z")
    )
    arm.answers.append(Answer(body={"value": [JOB_BODY, old]}))
    jobs = await site_recovery.recent_jobs(datetime(2021, 4, 1, tzinfo=UTC))
    assert [j.id for j in jobs] == [JOB_BODY["name"]]
    (get,) = arm.arm_requests("GET")
    assert get.path.endswith("/replicationJobs")
    assert "StartTime" in get.query["$filter"]


async def test_a_long_jobs_list_is_turned_into_facts_page_by_page(arm, site_recovery, monkeypatch):
    """Thousands of jobs: only one page of the SDK's models (each keeping its whole answer) at a time."""
    from failback_operator.azure import site_recovery as adapter

    next_link = (
        f"{arm.base_url}/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices"
        "/vaults/vault-dr/replicationJobs?api-version=2025-08-01&skipToken=page2"
    )
    arm.answers += [
        Answer(body={"value": [JOB_BODY], "nextLink": next_link}),
        Answer(body={"value": [dict(JOB_BODY, name="second-job")]}),
    ]
    pages_read_at_conversion: list[int] = []
    convert = adapter.job_from_sdk

    def recording(job, *args, **kwargs):
        pages_read_at_conversion.append(len(arm.arm_requests("GET")))
        return convert(job, *args, **kwargs)

    monkeypatch.setattr(adapter, "job_from_sdk", recording)
    jobs = await site_recovery.recent_jobs(datetime(2021, 4, 1, tzinfo=UTC))
    assert [j.id for j in jobs] == [JOB_BODY["name"], "second-job"]
    assert pages_read_at_conversion == [1, 2]


async def test_an_entry_listed_again_unchanged_is_the_fact_read_before(arm, site_recovery):
    """A list read again parses only the entries whose JSON changed; the others are the same facts."""
    running = dict(JOB_BODY, id=f"{JOB_BODY['id']}-2", name="second-job")
    ended = dict(
        running, properties=dict(running["properties"], state="Succeeded", endTime="2021-04-01T10:00:00Z")
    )
    arm.answers += [Answer(body={"value": [JOB_BODY, running]}), Answer(body={"value": [JOB_BODY, ended]})]
    since = datetime(2021, 4, 1, tzinfo=UTC)
    first = await site_recovery.recent_jobs(since)
    assert site_recovery.known.jobs.built == 2
    second = await site_recovery.recent_jobs(since)
    assert second[0] is first[0]  # unchanged: not parsed again
    assert second[1] is not first[1]
    assert second[1].state == "Succeeded"
    assert first[1].state != "Succeeded"
    assert site_recovery.known.jobs.built == 3


async def test_a_list_page_answered_with_an_error_is_the_typed_error(arm, site_recovery):
    arm.answers += [
        Answer(status=404, body={"error": {"code": "ResourceNotFound", "message": "no such vault"}}),
        Answer(status=429, headers={"Retry-After": "600"}),
    ]
    with pytest.raises(NotFound) as missing:
        await site_recovery.protected_items()
    assert missing.value.code == "ResourceNotFound"
    with pytest.raises(Throttled) as throttled:
        await site_recovery.recent_jobs(datetime(2021, 4, 1, tzinfo=UTC))
    assert throttled.value.retry_after == 600
    assert site_recovery.known.items.built == site_recovery.known.jobs.built == 0


async def test_the_secret_never_appears_in_errors_or_reprs(arm, site_recovery):
    echo = {"error": {"code": "Echo", "message": f"client_secret={CLIENT_SECRET} was rejected"}}
    arm.answers.append(Answer(status=400, body=echo))
    with pytest.raises(Refused) as caught:
        await site_recovery.start_plan_commit("rp")
    for text in (str(caught.value), repr(caught.value), repr(site_recovery), repr(site_recovery.config)):
        assert CLIENT_SECRET not in text
    identity = ClientSecret(tenant_id=TENANT, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert CLIENT_SECRET not in repr(identity)
    assert CLIENT_SECRET not in identity.model_dump_json()


STARTERS = [
    ("start_reprotect", "item", lambda: inputs.modernized_reprotect_input(
        reprotect_agent_id="a", datastore_name="d", log_storage_account_id="s", failback_policy_id="p"
    ), "/replicationProtectedItems/V2A-W2K16-201-new/reProtect"),
    ("start_unplanned_failover", "item", lambda: inputs.classic_failback_input("LatestTag"),
     "/replicationProtectedItems/V2A-W2K16-201-new/unplannedFailover"),
    ("start_planned_failover", "item", lambda: inputs.modernized_failback_input("CrashConsistent"),
     "/replicationProtectedItems/V2A-W2K16-201-new/plannedFailover"),
    ("start_commit", "item", None, "/replicationProtectedItems/V2A-W2K16-201-new/failoverCommit"),
    ("start_cancel", "item", None, "/replicationProtectedItems/V2A-W2K16-201-new/failoverCancel"),
    ("start_plan_unplanned_failover", "plan", lambda: inputs.classic_group_failback_input("LatestTime"),
     "/replicationRecoveryPlans/rp-a/unplannedFailover"),
    ("start_plan_planned_failover", "plan", lambda: inputs.modernized_group_failback_input("CrashConsistent"),
     "/replicationRecoveryPlans/rp-a/plannedFailover"),
    ("start_plan_commit", "plan", None, "/replicationRecoveryPlans/rp-a/failoverCommit"),
    ("start_plan_cancel", "plan", None, "/replicationRecoveryPlans/rp-a/failoverCancel"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "target", "body", "suffix"), STARTERS, ids=[s[0] for s in STARTERS])
async def test_every_start_posts_once_to_its_route_and_returns_the_job(
    arm, site_recovery, method, target, body, suffix
):
    arm.answers.append(accepted("job-" + method, arm.base_url))
    args = [ITEM_BODY["id"] if target == "item" else "rp-a"]
    if body is not None:
        args.append(body())
    started = await getattr(site_recovery, method)(*args)
    assert started.job_id == "job-" + method
    (post,) = arm.arm_requests()
    assert post.method == "POST"
    assert post.path.lower().endswith(suffix.lower())
    if body is not None:
        assert post.body == json.loads(json.dumps(args[-1].as_dict(exclude_readonly=True)))


async def test_configuration_server_reads_the_fabric_and_its_vcenters(arm, site_recovery):
    fabric = load_recording("fabric_get_VMware.json")["ResponseBody"]
    vcenter = {
        "id": "/x/replicationvCenters/vc1",
        "name": "vc1",
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationvCenters",
        "properties": {
            "friendlyName": "vcenter.lab",
            "ipAddress": "10.0.0.5",
            "port": "443",
            "runAsAccountId": "1",
        },
    }
    listed = {"value": [{"id": "/x/replicationFabrics/cs-fabric", "name": "cs-fabric", "properties": {}}]}
    arm.answers += [Answer(body=listed), Answer(body=fabric), Answer(body={"value": [vcenter]})]
    server = await site_recovery.configuration_server()
    assert server.name == "PwsTestCS"
    assert [(v.name, v.port, v.run_as_account_id) for v in server.vcenters] == [("vcenter.lab", 443, "1")]
    fabric_list, fabric_get, vcenter_list = arm.arm_requests("GET")
    assert fabric_list.path.endswith("/replicationFabrics")
    assert fabric_get.path.endswith("/replicationFabrics/cs-fabric")
    assert vcenter_list.path.endswith("/replicationFabrics/cs-fabric/replicationvCenters")


async def test_failback_policy_with_its_container_mapping(arm, site_recovery):
    policy_id = (
        "/Subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v"
        "/replicationPolicies/FB"
    )
    policy = {
        "id": policy_id,
        "name": "fb",
        "properties": {
            "friendlyName": "failback-policy",
            "providerSpecificDetails": {
                "instanceType": "InMage",
                "recoveryPointThresholdInMinutes": 15,
                "recoveryPointHistory": 1440,
                "appConsistentFrequencyInMinutes": 60,
                "multiVmSyncStatus": "Enabled",
            },
        },
    }
    forward = {
        "id": "/p/forward",
        "name": "forward",
        "properties": {"providerSpecificDetails": {"instanceType": "InMageAzureV2"}},
    }
    mapping = {
        "id": "/m/1",
        "name": "m1",
        "properties": {
            "policyId": policy_id.lower(),
            "sourceFabricFriendlyName": "PwsTestCS",
            "state": "Paired",
        },
    }
    arm.answers += [Answer(body={"value": [policy, forward]}), Answer(body={"value": [mapping]})]
    (found,) = await site_recovery.failback_policies()
    assert (found.name, found.provider, found.rpo_threshold_minutes, found.retention_minutes) == (
        "failback-policy",
        "InMage",
        15,
        1440,
    )
    assert found.app_consistent_frequency_minutes == 60
    assert found.associated_configuration_servers == ("PwsTestCS",)


async def test_recovery_plans_name_the_group_of_each_item(arm, site_recovery):
    plan = {
        "id": "/rp/rp-a",
        "name": "rp-a",
        "properties": {
            "friendlyName": "group A",
            "allowedOperations": ["UnplannedFailover"],
            "replicationProviders": ["InMage"],
            "currentScenario": {"scenarioName": "None"},
            "groups": [{"groupType": "Boot", "replicationProtectedItems": [{"id": ITEM_BODY["id"].upper()}]}],
        },
    }
    arm.answers += [
        Answer(body={"value": [plan]}),
        Answer(body={"value": [ITEM_BODY]}),
        Answer(body={"value": [JOB_BODY]}),
    ]
    (found,) = await site_recovery.recovery_plans()
    assert found.current_scenario is None
    facts = await site_recovery.poll(datetime(2021, 4, 6, tzinfo=UTC))
    (item,) = with_recovery_plans(facts.protected_items, [found])
    assert item.recovery_plan == "rp-a"
    assert [j.id for j in facts.jobs] == [JOB_BODY["name"]]
    assert [r.path.rsplit("/", 1)[-1] for r in arm.arm_requests("GET")] == [
        "replicationRecoveryPlans",
        "replicationProtectedItems",
        "replicationJobs",
    ]


async def test_jobs_for_adopts_the_job_of_a_lost_answer(arm, site_recovery):
    arm.answers.append(Answer(body={"value": [JOB_BODY]}))
    (job,) = await site_recovery.jobs_for(
        since=datetime(2021, 4, 6, 10, tzinfo=UTC),
        names=["V2A-W2K16-201"],
        scenarios=["SwitchReplicationGroupProtection"],
    )
    assert job.id == "8dfa5a4f-f24c-4e84-a640-1969a06a02ce"
    assert job.state == "InProgress"


async def test_workload_identity_signs_in_with_the_projected_token(arm, tmp_path):
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(FEDERATED_TOKEN)
    identity = WorkloadIdentity(tenant_id=TENANT, client_id=CLIENT_ID, token_file_path=str(token_file))
    arm.answers.append(Answer(body=JOB_BODY))
    async with SiteRecovery.connect(vault_config(arm), identity) as adapter:
        job = await adapter.job(JOB_BODY["name"])
    assert job.scenario == "SwitchReplicationGroupProtection"
    (get,) = arm.arm_requests("GET")
    assert get.authorization == "Bearer arm-token"
    (form,) = arm.token_forms
    assert form["client_assertion"] == FEDERATED_TOKEN
    assert form["scope"] == "https://management.azure.com/.default"


async def test_wrong_secret_is_an_authentication_failure_and_nothing_is_posted(arm):
    wrong = ClientSecret(tenant_id=TENANT, client_id=CLIENT_ID, client_secret="not-the-secret-xyz")
    async with SiteRecovery.connect(vault_config(arm), wrong) as adapter:
        with pytest.raises(AuthenticationFailed) as caught:
            await adapter.start_commit(ITEM_BODY["id"])
    assert arm.arm_requests() == []  # refused before anything reached Resource Manager
    assert "not-the-secret-xyz" not in str(caught.value)
    assert "not-the-secret-xyz" not in repr(caught.value)


def test_vault_endpoint_must_be_https():
    with pytest.raises(ValueError, match="https"):
        VaultConfig(
            subscription_id="s", resource_group="rg", vault="v", fabric="f", endpoint="http://127.0.0.1:1"
        )
