"""The CRDs' cross-field rules, applied to files: same verdicts, same messages as the API server's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.api.resources import FailbackPlanSpec, MasterTargetSpec, RecoveryVaultSpec
from failback_operator.preflight.api_rules import MESSAGES, api_rule_violations

REPO = Path(__file__).resolve().parents[3]


def crd_messages() -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for rule in node.get("x-kubernetes-validations", ()):
                found.add(re.sub(r"\s+", " ", rule["message"]).strip())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in (REPO / "crds").glob("*.yaml"):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_each_message_is_the_crds_own(key: str) -> None:
    assert MESSAGES[key] in crd_messages()


def example_spec(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((REPO / "examples" / name).read_text(encoding="utf-8"))["spec"]
    return spec


@pytest.mark.parametrize(
    "name",
    [
        "20-recoveryvault.yaml",
        "22-recoveryvault-modernized.yaml",
        "30-mastertarget-windows.yaml",
        "31-mastertarget-linux.yaml",
        "32-mastertarget-modernized.yaml",
        "40-failbackplan-windows.yaml",
        "41-failbackplan-linux.yaml",
        "42-failbackplan-modernized.yaml",
    ],
)
def test_the_examples_break_no_rule(name: str) -> None:
    spec = example_spec(name)
    model = {"2": RecoveryVaultSpec, "3": MasterTargetSpec, "4": FailbackPlanSpec}[name[0]]
    assert api_rule_violations(model.model_validate(spec)) == []


def master_target(**changes: Any) -> MasterTargetSpec:
    spec = example_spec("30-mastertarget-windows.yaml")
    spec.update(changes)
    return MasterTargetSpec.model_validate(spec)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"vm": {"name": "a", "instanceUuid": "5012"}}, ("spec.vm", "vm")),
        ({"vm": {}}, ("spec.vm", "vm")),
        ({"architecture": "Modernized", "retentionDrive": None}, ("spec.modernized", "modernized-required")),
        (
            {"modernized": {"reprotectAgent": "a", "logStorageAccountId": "s"}},
            ("spec.modernized", "modernized-forbidden"),
        ),
        ({"retentionDrive": "F:\\"}, ("spec.retentionDrive", "windows-retention")),
        (
            {"os": {"type": "Windows", "version": "2019", "rootVolumeLayout": "LVM"}},
            ("spec.os.rootVolumeLayout", "layout-forbidden"),
        ),
        (
            {"os": {"type": "Linux", "version": "RHEL8"}, "retentionDrive": "/mnt/retention"},
            ("spec.os.rootVolumeLayout", "layout-required"),
        ),
        (
            {"os": {"type": "Linux", "version": "RHEL8", "rootVolumeLayout": "Standard"}},
            ("spec.retentionDrive", "linux-retention"),
        ),
    ],
)
def test_master_target_rules(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    field, key = expected
    assert (field, MESSAGES[key]) in api_rule_violations(master_target(**changes))


def test_appliance_with_retention_drive() -> None:
    spec = example_spec("32-mastertarget-modernized.yaml")
    spec["retentionDrive"] = "F"
    violations = api_rule_violations(MasterTargetSpec.model_validate(spec))
    assert violations == [("spec.retentionDrive", MESSAGES["appliance-retention"])]


def plan(**changes: Any) -> FailbackPlanSpec:
    spec = example_spec("40-failbackplan-windows.yaml")
    spec.update(changes)
    return FailbackPlanSpec.model_validate(spec)


def test_plan_rules() -> None:
    assert api_rule_violations(plan(action="Failback", window=None)) == [
        ("spec.window", MESSAGES["window-required"])
    ]
    reversed_window = {"start": "2026-11-29T02:00:00Z", "end": "2026-11-28T22:00:00Z"}
    assert api_rule_violations(plan(window=reversed_window)) == [("spec.window", MESSAGES["window-order"])]
    assert api_rule_violations(plan(retentionDrive="F:\\")) == [
        ("spec.retentionDrive", MESSAGES["plan-retention"])
    ]
    assert api_rule_violations(plan(groups=[])) == [("spec.groups", MESSAGES["groups-required"])]
    groups = [
        {"name": "a", "items": [{"name": "x"}, {"name": "y"}]},
        {"name": "b", "recoveryPlan": "rp", "items": [{"name": "x"}]},
        {"name": "c", "items": []},
    ]
    assert api_rule_violations(plan(groups=groups)) == [
        ("spec.groups[0].recoveryPlan", MESSAGES["recovery-plan-required"]),
        ("spec.groups", MESSAGES["one-group"]),
        ("spec.groups[2].items", MESSAGES["items-required"]),
    ]


def test_vault_rules() -> None:
    spec = example_spec("20-recoveryvault.yaml")
    spec["credentials"] = {"type": "ServicePrincipal"}
    spec["cloud"] = {"resourceManager": "http://127.0.0.1:8080", "authority": "login.example"}
    assert api_rule_violations(RecoveryVaultSpec.model_validate(spec)) == [
        ("spec.credentials.secretRef", MESSAGES["secret-required"]),
        ("spec.cloud.resourceManager", MESSAGES["resource-manager-https"]),
        ("spec.cloud.authority", MESSAGES["authority-https"]),
    ]
    spec = example_spec("22-recoveryvault-modernized.yaml")
    spec["credentials"] = {"type": "WorkloadIdentity", "secretRef": {"name": "sp"}}
    assert api_rule_violations(RecoveryVaultSpec.model_validate(spec)) == [
        ("spec.credentials.secretRef", MESSAGES["secret-forbidden"])
    ]
