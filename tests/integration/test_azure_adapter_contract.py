"""The adapter against the Site Recovery simulator over HTTPS: every call it makes, faults as typed errors."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.azure import (
    AuthenticationFailed,
    ClientSecret,
    ConfigurationServerNotFound,
    Conflict,
    OperationOutcomeUnknown,
    Refused,
    SiteRecovery,
    Throttled,
    Transient,
    VaultConfig,
    inputs,
    with_recovery_plans,
)
from failback_operator.azure.client import build_credential, build_management_client
from failback_operator.azure.parse import job_from_sdk, protected_item_from_sdk
from failback_operator.azure.site_recovery import item_ref
from failback_operator.facts.asr import ProtectedItem
from failback_operator.facts.spec import Architecture, OsType
from failback_operator.rules.failback import shutdown_problems
from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.sim.asr.scenario import ItemStage
from tests.support.asr_sim import scenario

CLASSIC_ITEMS = ("V2A-W2K16-201-new", "V2A-W2K19-202-new")


def connect(simulator: AsrSimulator, configuration_server: str | None = None) -> SiteRecovery:
    scenario = simulator.runtime.scenario
    config = VaultConfig(
        subscription_id=scenario.vault.subscription,
        resource_group=scenario.vault.resource_group,
        vault=scenario.vault.name,
        fabric=configuration_server or scenario.configuration_server.fabric_name,
        endpoint=simulator.base_url,
        authority=simulator.base_url,
        ca_file=str(simulator.ca_file),
        disable_instance_discovery=True,
    )
    identity = ClientSecret(
        tenant_id=simulator.tenant, client_id=simulator.client_id, client_secret=simulator.client_secret
    )
    return SiteRecovery.connect(config, identity)


@pytest.fixture
async def classic_vault(classic_sim: AsrSimulator):
    async with connect(classic_sim) as adapter:
        yield adapter


@pytest.fixture
async def modern_vault(modern_sim: AsrSimulator):
    async with connect(modern_sim) as adapter:
        yield adapter


def since(simulator: AsrSimulator) -> datetime:
    return simulator.runtime.clock.now() - timedelta(seconds=1)


def posts(simulator: AsrSimulator) -> list[dict]:
    return [r for r in simulator.runtime.log.records() if r.get("method") == "POST"]


def by_name(items: tuple[ProtectedItem, ...]) -> dict[str, ProtectedItem]:
    return {item.name: item for item in items}


async def classic_reprotect(adapter: SiteRecovery, item: ProtectedItem, requested_drive: str = "F:"):
    """Reprotect one classic item with inputs from the configuration server's facts."""
    return await adapter.start_reprotect(item, await classic_reprotect_body(adapter, requested_drive))


async def classic_reprotect_body(adapter: SiteRecovery, requested_drive: str = "F:"):
    """FB029: reprotect inputs taken from the configuration server's facts, as the operator does."""
    server = await adapter.configuration_server()
    (policy,) = await adapter.failback_policies()
    master_target = next(m for m in server.master_targets if m.name == "V2A-PS-200")
    process_server = next(p for p in server.process_servers if p.name == "V2A-PS-200")
    body = inputs.classic_reprotect_input(
        master_target_id=master_target.id,
        process_server_id=process_server.id,
        retention_drive=inputs.retention_drive_as_offered(
            requested_drive, [v.name for v in master_target.retention_volumes]
        ),
        datastore_name=master_target.datastores[0].name,
        failback_policy_id=policy.id,
        run_as_account_id=next(a.id for a in server.run_as_accounts if a.name == "windowsuser"),
    )
    return body


