"""Every fault the simulator injects is observable through the real SDK."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from azure.core.exceptions import (
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from failback_operator.sim.asr import SimulatorThread
from failback_operator.sim.asr.scenario import JobFailure
from tests.support.asr_sim import (
    FirstResponse,
    Vault,
    classic_failback_input,
    classic_reprotect_input,
    item_path,
    modern_reprotect_input,
    scenario,
    sdk_client,
    vault_path,
)

ITEM = "V2A-W2K16-201-new"


def test_reprotect_is_refused_with_agent_not_installed_right_after_boot() -> None:
    # Real time, so that only the clock moves the 15-minute window (FB028).
    with SimulatorThread(scenario("classic-windows"), time_scale=1) as simulator:
        classic = sdk_client(simulator)
        runtime = simulator.runtime
        runtime.boot_azure_vm(ITEM)
        items = classic.client.replication_protected_items
        with pytest.raises(HttpResponseError) as refused:
            items.begin_reprotect(*classic.item_scope, ITEM, classic_reprotect_input(classic), polling=False)
        assert refused.value.status_code == 400
        assert refused.value.error is not None
        assert refused.value.error.code == "AgentNotInstalled"
        assert "agent is not installed" in refused.value.error.message
        runtime.advance(14)
        with pytest.raises(HttpResponseError):
            items.begin_reprotect(*classic.item_scope, ITEM, classic_reprotect_input(classic), polling=False)
        assert runtime.log.count("ReplicationProtectedItems_Reprotect", ITEM) == 2
        assert runtime.state.jobs == {}
        runtime.advance(1.5)
        first = FirstResponse()
        items.begin_reprotect(
            *classic.item_scope,
            ITEM,
            classic_reprotect_input(classic),
            polling=False,
            raw_response_hook=first,
        )
        assert first.status == 202
        runtime.advance(25)
        assert (
            classic.client.replication_jobs.get(*classic.scope, first.job_id).properties.state == "Succeeded"
        )


MODERN_ITEM = "vcenter67_50158471-87c2-d4ad-caa2-abe22face6d8"


def test_a_modernized_item_reports_its_agent_unregistered_until_the_window_has_passed() -> None:
    """isAgentRegistrationSuccessfulAfterFailover: recorded true; false modelled on the window (FB028)."""
    with SimulatorThread(scenario("modernized"), time_scale=1) as simulator:
        modern = sdk_client(simulator)
        items = modern.client.replication_protected_items

        def registered() -> bool | None:
            details = items.get(*modern.item_scope, MODERN_ITEM).properties.provider_specific_details
            return details.is_agent_registration_successful_after_failover

        assert registered() is True  # booted an hour before the scenario starts, as recorded
        booted = requests.post(
            f"{simulator.base_url}/_sim/items/{MODERN_ITEM}/boot-azure-vm",
            verify=str(simulator.ca_file),
            timeout=10,
        )
        assert booted.status_code == 200
        assert registered() is False
        with pytest.raises(HttpResponseError) as refused:
            items.begin_reprotect(
                *modern.item_scope, MODERN_ITEM, modern_reprotect_input(modern), polling=False
            )
        assert refused.value.error is not None
        assert refused.value.error.code == "AgentNotInstalled"
        simulator.runtime.advance(14)
        assert registered() is False
        simulator.runtime.advance(1.5)
        assert registered() is True
        first = FirstResponse()
        items.begin_reprotect(
            *modern.item_scope,
            MODERN_ITEM,
            modern_reprotect_input(modern),
            polling=False,
            raw_response_hook=first,
        )
        assert first.status == 202


@pytest.mark.parametrize("code", ["95226", "78052", "78093", "8061"])
def test_reprotect_job_fails_with_documented_code(classic: Vault, code: str) -> None:
    classic.simulator.runtime.set_faults(
        job_failures=[JobFailure(operation="reprotect", code=code, item=ITEM).model_dump()]
    )
    first = FirstResponse()
    poller = classic.client.replication_protected_items.begin_reprotect(
        *classic.item_scope, ITEM, classic_reprotect_input(classic), raw_response_hook=first
    )
    with pytest.raises(HttpResponseError) as failed:
        poller.result()
    assert code in str(failed.value)
    job = classic.client.replication_jobs.get(*classic.scope, first.job_id)
    assert job.properties.state == "Failed"
    error = job.properties.errors[0].service_error_details
    assert error.code == code
    assert error.recommended_action
    failed_task = next(task for task in job.properties.tasks if task.state == "Failed")
    assert failed_task.name == "ProtectReplicaTask"
    item = classic.client.replication_protected_items.get(*classic.item_scope, ITEM)
    assert "SwitchProtection" in item.properties.allowed_operations  # a failed reprotect can be retried
    # The fault was for one job only: the retry succeeds.
    classic.client.replication_protected_items.begin_reprotect(
        *classic.item_scope, ITEM, classic_reprotect_input(classic)
    ).result()


def test_reprotect_job_fails_with_an_undocumented_code_and_its_message(classic: Vault) -> None:
    classic.simulator.runtime.set_faults(
        job_failures=[{"operation": "reprotect", "code": "99999", "message": "Unexpected replica state."}]
    )
    first = FirstResponse()
    poller = classic.client.replication_protected_items.begin_reprotect(
        *classic.item_scope, ITEM, classic_reprotect_input(classic), raw_response_hook=first
    )
    with pytest.raises(HttpResponseError):
        poller.result()
    job = classic.client.replication_jobs.get(*classic.scope, first.job_id)
    assert job.properties.state == "Failed"
    error = job.properties.errors[0].service_error_details
    assert (error.code, error.message) == ("99999", "Unexpected replica state.")
    failed = [task.name for task in job.properties.tasks if task.state == "Failed"]
    assert failed == [job.properties.tasks[-1].name]


def test_failback_job_fails_with_8038_when_the_host_lacks_memory(classic: Vault) -> None:
    classic.client.replication_protected_items.begin_reprotect(
        *classic.item_scope, ITEM, classic_reprotect_input(classic)
    ).result()
    classic.simulator.runtime.advance(61)
    classic.simulator.runtime.set_faults(job_failures=[{"operation": "unplanned_failover", "code": "8038"}])
    first = FirstResponse()
    with pytest.raises(HttpResponseError):
        classic.client.replication_protected_items.begin_unplanned_failover(
            *classic.item_scope, ITEM, classic_failback_input(), raw_response_hook=first
        ).result()
    job = classic.client.replication_jobs.get(*classic.scope, first.job_id)
    failed_task = next(task for task in job.properties.tasks if task.state == "Failed")
    assert failed_task.name == "VmFoStartVmOnSecondary"
    assert job.properties.errors[0].service_error_details.code == "8038"


def _raw_session(vault: Vault) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override `verify`
    session.verify = str(vault.simulator.ca_file)
    token = vault.client._config.credential.get_token("https://management.azure.com/.default").token
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def test_reads_are_throttled_with_retry_after(classic: Vault) -> None:
    classic.simulator.runtime.set_faults(
        throttling={"enabled": True, "read_burst": 3, "read_refill_per_second": 2.0, "write_burst": 5}
    )
    session = _raw_session(classic)
    url = (
        f"{classic.simulator.base_url}{vault_path(classic)}/replicationProtectedItems?api-version=2025-08-01"
    )
    statuses = [session.get(url).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    throttled = session.get(url)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert "x-ms-ratelimit-remaining-subscription-reads" in throttled.headers
    time.sleep(int(throttled.headers["Retry-After"]))
    assert session.get(url).status_code == 200
    # The SDK's retry policy honours Retry-After by itself.
    assert list(classic.client.replication_protected_items.list(*classic.scope))


def test_server_errors_are_retried_by_the_sdk(classic: Vault) -> None:
    runtime = classic.simulator.runtime
    runtime.set_faults(server_errors=2)
    item = classic.client.replication_protected_items.get(*classic.item_scope, ITEM)
    assert item.name == ITEM
    assert runtime.log.count("ReplicationProtectedItems_Get", ITEM) == 3
    runtime.set_faults(server_errors=1)
    strict = sdk_client(classic.simulator, retry_total=0)
    with pytest.raises(HttpResponseError) as failed:
        strict.client.replication_protected_items.get(*classic.item_scope, ITEM)
    assert failed.value.status_code == 500


def test_a_post_answered_500_before_processing_starts_nothing(classic: Vault) -> None:
    runtime = classic.simulator.runtime
    runtime.set_faults(post_server_errors=1)
    assert (
        classic.client.replication_protected_items.get(*classic.item_scope, ITEM).name == ITEM
    )  # reads pass
    strict = sdk_client(classic.simulator, retry_total=0)
    with pytest.raises(HttpResponseError) as failed:
        strict.client.replication_protected_items.begin_reprotect(
            *classic.item_scope, ITEM, classic_reprotect_input(classic)
        )
    assert failed.value.status_code == 500
    jobs = list(classic.client.replication_jobs.list(*classic.scope, filter=f"targetObjectId eq '{ITEM}'"))
    assert jobs == []
    assert runtime.state.faults.post_server_errors == 0


def test_slow_answers(classic: Vault) -> None:
    classic.simulator.runtime.set_faults(slow_seconds=0.3)
    started = time.monotonic()
    classic.client.replication_fabrics.get(*classic.scope, classic.fabric)
    assert time.monotonic() - started >= 0.3


def test_lost_post_response_still_starts_the_job(classic: Vault) -> None:
    runtime = classic.simulator.runtime
    runtime.set_faults(lose_post_responses=1, lose_post_mode="drop")
    strict = sdk_client(classic.simulator, retry_total=0)
    with pytest.raises((ServiceResponseError, ServiceRequestError)):
        strict.client.replication_protected_items.begin_reprotect(
            *classic.item_scope, ITEM, classic_reprotect_input(classic)
        )
    assert runtime.log.count("ReplicationProtectedItems_Reprotect", ITEM) == 1
    jobs = list(classic.client.replication_jobs.list(*classic.scope, filter=f"targetObjectId eq '{ITEM}'"))
    assert [job.properties.scenario_name for job in jobs] == ["SwitchReplicationGroupProtection"]
    item = classic.client.replication_protected_items.get(*classic.item_scope, ITEM)
    assert item.properties.current_scenario.scenario_name == "SwitchReplicationGroupProtection"


def test_lost_post_answered_500_is_reposted_by_the_sdk_retry_policy(classic: Vault) -> None:
    """azure-core retries a POST answered 500: the second POST finds the job of the first one running."""
    runtime = classic.simulator.runtime
    runtime.set_faults(lose_post_responses=1, lose_post_mode="500")
    with pytest.raises(HttpResponseError) as refused:
        classic.client.replication_protected_items.begin_reprotect(
            *classic.item_scope, ITEM, classic_reprotect_input(classic)
        )
    assert refused.value.status_code == 409
    assert runtime.log.count("ReplicationProtectedItems_Reprotect", ITEM) == 2
    assert len(runtime.state.jobs) == 1


def test_configuration_server_heartbeat_stops(classic: Vault) -> None:
    runtime = classic.simulator.runtime
    runtime.set_heartbeat_stopped(True)
    runtime.advance(30)
    fabric = classic.client.replication_fabrics.get(*classic.scope, classic.fabric)
    details = fabric.properties.custom_details
    assert runtime.clock.now() - details.last_heartbeat >= timedelta(minutes=30)
    assert details.cs_service_status == "Stopped"
    assert fabric.properties.health == "Critical"
    assert {server.ps_service_status for server in details.process_servers} == {"Stopped"}
    runtime.advance(30)
    again = classic.client.replication_fabrics.get(*classic.scope, classic.fabric).properties.custom_details
    assert again.last_heartbeat == details.last_heartbeat
    first = FirstResponse()
    with pytest.raises(HttpResponseError):  # reprotect needs a connected configuration server (FB004)
        classic.client.replication_protected_items.begin_reprotect(
            *classic.item_scope, ITEM, classic_reprotect_input(classic), raw_response_hook=first
        ).result()
    job = classic.client.replication_jobs.get(*classic.scope, first.job_id)
    assert job.properties.errors[0].service_error_details.code == "ConfigurationServerNotConnected"
    assert job.properties.tasks[0].state == "Failed"
    runtime.set_heartbeat_stopped(False)
    fresh = classic.client.replication_fabrics.get(*classic.scope, classic.fabric).properties.custom_details
    assert runtime.clock.now() - fresh.last_heartbeat < timedelta(minutes=5)
    classic.client.replication_protected_items.begin_reprotect(
        *classic.item_scope, ITEM, classic_reprotect_input(classic)
    ).result()


def test_protection_disabled_behind_the_clients_back(classic: Vault) -> None:
    classic.simulator.runtime.disable_protection(ITEM)
    with pytest.raises(ResourceNotFoundError):
        classic.client.replication_protected_items.get(*classic.item_scope, ITEM)
    names = [item.name for item in classic.client.replication_protected_items.list(*classic.scope)]
    assert ITEM not in names


def test_azure_vm_deleted_behind_the_clients_back(classic: Vault) -> None:
    classic.simulator.runtime.delete_azure_vm(ITEM)
    item = classic.client.replication_protected_items.get(*classic.item_scope, ITEM)
    assert item.properties.replication_health == "Critical"
    assert item.properties.allowed_operations == ["DisableProtection"]
    assert item.properties.health_errors[0].error_code == "150080"
    with pytest.raises(HttpResponseError) as refused:
        classic.client.replication_protected_items.begin_reprotect(
            *classic.item_scope, ITEM, classic_reprotect_input(classic)
        )
    assert refused.value.error is not None
    assert refused.value.error.code == "AzureVmNotFound"


def test_operation_not_in_allowed_operations_is_refused(classic: Vault) -> None:
    with pytest.raises(HttpResponseError) as refused:
        classic.client.replication_protected_items.begin_failover_commit(*classic.item_scope, ITEM)
    assert refused.value.status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "OperationNotAllowed"
    assert "SwitchProtection" in refused.value.error.message


def test_reprotect_input_is_checked_like_site_recovery(classic: Vault) -> None:
    with pytest.raises(HttpResponseError) as refused:
        classic.client.replication_protected_items.begin_reprotect(
            *classic.item_scope, ITEM, classic_reprotect_input(classic, retention_drive="F:")
        )
    assert refused.value.error is not None
    assert "Retention drive 'F:'" in refused.value.error.message
    assert classic.simulator.runtime.state.jobs == {}
    assert item_path(classic, ITEM)


def test_a_throttled_post_starts_nothing(classic: Vault) -> None:
    runtime = classic.simulator.runtime
    runtime.set_faults(throttling={"enabled": True, "write_burst": 1, "write_refill_per_second": 0.1})
    strict = sdk_client(classic.simulator, retry_total=0)
    items = strict.client.replication_protected_items
    items.begin_reprotect(*classic.item_scope, ITEM, classic_reprotect_input(classic), polling=False)
    with pytest.raises(HttpResponseError) as throttled:
        items.begin_reprotect(
            *classic.item_scope, "V2A-W2K19-202-new", classic_reprotect_input(classic), polling=False
        )
    assert throttled.value.status_code == 429
    assert throttled.value.response is not None
    assert int(throttled.value.response.headers["Retry-After"]) >= 1
    assert len(runtime.state.jobs) == 1


def test_concurrent_posts_on_one_item_start_one_job(classic: Vault) -> None:
    strict = sdk_client(classic.simulator, retry_total=0)

    def post() -> int:
        first = FirstResponse()
        try:
            strict.client.replication_protected_items.begin_reprotect(
                *classic.item_scope,
                ITEM,
                classic_reprotect_input(classic),
                polling=False,
                raw_response_hook=first,
            )
        except HttpResponseError as error:
            return int(error.status_code or 0)
        return int(first.status or 0)

    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = sorted(pool.map(lambda _: post(), range(5)))
    assert statuses == [202, 409, 409, 409, 409]
    assert len(classic.simulator.runtime.state.jobs) == 1
    assert classic.simulator.runtime.log.count("ReplicationProtectedItems_Reprotect", ITEM) == 5
