"""The API's spec views become the facts the rules read, with each documented difference decided once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.api import resources as api
from failback_operator.facts.spec import (
    Architecture,
    NetworkPath,
    OsType,
    RecoveryPointType,
    ReplicationGroup,
    RootVolumeLayout,
)
from failback_operator.gathering.spec_facts import (
    approval_facts,
    failback_plan_facts,
    master_target_declaration,
    network_path,
    recovery_point_type,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(
    ("point", "architecture", "expected"),
    [
        (api.RecoveryPoint.LATEST, Architecture.CLASSIC, RecoveryPointType.LATEST_TIME),
        (api.RecoveryPoint.LATEST_APPLICATION_CONSISTENT, Architecture.CLASSIC, RecoveryPointType.LATEST_TAG),
        (api.RecoveryPoint.LATEST, Architecture.MODERNIZED, RecoveryPointType.CRASH_CONSISTENT),
        (
            api.RecoveryPoint.LATEST_APPLICATION_CONSISTENT,
            Architecture.MODERNIZED,
            RecoveryPointType.APPLICATION_CONSISTENT,
        ),
    ],
)
def test_recovery_point_per_architecture(
    point: api.RecoveryPoint, architecture: Architecture, expected: RecoveryPointType
) -> None:
    assert recovery_point_type(point, architecture) is expected


def test_classic_windows_master_target() -> None:
    body = example("30-mastertarget-windows.yaml")
    spec = api.MasterTargetSpec.model_validate(body["spec"])

    declared = master_target_declaration("v2a-ps-200", spec, vcenter_host="vcenter.example.internal")

    assert declared.name == "v2a-ps-200"
    assert declared.architecture is Architecture.CLASSIC
    assert declared.os_type is OsType.WINDOWS
    assert declared.vm_name == "V2A-PS-200"
    assert declared.vm_instance_uuid is None
    assert declared.registered_as == "V2A-PS-200"
    assert declared.retention_drive == "F:"
    assert declared.vault == "pwstestvault"
    # The configuration server knows vCenters by host, not by the VCenter object's name.
    assert declared.vcenter == "vcenter.example.internal"
    assert declared.remediate_enable_uuid is True
    assert declared.reprotect_agent is None


def test_master_target_without_vcenter_host_names_the_reference() -> None:
    spec = api.MasterTargetSpec.model_validate(example("30-mastertarget-windows.yaml")["spec"])
    assert master_target_declaration("mt", spec).vcenter == "vcenter-onprem"


def test_linux_master_target_layout() -> None:
    spec = api.MasterTargetSpec.model_validate(example("31-mastertarget-linux.yaml")["spec"])
    declared = master_target_declaration("lmt", spec)
    assert declared.os_type is OsType.LINUX
    assert declared.root_volume_layout is RootVolumeLayout.STANDARD
    assert declared.retention_drive == "/mnt/retention"


def test_modernized_master_target() -> None:
    spec = api.MasterTargetSpec.model_validate(example("32-mastertarget-modernized.yaml")["spec"])

    declared = master_target_declaration("rcm-app-150", spec)

    assert declared.architecture is Architecture.MODERNIZED
    assert declared.reprotect_agent == "Rcm-App-150"
    assert declared.log_storage_account_id is not None
    assert declared.log_storage_account_id.endswith("/storageAccounts/v2aecystor")
    assert declared.registered_as is None


def test_windows_plan() -> None:
    body = example("40-failbackplan-windows.yaml")
    spec = api.FailbackPlanSpec.model_validate(body["spec"])

    plan = failback_plan_facts(
        "windows-apps",
        "team-apps",
        spec,
        architecture=Architecture.CLASSIC,
        connectivity=api.Connectivity.SITE_TO_SITE_VPN,
        vcenter_host="vcenter.example.internal",
        generation=4,
        requested_by="john@example.com",
    )

    assert plan.name == "windows-apps"
    assert plan.namespace == "team-apps"
    assert plan.vault == "pwstestvault"
    assert plan.master_target == "v2a-ps-200"
    assert plan.process_server == "PwsTestCS"
    assert plan.run_as_account == "windowsuser"
    assert plan.datastore == "datastore1"
    assert plan.items == ()
    assert plan.groups == (
        ReplicationGroup(
            name="web", items=("V2A-W2K16-201-new", "V2A-W2K16-202-new"), recovery_plan="PwsTestRP-web"
        ),
    )
    assert plan.window is not None
    assert plan.window.start == datetime(2026, 11, 28, 22, tzinfo=UTC)
    assert plan.approval.required is True
    assert plan.approval.approvers == ()
    assert plan.run == "2026-11-28"
    assert plan.generation == 4
    assert plan.requested_by == "john@example.com"
    assert plan.recovery_point_type is RecoveryPointType.LATEST_TIME
    assert plan.network_path is NetworkPath.SITE_TO_SITE_VPN
    assert plan.vcenter == "vcenter.example.internal"
    assert plan.all_items() == ("V2A-W2K16-201-new", "V2A-W2K16-202-new")


def test_one_item_group_without_recovery_plan_stays_a_group() -> None:
    spec = api.FailbackPlanSpec.model_validate(
        {
            "run": "r1",
            "vaultRef": {"name": "v"},
            "masterTargetRef": {"name": "mt"},
            "datastore": "ds",
            "approval": {"policy": "None"},
            "recoveryPoint": "LatestApplicationConsistent",
            "groups": [
                {"name": "alone", "items": [{"name": "db-01"}]},
                {"name": "pair", "items": [{"name": "web-01"}, {"name": "web-02"}], "recoveryPlan": "rp-web"},
                {"name": "planned", "items": [{"name": "app-01"}], "recoveryPlan": "rp-app"},
            ],
        }
    )

    plan = failback_plan_facts("p", "ns", spec, architecture=Architecture.MODERNIZED)

    assert plan.items == ()
    assert [g.name for g in plan.groups] == ["alone", "pair", "planned"]
    assert (plan.groups[0].items, plan.groups[0].recovery_plan) == (("db-01",), None)
    assert plan.groups[2].items == ("app-01",)
    assert plan.all_items() == ("db-01", "web-01", "web-02", "app-01")
    assert plan.approval.required is False
    assert plan.window is None
    assert plan.network_path is None
    assert plan.recovery_point_type is RecoveryPointType.APPLICATION_CONSISTENT


def test_network_path() -> None:
    assert network_path(None) is None
    assert network_path(api.Connectivity.INTERNET) is NetworkPath.INTERNET
    assert (
        network_path(api.Connectivity.EXPRESS_ROUTE_PRIVATE_PEERING)
        is NetworkPath.EXPRESS_ROUTE_PRIVATE_PEERING
    )


def test_approval() -> None:
    spec = api.FailbackApprovalSpec.model_validate(example("50-failbackapproval.yaml")["spec"])
    created = datetime(2026, 11, 28, 12, tzinfo=UTC)

    approval = approval_facts("windows-apps-2026-11-28", "team-apps", spec, created=created)

    assert approval.plan == "windows-apps"
    assert approval.run == "2026-11-28"
    assert approval.approved_by == "jane.doe@example.com"
    assert approval.namespace == "team-apps"
    assert approval.created == created
