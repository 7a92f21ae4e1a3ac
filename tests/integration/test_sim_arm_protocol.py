"""The simulator behaves like ARM: tokens from its own Entra ID, api-version, paths in any case, paging."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential

from failback_operator.sim.asr import AsrSimulator, SimulatorThread, item_bodies
from tests.support.asr_sim import (
    FirstResponse,
    Vault,
    classic_reprotect_input,
    item_path,
    scenario,
    sdk_client,
    vault_path,
)

ITEM = "V2A-W2K16-201-new"
API = "api-version=2025-08-01"


def _session(simulator: AsrSimulator, token: str | None = None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(simulator.ca_file)
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def _token(vault: Vault) -> str:
    return str(vault.client._config.credential.get_token("https://management.azure.com/.default").token)


def test_requests_without_a_token_get_arms_401(classic: Vault) -> None:
    response = _session(classic.simulator).get(
        f"{classic.simulator.base_url}{vault_path(classic)}/replicationFabrics?{API}"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_forged_token_is_rejected(classic: Vault) -> None:
    response = _session(classic.simulator, "not-a-token").get(
        f"{classic.simulator.base_url}{vault_path(classic)}/replicationFabrics?{API}"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_only_the_scenarios_client_gets_a_token(classic_sim: AsrSimulator) -> None:
    wrong_secret = ClientSecretCredential(
        classic_sim.tenant,
        classic_sim.client_id,
        "wrong-secret",
        authority=classic_sim.base_url,
        disable_instance_discovery=True,
        connection_verify=str(classic_sim.ca_file),
    )
    with pytest.raises(ClientAuthenticationError) as refused:
        wrong_secret.get_token("https://management.azure.com/.default")
    assert "AADSTS7000215" in str(refused.value)
    assert "wrong-secret" not in str(refused.value)
    wrong_client = ClientSecretCredential(
        classic_sim.tenant,
        "00000000-0000-0000-0000-000000000000",
        classic_sim.client_secret,
        authority=classic_sim.base_url,
        disable_instance_discovery=True,
        connection_verify=str(classic_sim.ca_file),
    )
    with pytest.raises(ClientAuthenticationError) as unknown:
        wrong_client.get_token("https://management.azure.com/.default")
    assert "AADSTS700016" in str(unknown.value)


def test_revoked_tokens_are_refused_and_the_sdk_reauthenticates_on_a_new_client(classic: Vault) -> None:
    token = _token(classic)
    classic.simulator.runtime.issuer.revoke_all()
    response = _session(classic.simulator, token).get(
        f"{classic.simulator.base_url}{vault_path(classic)}/replicationFabrics?{API}"
    )
    assert response.status_code == 401
    fresh = sdk_client(classic.simulator)
    assert list(fresh.client.replication_fabrics.list(*fresh.scope))


def test_api_version_is_required_and_checked(classic: Vault) -> None:
    session = _session(classic.simulator, _token(classic))
    base = f"{classic.simulator.base_url}{vault_path(classic)}/replicationFabrics"
    missing = session.get(base)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    old = session.get(f"{base}?api-version=2016-08-10")
    assert old.status_code == 400
    assert old.json()["error"]["code"] == "NoRegisteredProviderFound"
    assert "2025-08-01" in old.json()["error"]["message"]


def test_wrong_scope_is_not_found(classic: Vault) -> None:
    session = _session(classic.simulator, _token(classic))
    path = vault_path(classic)
    other_subscription = path.replace("b8aef8e1", "c8aef8e1")
    assert (
        session.get(f"{classic.simulator.base_url}{other_subscription}/replicationFabrics?{API}").json()[
            "error"
        ]["code"]
        == "SubscriptionNotFound"
    )
    other_vault = path.replace("PwsTestVault", "OtherVault")
    answer = session.get(f"{classic.simulator.base_url}{other_vault}/replicationFabrics?{API}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ResourceNotFound"
    unknown = session.get(f"{classic.simulator.base_url}{path}/replicationFabrics/nope?{API}")
    assert unknown.status_code == 404
    action = session.post(f"{classic.simulator.base_url}{item_path(classic, ITEM)}/teleport?{API}", json={})
    assert action.status_code == 404
    assert action.json()["error"]["code"] == "InvalidResourceType"


def test_paths_match_in_any_case(classic: Vault) -> None:
    session = _session(classic.simulator, _token(classic))
    path = item_path(classic, ITEM.upper())
    shouted = (
        path.replace("replicationProtectedItems", "REPLICATIONPROTECTEDITEMS")
        .replace("/subscriptions/", "/SUBSCRIPTIONS/")
        .replace("/resourceGroups/", "/resourcegroups/")
    )
    answer = session.get(f"{classic.simulator.base_url}{shouted}?{API}")
    assert answer.status_code == 200
    assert answer.json()["name"] == ITEM
    posted = session.post(
        f"{classic.simulator.base_url}{item_path(classic, ITEM.lower())}/REPROTECT?{API}",
        json=classic_reprotect_input(classic).as_dict(),
    )
    assert posted.status_code == 202, posted.text
    assert "/operationresults/" in posted.headers["Location"]
    assert classic.simulator.runtime.log.count("ReplicationProtectedItems_Reprotect", ITEM) == 1


def test_reprotect_202_carries_the_recorded_headers(classic: Vault) -> None:
    first = FirstResponse()
    classic.client.replication_protected_items.begin_reprotect(
        *classic.item_scope, ITEM, classic_reprotect_input(classic), polling=False, raw_response_hook=first
    )
    assert first.status == 202
    assert first.headers is not None
    location = first.headers["Location"]
    assert location.startswith(classic.simulator.base_url)
    assert f"/replicationProtectedItems/{ITEM}/operationresults/{first.job_id}" in location
    assert (
        first.headers["Azure-AsyncOperation"]
        .split("?")[0]
        .endswith(f"/replicationOperationStatus/{first.job_id}")
    )
    assert "Retry-After" in first.headers or "retry-after-ms" in first.headers
    job = classic.client.replication_jobs.get(*classic.scope, first.job_id)
    assert job.properties.state == "InProgress"
    assert job.properties.allowed_actions == ["Cancel"]


def test_retry_after_is_the_recorded_30_seconds_in_real_time() -> None:
    with SimulatorThread(scenario("classic-windows"), time_scale=1) as simulator:
        vault = sdk_client(simulator)
        first = FirstResponse()
        vault.client.replication_protected_items.begin_reprotect(
            *vault.item_scope, ITEM, classic_reprotect_input(vault), polling=False, raw_response_hook=first
        )
        assert first.headers is not None
        assert first.headers["Retry-After"] == "30"


def test_long_lists_are_paged_with_next_link(monkeypatch: pytest.MonkeyPatch) -> None:
    """And a page builds the bodies of its own items only: 5,000 items are 50 pages of 100."""
    rendered: list[str] = []
    item_body = item_bodies.item_body

    def counted(state: Any, item: Any) -> dict[str, Any]:
        rendered.append(item.name)
        return item_body(state, item)

    monkeypatch.setattr(item_bodies, "item_body", counted)
    with SimulatorThread(scenario("classic-windows", page_size=1), time_scale=3000) as simulator:
        vault = sdk_client(simulator)
        session = _session(simulator, _token(vault))
        first_page = session.get(
            f"{simulator.base_url}{vault_path(vault)}/replicationProtectedItems?{API}"
        ).json()
        assert len(first_page["value"]) == 1
        assert "nextLink" in first_page
        assert rendered == ["V2A-W2K16-201-new"]
        names = [item.name for item in vault.client.replication_protected_items.list(*vault.scope)]
        assert names == ["V2A-W2K16-201-new", "V2A-W2K19-202-new"]
        assert simulator.runtime.log.count("ReplicationProtectedItems_List") == 3


def test_jobs_are_filtered_like_site_recovery(classic: Vault) -> None:
    items = classic.client.replication_protected_items
    for name in ("V2A-W2K16-201-new", "V2A-W2K19-202-new"):
        items.begin_reprotect(*classic.item_scope, name, classic_reprotect_input(classic)).result()
    jobs = classic.client.replication_jobs
    assert len(list(jobs.list(*classic.scope))) == 2
    by_item = list(jobs.list(*classic.scope, filter=f"targetObjectId eq '{ITEM}'"))
    assert [job.properties.target_object_name for job in by_item] == ["V2A-W2K16-201"]
    vm_id = by_item[0].properties.target_object_id
    assert len(list(jobs.list(*classic.scope, filter=f"affectedObjectIds eq '{vm_id}'"))) == 1
    started = by_item[0].properties.start_time
    since = f"startTime eq '{started.isoformat()}' and jobName eq 'SwitchReplicationGroupProtection'"
    later = list(jobs.list(*classic.scope, filter=since))
    assert later
    assert all(job.properties.start_time >= started for job in later)
    assert not list(jobs.list(*classic.scope, filter="jobName eq 'PlannedFailover'"))
    succeeded = list(jobs.list(*classic.scope, filter="jobStatus eq 'Succeeded'"))
    assert len(succeeded) == 2
    with pytest.raises(HttpResponseError, match="InvalidFilter"):
        list(jobs.list(*classic.scope, filter="colour eq 'blue'"))


def test_control_api(classic: Vault) -> None:
    simulator = classic.simulator
    session = _session(simulator)
    base = f"{simulator.base_url}/_sim"
    assert session.get(f"{base}/state").json()["items"][ITEM]["stage"] == "failed_over_committed"
    assert session.patch(f"{base}/faults", json={"server_errors": -1}).status_code == 400
    assert session.patch(f"{base}/faults", json={"colour": "blue"}).status_code == 400
    assert (
        session.patch(f"{base}/faults", json={"slow_seconds": 0.0, "server_errors": 1}).json()[
            "server_errors"
        ]
        == 1
    )
    added = session.post(
        f"{base}/faults/job-failures", json={"operation": "reprotect", "code": "95226"}
    ).json()
    assert added["job_failures"][0]["code"] == "95226"
    before = session.get(f"{base}/state").json()["simulatedTime"]
    after = session.post(f"{base}/clock", json={"advance_minutes": 120}).json()["simulatedTime"]
    assert after > before
    assert session.post(f"{base}/items/{ITEM}/delete-azure-vm").json()["azureVmDeleted"] is True
    assert session.post(f"{base}/configuration-server/heartbeat", json={"stopped": True}).json()[
        "heartbeatStopped"
    ]
    list(classic.client.replication_fabrics.list(*classic.scope))  # answered 500 once, then retried
    counts = session.get(f"{base}/requests/counts").json()
    assert counts["ReplicationFabrics_List"] == 2
    bad = session.post(f"{base}/scenario", data="architecture: classic\nvault: {}\n")
    assert bad.status_code == 400
    assert "vault.subscription" in bad.json()["error"]
    assert session.delete(f"{base}/requests").status_code == 200
    assert session.get(f"{base}/requests").json() == []
