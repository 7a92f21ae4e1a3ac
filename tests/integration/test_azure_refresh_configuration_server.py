"""FB022 through the adapter against the simulator: refresh the configuration server, see the new volume."""

from __future__ import annotations

import pytest
import requests

from failback_operator.azure import OperationOutcomeUnknown, SiteRecovery, Throttled
from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.sim.asr.providers import recovery_services_providers
from tests.support.asr_sim import scenario

from .test_azure_adapter_contract import connect

MASTER_TARGET = "V2A-PS-200"
REFRESH = "ReplicationRecoveryServicesProviders_RefreshProvider"


@pytest.fixture
def classic_at_scale_one():
    """Time moves only when the test advances it, so the job's end can be checked exactly."""
    with SimulatorThread(scenario("classic-windows"), time_scale=1) as simulator:
        yield simulator


@pytest.fixture
async def vault(classic_at_scale_one: AsrSimulator):
    async with connect(classic_at_scale_one) as adapter:
        yield adapter


def add_volume(simulator: AsrSimulator, name: str) -> None:
    answer = requests.post(
        f"{simulator.base_url}/_sim/master-targets/{MASTER_TARGET}/retention-volumes",
        json={"name": name, "capacityGib": 40, "freeGib": 39.5},
        verify=str(simulator.ca_file),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


async def volumes(adapter: SiteRecovery) -> list[str]:
    server = await adapter.configuration_server(with_vcenters=False)
    (master_target,) = [m for m in server.master_targets if m.name == MASTER_TARGET]
    return [volume.name for volume in master_target.retention_volumes]


async def test_refresh_returns_a_job_id_at_once_and_posts_exactly_once(
    vault: SiteRecovery, classic_at_scale_one: AsrSimulator
) -> None:
    runtime = classic_at_scale_one.runtime
    started = await vault.start_refresh_configuration_server()
    assert started.operation == "refresh configuration server"
    job = await vault.job(started.job_id)
    assert (job.scenario, job.name, job.state) == ("RefreshServer", "Refresh server", "InProgress")
    assert job.target_object_name == "PwsTestCS"
    assert runtime.log.count(REFRESH) == 1
    assert runtime.log.count(REFRESH, "PwsTestCS") == 1
    assert runtime.log.count("ReplicationRecoveryServicesProviders_ListByReplicationFabrics") == 1
    refresh_posts = [r for r in runtime.log.records() if r["operation"] == REFRESH]
    assert [(r["method"], r["status"], r["job_id"]) for r in refresh_posts] == [("POST", 202, started.job_id)]
    runtime.advance(2.1)
    done = await vault.job(started.job_id)
    assert done.state == "Succeeded"
    assert done.end is not None
    assert started.job_id in {j.id for j in await vault.recent_jobs(job.start)}
    assert runtime.log.count(REFRESH) == 1  # following the job never re-POSTs


async def test_a_new_volume_is_listed_after_the_refresh_job_ends_and_not_before(
    vault: SiteRecovery, classic_at_scale_one: AsrSimulator
) -> None:
    runtime = classic_at_scale_one.runtime
    add_volume(classic_at_scale_one, "G")
    assert await volumes(vault) == ["F"]
    started = await vault.start_refresh_configuration_server()
    runtime.advance(1.9)
    assert (await vault.job(started.job_id)).state == "InProgress"
    assert await volumes(vault) == ["F"]
    runtime.advance(0.2)
    assert (await vault.job(started.job_id)).state == "Succeeded"
    assert await volumes(vault) == ["F", "G"]
    server = await vault.configuration_server(with_vcenters=False)
    (master_target,) = [m for m in server.master_targets if m.name == MASTER_TARGET]
    (added,) = [v for v in master_target.retention_volumes if v.name == "G"]
    assert added.capacity_bytes == 40 * 1024**3


async def test_without_a_refresh_the_volume_is_listed_after_the_discovery_interval(
    vault: SiteRecovery, classic_at_scale_one: AsrSimulator
) -> None:
    runtime = classic_at_scale_one.runtime
    add_volume(classic_at_scale_one, "G")
    runtime.advance(14.9)
    assert await volumes(vault) == ["F"]
    runtime.advance(0.2)
    assert await volumes(vault) == ["F", "G"]
    assert runtime.log.count(REFRESH) == 0


async def test_with_the_heartbeat_stopped_the_refresh_job_fails_with_fb004(
    vault: SiteRecovery, classic_at_scale_one: AsrSimulator
) -> None:
    runtime = classic_at_scale_one.runtime
    runtime.set_heartbeat_stopped(True)
    add_volume(classic_at_scale_one, "G")
    started = await vault.start_refresh_configuration_server()
    runtime.advance(3)
    job = await vault.job(started.job_id)
    assert job.state == "Failed"
    assert [error.code for error in job.errors] == ["ConfigurationServerNotConnected"]
    assert await volumes(vault) == ["F"]
    assert runtime.log.count(REFRESH) == 1


async def test_modernized_refresh_goes_to_the_lowest_named_appliance_provider(
    modern_sim: AsrSimulator,
) -> None:
    # Neither appliance is the fabric's own server; both are connected and refreshable: the lower name wins.
    expected = min(recovery_services_providers(modern_sim.runtime.state), key=lambda p: p.name.lower())
    async with connect(modern_sim) as adapter:
        started = await adapter.start_refresh_configuration_server()
        job = await adapter.job(started.job_id)
    assert job.scenario == "RefreshServer"
    assert (job.target_object_id, job.target_object_name) == (expected.name, expected.friendly_name)
    (post,) = [r for r in modern_sim.runtime.log.records() if r["operation"] == REFRESH]
    assert f"/replicationRecoveryServicesProviders/{expected.name}/refreshProvider" in post["path"]


async def test_a_lost_refresh_answer_is_an_unknown_outcome_and_its_job_can_be_adopted(
    vault: SiteRecovery, classic_at_scale_one: AsrSimulator
) -> None:
    runtime = classic_at_scale_one.runtime
    intent = runtime.clock.now()
    runtime.set_faults(lose_post_responses=1, lose_post_mode="drop")
    with pytest.raises(OperationOutcomeUnknown):
        await vault.start_refresh_configuration_server()
    assert runtime.log.count(REFRESH) == 1  # sent once, not retried by the pipeline
    (adopted,) = await vault.jobs_for(since=intent, names=["PwsTestCS"], scenarios=["RefreshServer"])
    (running,) = list(runtime.state.jobs.values())
    assert adopted.id == running.id
    assert adopted.state == "InProgress"


async def test_a_throttled_refresh_is_refused_before_any_job_starts(
    vault: SiteRecovery, classic_at_scale_one: AsrSimulator
) -> None:
    runtime = classic_at_scale_one.runtime
    runtime.set_faults(throttling={"write_burst": 1, "write_refill_per_second": 0.001})
    first = await vault.start_refresh_configuration_server()
    runtime.advance(3)
    with pytest.raises(Throttled) as throttled:
        await vault.start_refresh_configuration_server()
    assert throttled.value.retry_after > 0
    assert [job.id for job in runtime.state.jobs.values()] == [first.job_id]