async def test_classic_reads_give_the_configuration_server_policy_items_and_plans(classic_vault):
    server = await classic_vault.configuration_server()
    assert server.architecture is Architecture.CLASSIC
    assert server.last_heartbeat is not None
    master_target = next(m for m in server.master_targets if m.name == "V2A-PS-200")
    assert [v.name for v in master_target.retention_volumes] == ["F"]
    assert [d.name for d in master_target.datastores] == ["datastore1", "DS-77"]
    assert master_target.datastores[0].capacity_gb == pytest.approx(439.5)
    assert {a.name for a in server.run_as_accounts} == {"vcenteruser", "windowsuser", "linuxuser"}
    assert server.vcenters
    (policy,) = await classic_vault.failback_policies()
    assert (policy.name, policy.provider) == ("Ploicyv2a-failback", "InMage")
    assert policy.rpo_threshold_minutes == 15
    assert policy.retention_minutes == 24 * 60
    assert policy.app_consistent_frequency_minutes == 60
    assert "PwsTestCS" in policy.associated_configuration_servers
    items = by_name(await classic_vault.protected_items())
    assert set(items) == set(CLASSIC_ITEMS)
    item = items["V2A-W2K16-201-new"]
    assert item.instance_type == "InMageAzureV2"
    assert item.protection_state == "UnplannedFailoverCommitted"
    assert "SwitchProtection" in item.allowed_operations
    assert item.os_type is OsType.WINDOWS
    assert item.disk_count == 2
    plans = await classic_vault.recovery_plans()
    grouped = by_name(with_recovery_plans(items.values(), plans))
    assert {i.recovery_plan for i in grouped.values()} == {"rp-app1"}


async def test_the_configuration_server_can_be_named_by_its_friendly_name(classic_sim):
    fabric = classic_sim.runtime.scenario.configuration_server.fabric_name
    async with connect(classic_sim, "pwstestcs") as adapter:
        assert await adapter.configuration_server_fabric() == fabric
        server = await adapter.configuration_server()
        assert server.name == "PwsTestCS"
        assert server.vcenters
        await adapter.configuration_server()
    # The fabric list is read once for the client's life, not once per read.
    assert classic_sim.runtime.log.count("ReplicationFabrics_List") == 1


async def test_an_unknown_configuration_server_is_named_with_the_fabrics_the_vault_has(classic_sim):
    fabric = classic_sim.runtime.scenario.configuration_server.fabric_name
    async with connect(classic_sim, "PwsTestCS-typo") as adapter:
        with pytest.raises(ConfigurationServerNotFound) as raised:
            await adapter.configuration_server()
    assert f"PwsTestCS ({fabric})" in str(raised.value)
    assert classic_sim.runtime.log.count("ReplicationFabrics_Get") == 0


async def test_provider_types_deserialize_to_their_sdk_models(classic_vault, modern_vault, classic_sim):
    scope = (classic_sim.runtime.scenario.vault.resource_group, classic_sim.runtime.scenario.vault.name)
    raw = [i async for i in classic_vault._client.replication_protected_items.list(*scope)]
    assert all(
        isinstance(i.properties.provider_specific_details, models.InMageAzureV2ReplicationDetails)
        for i in raw
    )
    server = await modern_vault.configuration_server()
    assert server.architecture is Architecture.MODERNIZED
    assert {m.name for m in server.master_targets} == {"Rcm-App-150", "Rcm-App-151"}
    assert all(m.datastores[0].name == "SharedDS-84-85" for m in server.master_targets)
    assert server.last_heartbeat is not None  # from the appliance's agents
    modern_items = await modern_vault.protected_items()
    assert {i.instance_type for i in modern_items} == {"InMageRcm"}


async def test_classic_round_trip_reprotect_failback_commit(classic_sim, classic_vault):
    runtime = classic_sim.runtime
    runtime.advance(16)  # past the agent window (FB028)
    items = by_name(await classic_vault.protected_items())
    started_at = since(classic_sim)
    reprotects = [await classic_reprotect(classic_vault, items[name]) for name in CLASSIC_ITEMS]
    assert len({r.job_id for r in reprotects}) == 2
    job = await classic_vault.job(reprotects[0].job_id)
    assert (job.scenario, job.name) == ("SwitchReplicationGroupProtection", "Reprotect")
    runtime.advance(120)  # reprotect and initial resync
    facts = await classic_vault.poll(started_at)
    assert {j.id for j in facts.jobs} >= {r.job_id for r in reprotects}
    assert all(j.state == "Succeeded" for j in facts.jobs if j.id in {r.job_id for r in reprotects})
    for item in facts.protected_items:
        assert item.instance_type == "InMage"
        assert item.protection_state == "Protected"
        assert "UnplannedFailover" in item.allowed_operations  # FB032: failback may start

    failback = await classic_vault.start_plan_unplanned_failover(
        "rp-app1", inputs.classic_group_failback_input("LatestTime")
    )
    runtime.advance(30)
    job = await classic_vault.job(failback.job_id)
    assert job.id != failback.job_id  # the 202 named a tracking id; the GET answers with the job
    assert job.state == "Succeeded"
    assert job.detailed
    for name in CLASSIC_ITEMS:  # FB042: each machine's task in the shut-down group succeeded
        assert shutdown_problems(job, {items[name].friendly_name or name}) == []
    listed = {j.id: j for j in (await classic_vault.poll(started_at)).jobs}
    assert failback.job_id not in listed
    assert listed[job.id].tasks == ()
    assert not listed[job.id].detailed

    commit = await classic_vault.start_plan_commit("rp-app1")
    runtime.advance(10)
    assert (await classic_vault.job(commit.job_id)).state == "Succeeded"
    for item in await classic_vault.protected_items():
        assert item.protection_state == "UnplannedFailoverCommitted"
        assert item.active_location == "Recovery"
    for name in CLASSIC_ITEMS:  # each mutating call reached Site Recovery exactly once
        assert runtime.log.count("ReplicationProtectedItems_Reprotect", name) == 1
    assert runtime.log.count("ReplicationRecoveryPlans_UnplannedFailover") == 1
    assert runtime.log.count("ReplicationRecoveryPlans_FailoverCommit") == 1


