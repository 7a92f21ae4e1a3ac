"""FB022 "Refresh server": which provider is chosen, and the call through the real SDK pipeline."""

from __future__ import annotations

import pytest
from azure.mgmt.recoveryservicessiterecovery import models
from scripted_arm import CLIENT_SECRET, IDENTITY, SUBSCRIPTION, Answer, vault_config

from failback_operator.azure import (
    NoRecoveryServicesProvider,
    OperationOutcomeUnknown,
    SiteRecovery,
    SiteRecoveryError,
)
from failback_operator.azure.refresh_provider import configuration_server_provider

VAULT = (
    f"/Subscriptions/{SUBSCRIPTION}/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/vault-dr"
)
PROVIDERS = f"{VAULT}/replicationFabrics/cs-fabric/replicationRecoveryServicesProviders"
API = "?api-version=2025-08-01"


def provider(
    name: str,
    friendly: str,
    *,
    fabric_friendly: str = "PwsTestCS",
    status: str = "Connected",
    scenarios: tuple[str, ...] = ("Refresh",),
) -> dict:
    return {
        "id": f"{PROVIDERS}/{name}",
        "name": name,
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationRecoveryServicesProviders",
        "properties": {
            "fabricType": "VMware",
            "friendlyName": friendly,
            "fabricFriendlyName": fabric_friendly,
            "connectionStatus": status,
            "allowedScenarios": list(scenarios),
        },
    }


def sdk(body: dict) -> models.RecoveryServicesProvider:
    return models.RecoveryServicesProvider(body)


# ---------------------------------------------------------------- the choice (pure)


def test_a_single_provider_is_chosen_whatever_it_looks_like() -> None:
    only = sdk(provider("p1", "somewhere-else", status="NotConnected", scenarios=()))
    assert configuration_server_provider([only], "cs-fabric") is only


def test_of_several_the_configuration_servers_own_provider_is_chosen() -> None:
    appliance = sdk(provider("a-first-by-name", "Appliance-1"))
    own = sdk(provider("z-last-by-name", "PwsTestCS", status="NotConnected"))
    assert configuration_server_provider([appliance, own], "cs-fabric") is own
    assert configuration_server_provider([own, appliance], "cs-fabric") is own


def test_then_a_connected_then_a_refreshable_then_the_lowest_name() -> None:
    down = sdk(provider("a", "App-a", status="NotConnected"))
    no_refresh = sdk(provider("b", "App-b", scenarios=()))
    later = sdk(provider("d", "App-d"))
    chosen = sdk(provider("C", "App-c"))
    assert configuration_server_provider([down, no_refresh, later, chosen], "cs-fabric") is chosen
    assert configuration_server_provider([down, no_refresh], "cs-fabric") is no_refresh


def test_no_provider_is_a_typed_error_naming_the_fabric() -> None:
    with pytest.raises(NoRecoveryServicesProvider) as caught:
        configuration_server_provider([], "cs-fabric")
    assert caught.value.fabric == "cs-fabric"
    assert "cs-fabric" in str(caught.value)
    assert isinstance(caught.value, SiteRecoveryError)
    with pytest.raises(NoRecoveryServicesProvider):
        configuration_server_provider([sdk({"properties": {"friendlyName": "x"}})], "cs-fabric")


# ---------------------------------------------------------------- through the SDK pipeline


@pytest.fixture
async def site_recovery(arm):
    adapter = SiteRecovery.connect(vault_config(arm), IDENTITY)
    # The fabric name is resolved once per client, before anything else; these tests start after it.
    fabrics = {"value": [{"id": "/x/replicationFabrics/cs-fabric", "name": "cs-fabric", "properties": {}}]}
    arm.answers.append(Answer(body=fabrics))
    assert await adapter.configuration_server_fabric() == "cs-fabric"
    arm.seen.clear()
    yield adapter
    await adapter.close()


def accepted(base: str, provider_name: str, job_id: str) -> Answer:
    return Answer(
        status=202,
        headers={
            "Location": f"{base}{PROVIDERS}/{provider_name}/operationresults/{job_id}{API}",
            "Azure-AsyncOperation": f"{base}{VAULT}/replicationOperationStatus/{job_id}{API}",
            "Retry-After": "30",
        },
    )


async def test_refresh_lists_providers_then_posts_once_and_returns_the_job_id(arm, site_recovery) -> None:
    arm.answers.append(Answer(body={"value": [provider("1fd2", "Appliance"), provider("9abc", "PwsTestCS")]}))
    arm.answers.append(accepted(arm.base_url, "9abc", "5b9c3b1e-0f2e-4c6a-9d7e-3a1b2c4d5e6f"))
    started = await site_recovery.start_refresh_configuration_server()
    assert started.job_id == "5b9c3b1e-0f2e-4c6a-9d7e-3a1b2c4d5e6f"
    assert started.operation == "refresh configuration server"
    assert started.retry_after == 30
    (listing,) = arm.arm_requests("GET")
    assert listing.path.endswith("/replicationFabrics/cs-fabric/replicationRecoveryServicesProviders")
    (post,) = arm.arm_requests("POST")
    assert post.path.endswith(
        "/replicationFabrics/cs-fabric/replicationRecoveryServicesProviders/9abc/refreshProvider"
    )
    assert post.authorization == "Bearer arm-token"


async def test_the_provider_list_is_a_read_and_is_retried(arm, site_recovery) -> None:
    arm.answers.append(Answer(status=503, body={"error": {"code": "ServiceUnavailable", "message": "later"}}))
    arm.answers.append(Answer(body={"value": [provider("9abc", "PwsTestCS")]}))
    arm.answers.append(accepted(arm.base_url, "9abc", "job-1"))
    started = await site_recovery.start_refresh_configuration_server()
    assert started.job_id == "job-1"
    assert len(arm.arm_requests("GET")) == 2
    assert len(arm.arm_requests("POST")) == 1


async def test_an_empty_fabric_raises_without_posting(arm, site_recovery) -> None:
    arm.answers.append(Answer(body={"value": []}))
    with pytest.raises(NoRecoveryServicesProvider, match="cs-fabric"):
        await site_recovery.start_refresh_configuration_server()
    assert arm.arm_requests("POST") == []


async def test_a_refresh_answered_500_is_an_unknown_outcome_and_not_sent_again(arm, site_recovery) -> None:
    arm.answers.append(Answer(body={"value": [provider("9abc", "PwsTestCS")]}))
    arm.answers.append(Answer(status=500, body={"error": {"code": "InternalError", "message": "boom"}}))
    with pytest.raises(OperationOutcomeUnknown) as caught:
        await site_recovery.start_refresh_configuration_server()
    assert caught.value.operation == "refresh configuration server"
    assert CLIENT_SECRET not in str(caught.value)
    assert len(arm.arm_requests("POST")) == 1
