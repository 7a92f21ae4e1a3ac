"""Classic Linux group: a Linux master target whose retention volume is a path, and the OS match (FB041)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicessiterecovery import models

from tests.support.asr_sim import Vault, classic_failback_input, policy_id

ITEM = "V2A-RHEL8-301-new"
LINUX_MASTER_TARGET = "5B1E2C7A-3D44-4E1F-9A0B-77C1D2E3F410"


def _reprotect_input(vault: Vault, master_target: str, retention: str) -> models.ReverseReplicationInput:
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=models.InMageReprotectInput(
                master_target_id=master_target,
                process_server_id="30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                retention_drive=retention,
                run_as_account_id="3",
                datastore_name="datastore1",
                profile_id=policy_id(vault, "Ploicyv2a-failback"),
            ),
        )
    )


def test_linux_master_target_is_reported_with_its_retention_path(linux: Vault) -> None:
    details = linux.client.replication_fabrics.get(*linux.scope, linux.fabric).properties.custom_details
    (master_target,) = details.master_target_servers
    assert master_target.os_type == "Linux"
    assert [volume.volume_name for volume in master_target.retention_volumes] == ["/mnt/retention"]
    item = linux.client.replication_protected_items.get(*linux.item_scope, ITEM)
    assert item.properties.provider_specific_details.os_type == "Linux"


def test_linux_round_trip_through_the_linux_master_target(linux: Vault) -> None:
    items = linux.client.replication_protected_items
    with pytest.raises(HttpResponseError) as refused:
        items.begin_reprotect(*linux.item_scope, ITEM, _reprotect_input(linux, LINUX_MASTER_TARGET, "F"))
    assert refused.value.error is not None
    assert "/mnt/retention" in refused.value.error.message
    reprotected = items.begin_reprotect(
        *linux.item_scope, ITEM, _reprotect_input(linux, LINUX_MASTER_TARGET, "/mnt/retention")
    ).result()
    assert isinstance(reprotected.properties.provider_specific_details, models.InMageReplicationDetails)
    linux.simulator.runtime.advance(61)
    failed_back = items.begin_unplanned_failover(*linux.item_scope, ITEM, classic_failback_input()).result()
    assert failed_back.properties.provider_specific_details.active_site_type == "OnPrem"


def test_windows_vm_to_a_linux_master_target_is_refused(classic: Vault) -> None:
    classic.simulator.runtime.load(
        classic.simulator.runtime.scenario.model_copy(
            update={
                "master_targets": [
                    *classic.simulator.runtime.scenario.master_targets,
                    classic.simulator.runtime.scenario.master_targets[0].model_copy(
                        update={"id": LINUX_MASTER_TARGET, "name": "V2A-MT-LNX-210", "os_type": "Linux"}
                    ),
                ]
            }
        )
    )
    with pytest.raises(HttpResponseError) as refused:
        classic.client.replication_protected_items.begin_reprotect(
            *classic.item_scope, "V2A-W2K16-201-new", _reprotect_input(classic, LINUX_MASTER_TARGET, "F")
        )
    assert refused.value.error is not None
    assert refused.value.error.code == "MasterTargetOsMismatch"