async def test_agent_not_installed_refusal_is_typed_with_its_code(classic_sim, classic_vault):
    item = by_name(await classic_vault.protected_items())["V2A-W2K16-201-new"]
    classic_sim.runtime.boot_azure_vm(item.name)  # the agent window starts again (FB028)
    with pytest.raises(Refused) as caught:
        await classic_reprotect(classic_vault, item)
    assert caught.value.code == "AgentNotInstalled"
    assert caught.value.recommended_action
    assert len(posts(classic_sim)) == 1


async def test_second_operation_on_a_busy_item_is_a_conflict(classic_sim, classic_vault):
    classic_sim.runtime.advance(16)
    item = by_name(await classic_vault.protected_items())["V2A-W2K16-201-new"]
    await classic_reprotect(classic_vault, item)
    with pytest.raises(Conflict) as caught:
        await classic_reprotect(classic_vault, item)
    assert caught.value.code == "OperationInProgress"


@pytest.mark.parametrize("mode", ["drop", "500"])
async def test_lost_post_answer_is_unknown_and_the_job_is_then_found(classic_sim, classic_vault, mode):
    runtime = classic_sim.runtime
    runtime.advance(16)
    item = by_name(await classic_vault.protected_items())["V2A-W2K16-201-new"]
    intent = since(classic_sim)
    runtime.set_faults(lose_post_responses=1, lose_post_mode=mode)
    with pytest.raises(OperationOutcomeUnknown):
        await classic_reprotect(classic_vault, item)
    assert len(posts(classic_sim)) == 1  # sent once, never retried
    (job,) = await classic_vault.jobs_for(
        since=intent, names=[item.friendly_name or ""], scenarios=["SwitchReplicationGroupProtection"]
    )
    assert job.state in ("NotStarted", "InProgress")
    assert len(posts(classic_sim)) == 1


async def test_job_failure_carries_the_documented_code(classic_sim, classic_vault):
    runtime = classic_sim.runtime
    runtime.advance(16)
    runtime.set_faults(job_failures=[{"operation": "reprotect", "code": "95226"}])
    item = by_name(await classic_vault.protected_items())["V2A-W2K16-201-new"]
    started = await classic_reprotect(classic_vault, item)
    runtime.advance(60)
    job = await classic_vault.job(started.job_id)
    assert job.state == "Failed"
    codes = {e.code for e in job.errors} | {e.code for t in job.tasks for e in t.errors}
    assert "95226" in codes


async def test_throttled_reads_wait_for_the_advertised_delay(classic_sim, classic_vault):
    classic_sim.runtime.set_faults(
        throttling={"enabled": True, "read_burst": 1, "read_refill_per_second": 1.0, "write_burst": 5}
    )
    started = time.monotonic()
    await classic_vault.protected_items()
    await classic_vault.protected_items()  # the bucket is empty: 429, Retry-After, then served
    elapsed = time.monotonic() - started
    statuses = [r.get("status") for r in classic_sim.runtime.log.records() if r.get("method") == "GET"]
    assert 429 in statuses
    assert statuses[-1] == 200
    assert elapsed >= 0.5


