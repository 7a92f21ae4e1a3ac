"""FB022 in the simulator through the real SDK: providers, "Refresh server" jobs, volume discovery."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from failback_operator.sim.asr import SimulatorThread
from failback_operator.sim.asr.scenario import JobFailure
from tests.support.asr_sim import (
    FirstResponse,
    Vault,
    classic_reprotect_input,
    raw_get,
    scenario,
    sdk_client,
    vault_path,
)

MASTER_TARGET = "V2A-PS-200"
REFRESH = "ReplicationRecoveryServicesProviders_RefreshProvider"


def provider_name(vault: Vault) -> str:
    (provider,) = vault.client.replication_recovery_services_providers.list_by_replication_fabrics(
        *vault.scope, vault.fabric
    )
    assert provider.name
    return provider.name


def retention_volumes(vault: Vault, master_target: str = MASTER_TARGET) -> list[str]:
    fabric = vault.client.replication_fabrics.get(*vault.scope, vault.fabric)
    servers = fabric.properties.custom_details.master_target_servers
    (server,) = [s for s in servers if s.name == master_target]
    return [volume.volume_name for volume in server.retention_volumes or []]


def add_volume(vault: Vault, master_target: str, body: Any) -> requests.Response:
    simulator = vault.simulator
    return requests.post(
        f"{simulator.base_url}/_sim/master-targets/{master_target}/retention-volumes",
        json=body,
        verify=str(simulator.ca_file),
        timeout=10,
    )


def start_refresh(vault: Vault) -> str:
    first = FirstResponse()
    vault.client.replication_recovery_services_providers.begin_refresh_provider(
        *vault.scope, vault.fabric, provider_name(vault), polling=False, raw_response_hook=first
    )
    assert first.status == 202
    assert first.headers is not None
    assert "replicationOperationStatus/" in first.headers["Azure-AsyncOperation"]
    return first.job_id


@pytest.fixture
def slow_classic():
    """Time moves only when the test advances it, so job boundaries can be checked exactly."""
    with SimulatorThread(scenario("classic-windows"), time_scale=1) as simulator:
        yield sdk_client(simulator)


def test_classic_fabric_has_one_provider_on_the_configuration_server(classic: Vault) -> None:
    providers = classic.client.replication_recovery_services_providers
    (listed,) = providers.list_by_replication_fabrics(*classic.scope, classic.fabric)
    assert listed.properties.friendly_name == "PwsTestCS"
    assert listed.properties.fabric_type == "VMware"
    assert listed.properties.connection_status == "Connected"
    assert listed.properties.allowed_scenarios == ["Refresh"]
    assert listed.properties.last_heart_beat is not None
    assert listed.properties.protected_item_count == 2
    fetched = providers.get(*classic.scope, classic.fabric, listed.name.upper())
    assert fetched.name == listed.name
    assert fetched.id.endswith(f"/replicationRecoveryServicesProviders/{listed.name}")
    (vault_wide,) = providers.list(*classic.scope)
    assert vault_wide.name == listed.name
    # Same provider again: its name is stable across runs.
    assert provider_name(classic) == listed.name


def test_unknown_provider_or_fabric_is_404(classic: Vault) -> None:
    providers = classic.client.replication_recovery_services_providers
    with pytest.raises(ResourceNotFoundError):
        providers.get(*classic.scope, classic.fabric, "no-such-provider")
    with pytest.raises(ResourceNotFoundError):
        list(providers.list_by_replication_fabrics(*classic.scope, "no-such-fabric"))
    with pytest.raises(ResourceNotFoundError):
        providers.begin_refresh_provider(*classic.scope, classic.fabric, "no-such-provider", polling=False)
    name = provider_name(classic)
    with pytest.raises(ResourceNotFoundError):
        providers.begin_refresh_provider(*classic.scope, "no-such-fabric", name, polling=False)
    with pytest.raises(HttpResponseError) as unknown_job:
        raw_get(
            classic,
            f"{vault_path(classic)}/replicationFabrics/{classic.fabric}/replicationRecoveryServicesProviders/"
            f"{name}/operationresults/no-such-job",
        )
    assert unknown_job.value.status_code == 404
    assert classic.simulator.runtime.state.jobs == {}
    assert classic.simulator.runtime.log.count(REFRESH) == 2  # refused, but logged and counted


def test_heartbeat_stopped_shows_the_provider_not_connected(classic: Vault) -> None:
    classic.simulator.runtime.set_heartbeat_stopped(True)
    (provider,) = classic.client.replication_recovery_services_providers.list_by_replication_fabrics(
        *classic.scope, classic.fabric
    )
    assert provider.properties.connection_status == "NotConnected"


def test_refresh_runs_a_listed_job_and_its_poller_ends_with_the_provider(classic: Vault) -> None:
    runtime = classic.simulator.runtime
    poller = classic.client.replication_recovery_services_providers.begin_refresh_provider(
        *classic.scope, classic.fabric, provider_name(classic)
    )
    result = poller.result()
    assert result.properties.friendly_name == "PwsTestCS"
    (job,) = classic.client.replication_jobs.list(*classic.scope)
    assert job.properties.scenario_name == "RefreshServer"
    assert job.properties.friendly_name == "Refresh server"
    assert job.properties.state == "Succeeded"
    assert job.properties.target_object_name == "PwsTestCS"
    assert job.properties.tasks == []  # a job list shows no tasks (recorded): read the job by name
    job = classic.client.replication_jobs.get(*classic.scope, job.name)
    assert [task.state for task in job.properties.tasks] == ["Succeeded", "Succeeded"]
    assert runtime.log.count(REFRESH) == 1
    assert runtime.log.count(REFRESH, "PwsTestCS") == 1
    assert runtime.log.counts()[f"{REFRESH} PwsTestCS"] == 1


def test_a_new_volume_is_listed_when_the_refresh_job_ends_and_not_before(slow_classic: Vault) -> None:
    runtime = slow_classic.simulator.runtime
    answer = add_volume(slow_classic, MASTER_TARGET, {"name": "G", "capacityGib": 50, "freeGib": 49})
    assert answer.status_code == 200, answer.text
    assert answer.json()["listed"] is False
    assert retention_volumes(slow_classic) == ["F"]
    job_id = start_refresh(slow_classic)
    runtime.advance(1.9)  # the refresh takes 2 minutes
    job = slow_classic.client.replication_jobs.get(*slow_classic.scope, job_id)
    assert job.properties.state == "InProgress"
    assert retention_volumes(slow_classic) == ["F"]
    runtime.advance(0.2)
    job = slow_classic.client.replication_jobs.get(*slow_classic.scope, job_id)
    assert job.properties.state == "Succeeded"
    assert retention_volumes(slow_classic) == ["F", "G"]
    assert runtime.summary()["retentionVolumes"][MASTER_TARGET][1] == {
        "name": "G",
        "listed": True,
        "addedAt": answer.json()["addedAt"],
    }


def test_a_new_volume_is_listed_after_the_discovery_interval_without_a_refresh(slow_classic: Vault) -> None:
    runtime = slow_classic.simulator.runtime
    assert add_volume(slow_classic, MASTER_TARGET, {"name": "G"}).status_code == 200
    runtime.advance(14.9)
    assert retention_volumes(slow_classic) == ["F"]
    runtime.advance(0.2)
    assert retention_volumes(slow_classic) == ["F", "G"]
    assert runtime.log.count(REFRESH) == 0


def test_a_refresh_that_ended_before_the_volume_was_added_does_not_list_it(slow_classic: Vault) -> None:
    runtime = slow_classic.simulator.runtime
    start_refresh(slow_classic)
    runtime.advance(3)
    assert add_volume(slow_classic, MASTER_TARGET, {"name": "G"}).status_code == 200
    runtime.advance(5)
    assert retention_volumes(slow_classic) == ["F"]


def test_reprotect_cannot_use_a_volume_until_it_is_listed(slow_classic: Vault) -> None:
    runtime = slow_classic.simulator.runtime
    add_volume(slow_classic, MASTER_TARGET, {"name": "G"})
    items = slow_classic.client.replication_protected_items
    with pytest.raises(HttpResponseError) as refused:
        items.begin_reprotect(
            *slow_classic.item_scope,
            "V2A-W2K16-201-new",
            classic_reprotect_input(slow_classic, "G"),
            polling=False,
        )
    assert refused.value.status_code == 400
    assert "Retention drive 'G' is not available" in str(refused.value)
    start_refresh(slow_classic)
    runtime.advance(2.5)
    first = FirstResponse()
    items.begin_reprotect(
        *slow_classic.item_scope,
        "V2A-W2K16-201-new",
        classic_reprotect_input(slow_classic, "G"),
        polling=False,
        raw_response_hook=first,
    )
    assert first.status == 202


def test_refresh_with_the_heartbeat_stopped_fails_with_fb004_and_lists_nothing(slow_classic: Vault) -> None:
    runtime = slow_classic.simulator.runtime
    runtime.set_heartbeat_stopped(True)
    add_volume(slow_classic, MASTER_TARGET, {"name": "G"})
    job_id = start_refresh(slow_classic)
    runtime.advance(3)
    job = slow_classic.client.replication_jobs.get(*slow_classic.scope, job_id)
    assert job.properties.state == "Failed"
    assert job.properties.errors[0].service_error_details.code == "ConfigurationServerNotConnected"
    assert job.properties.tasks[0].state == "Failed"
    assert job.properties.tasks[0].name == "RefreshServerPrerequisitesCheck"
    assert retention_volumes(slow_classic) == ["F"]


def test_the_refresh_poller_fails_with_the_job_error_while_the_heartbeat_is_stopped(classic: Vault) -> None:
    classic.simulator.runtime.set_heartbeat_stopped(True)
    with pytest.raises(HttpResponseError) as failed:
        classic.client.replication_recovery_services_providers.begin_refresh_provider(
            *classic.scope, classic.fabric, provider_name(classic)
        ).result()
    assert "ConfigurationServerNotConnected" in str(failed.value)


def test_a_second_refresh_while_one_runs_is_refused(slow_classic: Vault) -> None:
    start_refresh(slow_classic)
    with pytest.raises(HttpResponseError) as busy:
        start_refresh(slow_classic)
    assert busy.value.status_code == 409
    slow_classic.simulator.runtime.advance(3)
    start_refresh(slow_classic)
    assert slow_classic.simulator.runtime.log.count(REFRESH) == 3


def test_refresh_job_failure_can_be_injected(slow_classic: Vault) -> None:
    runtime = slow_classic.simulator.runtime
    runtime.set_faults(
        job_failures=[JobFailure(operation="refresh", code="12345", message="Refresh failed.").model_dump()]
    )
    job_id = start_refresh(slow_classic)
    runtime.advance(3)
    job = slow_classic.client.replication_jobs.get(*slow_classic.scope, job_id)
    assert job.properties.state == "Failed"
    assert job.properties.errors[0].service_error_details.code == "12345"


def test_the_control_route_refuses_bad_input(classic: Vault) -> None:
    assert add_volume(classic, "no-such-master-target", {"name": "G"}).status_code == 404
    for body in (
        {},
        {"name": ""},
        {"name": 7},
        {"name": "G", "capacityGib": -1},
        {"name": "G", "capacityGib": "big"},
        {"name": "G", "capacityGib": 5, "freeGib": 6},
        {"name": "G", "colour": "blue"},
        {"name": "f"},  # F is already there (compared case-insensitively)
    ):
        answer = add_volume(classic, MASTER_TARGET, body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]
    assert retention_volumes(classic) == ["F"]
    assert [v["name"] for v in classic.simulator.runtime.summary()["retentionVolumes"][MASTER_TARGET]] == [
        "F"
    ]


def test_modernized_fabric_has_a_provider_per_appliance_and_refresh_works_there(modern: Vault) -> None:
    providers = modern.client.replication_recovery_services_providers
    listed = list(providers.list_by_replication_fabrics(*modern.scope, modern.fabric))
    assert sorted(p.properties.friendly_name for p in listed) == ["Rcm-App-150", "Rcm-App-151"]
    assert {p.properties.fabric_type for p in listed} == {"InMageRcm"}
    first = FirstResponse()
    providers.begin_refresh_provider(
        *modern.scope, modern.fabric, listed[0].name, polling=False, raw_response_hook=first
    )
    modern.simulator.runtime.advance(3)
    job = modern.client.replication_jobs.get(*modern.scope, first.job_id)
    assert (job.properties.scenario_name, job.properties.state) == ("RefreshServer", "Succeeded")
    assert job.properties.target_object_name == listed[0].properties.friendly_name
    assert add_volume(modern, "Rcm-App-150", {"name": "G"}).status_code == 404
