"""RecoveryVault status from one look at Site Recovery: configuration server, servers, policy, conditions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import yaml

from failback_operator.api.status import RecoveryVaultStatus
from failback_operator.api.vocabulary import Reason
from failback_operator.status.connections import ReadFailure, condition_events
from failback_operator.status.vaults import LISTED_SERVERS, STATUS_BUDGET, VaultReading, build_vault_status
from tests.unit.rules.worlds import NOW, before_reprotect


def reading(**server_changes: object) -> VaultReading:
    vault = before_reprotect().vault
    assert vault is not None
    assert vault.configuration_server is not None
    server = replace(vault.configuration_server, agent_version="9.41.0.0", **server_changes)
    return VaultReading(configuration_server=server, failback_policies=vault.failback_policies)


def conditions(status: RecoveryVaultStatus) -> dict[str, tuple[str, str, str]]:
    return {c.type: (c.status.value, c.reason, c.message) for c in status.conditions or ()}


def build(previous: RecoveryVaultStatus, found: VaultReading | None, failure: ReadFailure | None = None):
    return build_vault_status(
        previous, vault="PwsTestVault", reading=found, failure=failure, generation=2, now=NOW
    )


def test_connected_vault_reports_its_configuration_server_and_policy() -> None:
    status = build(RecoveryVaultStatus(), reading())

    assert status.last_polled == NOW
    server = status.configuration_server
    assert server is not None
    assert (server.fabric_type, server.version) == ("VMware", "9.41.0.0")
    assert server.last_heartbeat == NOW - timedelta(minutes=2)
    assert [(p.name, p.health) for p in status.process_servers or ()] == [("V2A-PS-200", "Normal")]
    (master_target,) = status.master_targets or ()
    assert master_target.name == "mt-win01"
    assert [v.name for v in master_target.retention_volumes or ()] == ["F"]
    datastore = (master_target.datastores or ())[0]
    assert (datastore.name, datastore.capacity_bytes) == ("datastore1", round(439.5 * 2**30))
    policy = status.failback_policy
    assert policy is not None
    assert (policy.name, policy.rpo_threshold_minutes, policy.recovery_point_retention_minutes) == (
        "Ploicyv2a-failback",
        15,
        1440,
    )
    assert policy.app_consistent_frequency_minutes == 60
    found = conditions(status)
    assert found["Connected"][:2] == ("True", "Connected")
    assert found["Ready"][:2] == ("True", "AllPassed")
    assert RecoveryVaultStatus.model_validate(status.to_status()) == status


def test_stale_heartbeat_is_connected_but_not_ready() -> None:
    status = build(
        RecoveryVaultStatus(),
        reading(last_heartbeat=NOW - timedelta(hours=2), connected=False, service_status="Stopped"),
    )

    found = conditions(status)
    assert found["Connected"][0] == "True"
    assert found["Ready"][:2] == ("False", "Blocked")
    assert "FB004" in found["Ready"][2]
    assert "not connected (service status Stopped)" in found["Ready"][2]


def test_no_associated_policy_is_not_ready() -> None:
    status = build(RecoveryVaultStatus(), reading(name="OtherCS", fabric_name="other"))

    assert status.failback_policy is None
    assert "FB003" in conditions(status)["Ready"][2]


def test_failed_look_keeps_the_last_reading_and_says_why() -> None:
    connected = build(RecoveryVaultStatus(), reading())
    failure = ReadFailure(
        reason=Reason.SIGN_IN_FAILED, message="vault PwsTestVault: sign-in refused: AADSTS7000215"
    )

    status = build_vault_status(
        connected,
        vault="PwsTestVault",
        reading=None,
        failure=failure,
        generation=3,
        now=NOW + timedelta(minutes=5),
    )

    assert status.last_polled == NOW  # the last successful read
    assert status.configuration_server == connected.configuration_server
    assert status.observed_generation == 3
    found = conditions(status)
    assert found["Connected"] == ("False", "SignInFailed", failure.message)
    assert found["Ready"][:2] == ("False", "NotConnected")
    events = condition_events(connected.conditions, status.conditions or (), ("Connected", "Ready"))
    assert [(e.type.value, e.reason) for e in events] == [
        ("Warning", "ConnectedFalse"),
        ("Warning", "ReadyFalse"),
    ]
    assert condition_events(status.conditions, status.conditions or (), ("Connected", "Ready")) == ()


def _crd_list_limits() -> dict[str, int]:
    """maxItems of the status lists a vault fills from Site Recovery, as the CRD says."""
    crd = yaml.safe_load((Path(__file__).resolve().parents[3] / "crds/recoveryvault.yaml").read_text())
    status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    registered = status["masterTargets"]["items"]["properties"]
    return {
        "processServers": status["processServers"]["maxItems"],
        "masterTargets": status["masterTargets"]["maxItems"],
        "retentionVolumes": registered["retentionVolumes"]["maxItems"],
        "datastores": registered["datastores"]["maxItems"],
    }


def large_estate_status() -> RecoveryVaultStatus:
    """A configuration server with more servers, volumes and datastores than the CRD lists."""
    vault = before_reprotect().vault
    assert vault is not None
    assert vault.configuration_server is not None
    server = vault.configuration_server
    master_target = server.master_targets[0]
    process_server, volume, datastore = (
        server.process_servers[0],
        master_target.retention_volumes[0],
        master_target.datastores[0],
    )
    many = 400
    master_targets = tuple(
        replace(
            master_target,
            id=f"mt-{n:03d}",
            name=f"mt-{n:03d}",
            retention_volumes=tuple(replace(volume, name=f"V{v:03d}") for v in range(100)),
            datastores=tuple(replace(datastore, name=f"datastore-{d:03d}") for d in range(300)),
        )
        for n in reversed(range(many))
    )
    process_servers = tuple(
        replace(process_server, id=f"ps-{n:03d}", name=f"ps-{n:03d}") for n in reversed(range(many))
    )
    return build(
        RecoveryVaultStatus(), reading(master_targets=master_targets, process_servers=process_servers)
    )


def test_a_configuration_server_of_a_large_estate_still_fits_the_crd_and_the_api_server() -> None:
    """More servers, volumes and datastores than the CRD lists: the first by name, within etcd's size."""
    status = large_estate_status()
    limits = _crd_list_limits()
    written = status.to_status()
    assert len(written["processServers"]) == limits["processServers"] == LISTED_SERVERS
    assert [m["name"] for m in written["masterTargets"]] == [f"mt-{n:03d}" for n in range(LISTED_SERVERS)]
    assert len(json.dumps(written)) <= STATUS_BUDGET
    for listed in written["masterTargets"]:
        assert len(listed.get("retentionVolumes", ())) <= limits["retentionVolumes"]
        assert len(listed.get("datastores", ())) <= limits["datastores"]
    # A small estate keeps every detail.
    one = build(RecoveryVaultStatus(), reading()).to_status()
    assert one["masterTargets"][0]["datastores"]
    assert one["masterTargets"][0]["retentionVolumes"]