async def test_server_error_on_a_read_is_retried(classic_sim, classic_vault):
    classic_sim.runtime.set_faults(server_errors=1)
    items = await classic_vault.protected_items()
    assert len(items) == 2
    statuses = [r.get("status") for r in classic_sim.runtime.log.records() if r.get("method") == "GET"]
    assert statuses[:2] == [500, 200]


async def test_modernized_round_trip_with_cancel(modern_sim, modern_vault):
    runtime = modern_sim.runtime
    runtime.advance(16)
    (policy,) = await modern_vault.failback_policies()
    assert policy.provider == "InMageRcmFailback"
    server = await modern_vault.configuration_server()
    agent = next(m for m in server.master_targets if m.name == "Rcm-App-150")
    scenario = runtime.scenario
    storage = (
        f"/subscriptions/{scenario.vault.subscription}/resourceGroups/{scenario.vault.resource_group}"
        f"/providers/Microsoft.Storage/storageAccounts/{scenario.log_storage_account}"
    )
    for item in await modern_vault.protected_items():
        body = inputs.modernized_reprotect_input(
            reprotect_agent_id=agent.id,
            datastore_name=agent.datastores[0].name,
            log_storage_account_id=storage,
            failback_policy_id=policy.id,
        )
        await modern_vault.start_reprotect(item, body)
    runtime.advance(120)
    items = await modern_vault.protected_items()
    assert {i.instance_type for i in items} == {"InMageRcmFailback"}
    assert all("PlannedFailover" in i.allowed_operations for i in items)

    body = inputs.modernized_group_failback_input("CrashConsistent")
    first = await modern_vault.start_plan_planned_failover("rp-rcm", body)
    runtime.advance(30)
    assert (await modern_vault.job(first.job_id)).scenario == "PlannedFailover"
    assert all("CancelFailover" in i.allowed_operations for i in await modern_vault.protected_items())
    cancel = await modern_vault.start_plan_cancel("rp-rcm")
    runtime.advance(30)
    assert (await modern_vault.job(cancel.job_id)).state == "Succeeded"
    items = await modern_vault.protected_items()
    assert all("PlannedFailover" in i.allowed_operations for i in items)

    one = items[0]
    again = await modern_vault.start_planned_failover(
        one, inputs.modernized_failback_input("CrashConsistent")
    )
    runtime.advance(30)
    assert (await modern_vault.job(again.job_id)).state == "Succeeded"
    commit = await modern_vault.start_commit(item_ref(one.id or ""))
    runtime.advance(10)
    assert (await modern_vault.job(commit.job_id)).state == "Succeeded"
    committed = by_name(await modern_vault.protected_items())[one.name]
    assert "Commit" not in committed.allowed_operations


async def test_recent_jobs_are_filtered_by_start(classic_sim, classic_vault):
    classic_sim.runtime.advance(16)
    item = by_name(await classic_vault.protected_items())["V2A-W2K16-201-new"]
    before = since(classic_sim)
    started = await classic_reprotect(classic_vault, item)
    later = datetime.now(UTC) + timedelta(days=365)
    assert [j.id for j in await classic_vault.recent_jobs(before)] == [started.job_id]
    assert await classic_vault.recent_jobs(later) == ()


async def modernized_reprotect_body(adapter: SiteRecovery, simulator: AsrSimulator):
    (policy,) = await adapter.failback_policies()
    server = await adapter.configuration_server()
    agent = next(m for m in server.master_targets if m.name == "Rcm-App-150")
    scenario = simulator.runtime.scenario
    return inputs.modernized_reprotect_input(
        reprotect_agent_id=agent.id,
        datastore_name=agent.datastores[0].name,
        log_storage_account_id=(
            f"/subscriptions/{scenario.vault.subscription}/resourceGroups/{scenario.vault.resource_group}"
            f"/providers/Microsoft.Storage/storageAccounts/{scenario.log_storage_account}"
        ),
        failback_policy_id=policy.id,
    )


async def sdk_model_facts(adapter: SiteRecovery, simulator: AsrSimulator, jobs_since: datetime):
    """The items and jobs as the SDK's own list operations build them, turned into facts."""
    scope = (simulator.runtime.scenario.vault.resource_group, simulator.runtime.scenario.vault.name)
    query = f"StartTime eq '{jobs_since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    items = [
        protected_item_from_sdk(i) async for i in adapter._client.replication_protected_items.list(*scope)
    ]
    jobs = [job_from_sdk(j) async for j in adapter._client.replication_jobs.list(*scope, filter=query)]
    return items, jobs


