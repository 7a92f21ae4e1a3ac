"""The real SDK reads every resource type from the simulator over HTTPS and gets the proper model classes."""

from __future__ import annotations

import json

from azure.mgmt.recoveryservicessiterecovery import models

from tests.support.asr_sim import Vault, missing_fields, raw_get, recorded, vault_path


def test_classic_fabric_is_the_configuration_server_with_master_targets(classic: Vault) -> None:
    fabric = classic.client.replication_fabrics.get(*classic.scope, classic.fabric)
    details = fabric.properties.custom_details
    assert isinstance(details, models.VMwareDetails)
    assert fabric.properties.friendly_name == "PwsTestCS"
    assert [ps.friendly_name for ps in details.process_servers] == ["V2A-PS-200", "PwsTestCS"]
    master_target = details.master_target_servers[0]
    assert master_target.name == "V2A-PS-200"
    assert [volume.volume_name for volume in master_target.retention_volumes] == ["F"]
    assert [store.symbolic_name for store in master_target.data_stores] == ["datastore1", "DS-77"]
    assert master_target.data_stores[0].capacity == "439.5"
    assert [account.account_name for account in details.run_as_accounts] == [
        "vcenteruser",
        "windowsuser",
        "linuxuser",
    ]
    assert details.last_heartbeat is not None


def test_fabric_list_and_containers(classic: Vault) -> None:
    fabrics = list(classic.client.replication_fabrics.list(*classic.scope))
    assert [fabric.name for fabric in fabrics] == [classic.fabric]
    containers = list(
        classic.client.replication_protection_containers.list_by_replication_fabrics(
            *classic.scope, classic.fabric
        )
    )
    assert [container.name for container in containers] == [classic.container]


def test_classic_items_in_azure_are_inmage_azure_v2(classic: Vault) -> None:
    items = list(classic.client.replication_protected_items.list(*classic.scope))
    assert {item.name for item in items} == {"V2A-W2K16-201-new", "V2A-W2K19-202-new"}
    for item in items:
        assert isinstance(item.properties.provider_specific_details, models.InMageAzureV2ReplicationDetails)
        assert item.properties.protection_state == "UnplannedFailoverCommitted"
        assert item.properties.allowed_operations == [
            "CompleteMigration",
            "DisableProtection",
            "SwitchProtection",
        ]
    one = classic.client.replication_protected_items.get(*classic.item_scope, "V2A-W2K16-201-new")
    details = one.properties.provider_specific_details
    assert details.os_type == "Windows"
    assert details.multi_vm_group_name == "app1-group"
    assert len(details.protected_disks) == 2


def test_modernized_fabric_and_items(modern: Vault) -> None:
    fabric = modern.client.replication_fabrics.get(*modern.scope, modern.fabric)
    details = fabric.properties.custom_details
    assert isinstance(details, models.InMageRcmFabricSpecificDetails)
    assert [agent.name for agent in details.reprotect_agents] == ["Rcm-App-150", "Rcm-App-151"]
    assert details.reprotect_agents[0].accessible_datastores == ["SharedDS-84-85"]
    items = list(
        modern.client.replication_protected_items.list_by_replication_protection_containers(
            *modern.scope, modern.fabric, modern.container
        )
    )
    assert len(items) == 2
    assert all(
        isinstance(item.properties.provider_specific_details, models.InMageRcmReplicationDetails)
        for item in items
    )


def test_policies_and_mappings_carry_the_failback_policy(classic: Vault) -> None:
    policies = {policy.name: policy for policy in classic.client.replication_policies.list(*classic.scope)}
    failback = policies["Ploicyv2a-failback"].properties.provider_specific_details
    assert isinstance(failback, models.InMagePolicyDetails)
    assert failback.recovery_point_threshold_in_minutes == 15
    assert failback.recovery_point_history == 24 * 60
    assert failback.app_consistent_frequency_in_minutes == 60
    assert isinstance(
        policies["Policyv2a"].properties.provider_specific_details, models.InMageAzureV2PolicyDetails
    )
    same = classic.client.replication_policies.get(*classic.scope, "ploicyv2a-FAILBACK")
    assert same.name == "Ploicyv2a-failback"
    mappings = list(classic.client.replication_protection_container_mappings.list(*classic.scope))
    assert {mapping.properties.policy_friendly_name for mapping in mappings} == {
        "Policyv2a",
        "Ploicyv2a-failback",
    }


def test_vcenters(classic: Vault) -> None:
    centers = list(classic.client.replicationv_centers.list(*classic.scope))
    assert [center.name for center in centers] == ["vcenter67"]
    one = classic.client.replicationv_centers.get(*classic.scope, classic.fabric, "vcenter67")
    assert one.properties.discovery_status == "Connected"


def test_recovery_plans(classic: Vault) -> None:
    plans = list(classic.client.replication_recovery_plans.list(*classic.scope))
    assert [plan.name for plan in plans] == ["rp-app1"]
    plan = classic.client.replication_recovery_plans.get(*classic.scope, "rp-app1")
    boot = next(group for group in plan.properties.groups if group.group_type == "Boot")
    assert len(boot.replication_protected_items) == 2


def test_classic_fabric_has_every_recorded_field(classic: Vault) -> None:
    ours = raw_get(classic, f"{vault_path(classic)}/replicationFabrics/{classic.fabric}")
    theirs = recorded("fabric_get_VMware.json", "ResponseBody")
    assert not missing_fields(ours, theirs)
    assert ours["properties"]["customDetails"]["instanceType"] == "VMware"
    master_target = ours["properties"]["customDetails"]["masterTargetServers"][0]
    assert master_target["retentionVolumes"][0]["volumeName"] == "F"  # a bare letter, as recorded
    assert isinstance(master_target["dataStores"][0]["capacity"], str)  # sizes of datastores are strings


def test_policy_body_matches_the_recorded_shape(classic: Vault) -> None:
    ours = raw_get(classic, f"{vault_path(classic)}/replicationPolicies/Policyv2a")
    theirs = recorded("policy_get_InMageAzureV2_and_operationstatus.json", "get_policy", "body_raw")
    assert not missing_fields(ours, json.loads(theirs))