@pytest.mark.parametrize("vault", ["classic", "modernized"])
async def test_lists_read_as_json_give_the_facts_the_sdk_models_give(vault, classic_sim, modern_sim):
    simulator = classic_sim if vault == "classic" else modern_sim
    async with connect(simulator) as adapter:
        start = since(simulator)
        simulator.runtime.advance(16)
        for item in await adapter.protected_items():  # a job per item, and items of the other direction
            if vault == "classic":
                await classic_reprotect(adapter, item)
            else:
                await adapter.start_reprotect(item, await modernized_reprotect_body(adapter, simulator))
        simulator.runtime.advance(600)
        simulator.runtime.clock.set_time_scale(1e-9)  # heartbeats and progress stand still between reads
        items, jobs = await adapter.protected_items(), await adapter.recent_jobs(start)
        assert len(jobs) >= 2
        sdk_items, sdk_jobs = await sdk_model_facts(adapter, simulator, start)
        assert list(items) == sdk_items
        assert list(jobs) == [j for j in sdk_jobs if j.start is None or j.start >= start]
        # Read again with nothing changed: the same facts, none parsed again.
        built = adapter.known.items.built + adapter.known.jobs.built
        again = await adapter.protected_items(), await adapter.recent_jobs(start)
        assert all(a is b for a, b in zip(again[0] + again[1], items + jobs, strict=True))
        assert adapter.known.items.built + adapter.known.jobs.built == built


async def test_linux_group_member_fails_back_alone_with_retention_path(linux_sim):
    runtime = linux_sim.runtime
    async with connect(linux_sim) as adapter:
        runtime.advance(16)
        server = await adapter.configuration_server()
        master_target = next(m for m in server.master_targets if m.os_type is OsType.LINUX)
        process_server = next(p for p in server.process_servers if p.name == "V2A-PS-200")
        (policy,) = await adapter.failback_policies()
        item = by_name(await adapter.protected_items())["V2A-RHEL8-301-new"]
        assert item.os_type is OsType.LINUX
        body = inputs.classic_reprotect_input(
            master_target_id=master_target.id,
            process_server_id=process_server.id,
            retention_drive=inputs.retention_drive_as_offered(
                "/mnt/retention/", [v.name for v in master_target.retention_volumes]
            ),
            datastore_name="datastore1",
            failback_policy_id=policy.id,
            run_as_account_id=next(a.id for a in server.run_as_accounts if a.name == "linuxuser"),
        )
        await adapter.start_reprotect(item, body)
        runtime.advance(120)
        item = await adapter.protected_item(item)
        assert (item.instance_type, item.protection_state) == ("InMage", "Protected")
        failback = await adapter.start_unplanned_failover(item, inputs.classic_failback_input("LatestTag"))
        runtime.advance(30)
        job = await adapter.job(failback.job_id)
        assert job.state == "Succeeded"
        assert next(t for t in job.tasks if t.id == "ShutdownVmOnPrimaryForUFO").state == "Succeeded"
        commit = await adapter.start_commit(item)
        runtime.advance(10)
        assert (await adapter.job(commit.job_id)).state == "Succeeded"
        assert (await adapter.protected_item(item)).protection_state == "UnplannedFailoverCommitted"


async def test_failover_without_source_site_operations_skips_the_shutdown(classic_sim, classic_vault):
    """What FB042 guards against: without sourceSiteOperations the Azure VM is not shut down first."""
    runtime = classic_sim.runtime
    runtime.advance(16)
    items = by_name(await classic_vault.protected_items())
    item = items["V2A-W2K16-201-new"]
    await classic_reprotect(classic_vault, item)
    runtime.advance(120)
    careless = models.UnplannedFailoverInput(
        properties=models.UnplannedFailoverInputProperties(
            failover_direction="PrimaryToRecovery",
            source_site_operations="NotRequired",
            provider_specific_details=models.InMageUnplannedFailoverInput(recovery_point_type="LatestTime"),
        )
    )
    started = await classic_vault.start_unplanned_failover(item, careless)
    runtime.advance(30)
    job = await classic_vault.job(started.job_id)
    shutdown = next(t for t in job.tasks if t.id == "ShutdownVmOnPrimaryForUFO")
    assert (shutdown.state, shutdown.state_description) == ("Other", "Skipped")


async def test_modernized_item_planned_failover_can_be_cancelled(modern_sim, modern_vault):
    runtime = modern_sim.runtime
    runtime.advance(16)
    runtime.set_stage("vcenter67_50158471-87c2-d4ad-caa2-abe22face6d8", ItemStage.PROTECTED_TO_ON_PREMISES)
    item = by_name(await modern_vault.protected_items())["vcenter67_50158471-87c2-d4ad-caa2-abe22face6d8"]
    assert item.instance_type == "InMageRcmFailback"
    await modern_vault.start_planned_failover(item, inputs.modernized_failback_input("ApplicationConsistent"))
    runtime.advance(30)
    assert "CancelFailover" in (await modern_vault.protected_item(item)).allowed_operations
    cancel = await modern_vault.start_cancel(item)
    runtime.advance(30)
    assert (await modern_vault.job(cancel.job_id)).state == "Succeeded"
    assert "PlannedFailover" in (await modern_vault.protected_item(item)).allowed_operations


async def test_changes_behind_the_operators_back_show_in_the_next_poll(classic_sim, classic_vault):
    runtime = classic_sim.runtime
    runtime.advance(16)
    runtime.disable_protection("V2A-W2K19-202-new")
    runtime.delete_azure_vm("V2A-W2K16-201-new")
    items = by_name(await classic_vault.protected_items())
    assert set(items) == {"V2A-W2K16-201-new"}
    with pytest.raises(Refused) as caught:
        await classic_reprotect(classic_vault, items["V2A-W2K16-201-new"])
    assert caught.value.code == "AzureVmNotFound"


async def test_stopped_heartbeat_shows_as_an_old_heartbeat(classic_sim, classic_vault):
    runtime = classic_sim.runtime
    runtime.set_heartbeat_stopped(True)
    runtime.advance(60)
    server = await classic_vault.configuration_server(with_vcenters=False)
    assert server.last_heartbeat is not None
    assert runtime.clock.now() - server.last_heartbeat >= timedelta(minutes=55)


async def test_revoked_token_is_an_authentication_failure_without_the_secret(classic_sim, classic_vault):
    await classic_vault.protected_items()
    classic_sim.runtime.issuer.revoke_all()
    with pytest.raises(AuthenticationFailed) as caught:
        await classic_vault.protected_items()
    assert caught.value.status == 401
    assert classic_sim.client_secret not in str(caught.value)


def test_a_long_list_is_still_one_list_call_per_poll():
    async def read(simulator: AsrSimulator) -> tuple[ProtectedItem, ...]:
        async with connect(simulator) as adapter:
            return await adapter.protected_items()

    with SimulatorThread(scenario("classic-windows", page_size=1), time_scale=600) as simulator:
        items = asyncio.run(read(simulator))
        assert {i.name for i in items} == set(CLASSIC_ITEMS)
        # Two pages of one list (nextLink), never a get per item.
        assert simulator.runtime.log.count("ReplicationProtectedItems_List") == 2
        assert simulator.runtime.log.count("ReplicationProtectedItems_Get") == 0


async def test_a_post_answered_too_slowly_is_unknown_and_not_sent_again(classic_sim):
    runtime = classic_sim.runtime
    runtime.advance(16)
    config = connect(classic_sim).config.model_copy(update={"request_timeout_seconds": 0.5})
    scenario_identity = runtime.scenario.identity
    identity = ClientSecret(
        tenant_id=classic_sim.tenant,
        client_id=scenario_identity.client_id,
        client_secret=scenario_identity.client_secret,
    )
    async with SiteRecovery.connect(config, identity) as adapter:
        item = by_name(await adapter.protected_items())["V2A-W2K16-201-new"]
        body = await classic_reprotect_body(adapter)
        intent = since(classic_sim)
        runtime.set_faults(slow_seconds=1.5)
        with pytest.raises(OperationOutcomeUnknown) as caught:
            await adapter.start_reprotect(item, body)
        assert "may have taken effect" in str(caught.value)
        runtime.set_faults(slow_seconds=0)
        await asyncio.sleep(1.6)  # let the simulator finish the request it was slow to answer
        found = await adapter.jobs_for(since=intent, names=[item.friendly_name or ""])
    # Whether the late request started a job or not, the lookup answers and nothing was re-sent.
    assert len(found) <= 1
    assert all(job.scenario == "SwitchReplicationGroupProtection" for job in found)
    assert runtime.log.count("ReplicationProtectedItems_Reprotect") == 1


async def test_throttled_write_is_not_retried_and_says_when(classic_sim, classic_vault):
    runtime = classic_sim.runtime
    runtime.advance(16)
    items = by_name(await classic_vault.protected_items())
    first = await classic_reprotect_body(classic_vault)
    second = await classic_reprotect_body(classic_vault)
    runtime.set_faults(throttling={"enabled": True, "write_burst": 1, "write_refill_per_second": 0.01})
    await classic_vault.start_reprotect(items["V2A-W2K16-201-new"], first)
    with pytest.raises(Throttled) as caught:
        await classic_vault.start_reprotect(items["V2A-W2K19-202-new"], second)
    assert caught.value.retry_after > 0
    assert runtime.log.count("ReplicationProtectedItems_Reprotect", "V2A-W2K19-202-new") == 1


async def test_post_refused_with_500_before_processing_is_unknown_and_no_job_is_found(
    classic_sim, classic_vault
):
    runtime = classic_sim.runtime
    runtime.advance(16)
    item = by_name(await classic_vault.protected_items())["V2A-W2K16-201-new"]
    body = await classic_reprotect_body(classic_vault)
    intent = since(classic_sim)
    runtime.set_faults(server_errors=1)
    with pytest.raises(OperationOutcomeUnknown):
        await classic_vault.start_reprotect(item, body)
    # The lookup says no job started: the caller may now decide, instead of guessing.
    assert await classic_vault.jobs_for(since=intent, names=[item.friendly_name or ""]) == ()
    assert runtime.log.count("ReplicationProtectedItems_Reprotect") == 1


async def test_untrusted_certificate_means_nothing_was_sent(classic_sim):
    """A TLS failure happens before the request leaves: Transient, never an unknown outcome."""
    trusted = connect(classic_sim).config
    untrusted = trusted.model_copy(update={"ca_file": None})
    identity = ClientSecret(
        tenant_id=classic_sim.tenant, client_id=classic_sim.client_id, client_secret=classic_sim.client_secret
    )
    credential = build_credential(trusted, identity)  # Entra ID trusted, Resource Manager not
    adapter = SiteRecovery(untrusted, build_management_client(untrusted, credential), credential=credential)
    async with adapter:
        with pytest.raises(Transient):
            await adapter.start_commit(
                f"{trusted.vault_id()}/replicationFabrics/f/replicationProtectionContainers/c"
                "/replicationProtectedItems/V2A-W2K16-201-new"
            )
    assert posts(classic_sim) == []


async def test_lost_answer_to_a_group_failback_is_found_by_the_plan_name(classic_sim, classic_vault):
    runtime = classic_sim.runtime
    for name in CLASSIC_ITEMS:
        runtime.set_stage(name, ItemStage.PROTECTED_TO_ON_PREMISES)
    intent = since(classic_sim)
    runtime.set_faults(lose_post_responses=1, lose_post_mode="drop")
    with pytest.raises(OperationOutcomeUnknown):
        await classic_vault.start_plan_unplanned_failover(
            "rp-app1", inputs.classic_group_failback_input("LatestTime")
        )
    (job,) = await classic_vault.jobs_for(since=intent, names=["rp-app1"], scenarios=["UnplannedFailover"])
    assert job.target_object_name == "rp-app1"
    assert runtime.log.count("ReplicationRecoveryPlans_UnplannedFailover") == 1


async def test_sync_progress_is_read_while_replicating_back(classic_sim, classic_vault):
    runtime = classic_sim.runtime
    runtime.clock.set_time_scale(1)  # hold simulated time still enough to look mid-resync
    runtime.advance(16)
    items = by_name(await classic_vault.protected_items())
    for name in CLASSIC_ITEMS:
        await classic_reprotect(classic_vault, items[name])
    runtime.advance(20 + 30)  # the reprotect job, then half of the 60-minute initial replication
    syncing = by_name(await classic_vault.protected_items())
    for name in CLASSIC_ITEMS:
        assert syncing[name].instance_type == "InMage"
        assert syncing[name].sync_progress_percent is not None
        assert 0 < syncing[name].sync_progress_percent < 100, syncing[name].sync_progress_percent
