"""The CRDs on a real API server: examples accepted, invalid resources refused with a clear message."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from failback_operator.api.resources import SPEC_MODELS, parse_spec
from failback_operator.api.status import FailbackPlanStatus, MasterTargetStatus
from failback_operator.testenv.controlplane import ControlPlane

pytestmark = pytest.mark.controlplane

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
KINDS = {
    "RecoveryVault": "recoveryvaults",
    "VCenter": "vcenters",
    "MasterTarget": "mastertargets",
    "FailbackPlan": "failbackplans",
    "FailbackApproval": "failbackapprovals",
}


def _example(filename: str) -> dict[str, Any]:
    (document,) = yaml.safe_load_all((EXAMPLES / filename).read_text())
    return dict(document)


@pytest.fixture(scope="module")
def examples(crds: ControlPlane) -> Iterator[ControlPlane]:
    """The control plane with every example applied for real; its plans and approvals removed after.

    The control plane is shared by the session: an example plan left behind would claim the items
    of the tests that run after this module.
    """
    crds.kubectl("apply", "--server-side", f"--filename={EXAMPLES}")
    yield crds
    for document in sorted(EXAMPLES.glob("[45]*.yaml")):  # the plans and the approval
        crds.kubectl("delete", f"--filename={document}", "--ignore-not-found", "--wait=false")


def test_crds_are_established(crds: ControlPlane) -> None:
    listing = json.loads(crds.kubectl("get", "customresourcedefinitions", "--output=json").stdout)
    ours = {
        item["spec"]["names"]["kind"]: item
        for item in listing["items"]
        if item["spec"]["group"] == "failback.io"
    }
    assert set(ours) == set(KINDS)
    for kind, crd in ours.items():
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions.get("Established") == "True", kind
        assert conditions.get("NamesAccepted") == "True", kind


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_example_is_accepted(examples: ControlPlane, path: Path) -> None:
    result = examples.kubectl("apply", "--server-side", "--dry-run=server", f"--filename={path}")
    assert "serverside-applied (server dry run)" in result.stdout


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_stored_examples_parse_with_their_defaults(examples: ControlPlane, kind: str) -> None:
    listing = json.loads(examples.kubectl("get", KINDS[kind], "--all-namespaces", "--output=json").stdout)
    assert listing["items"], f"no {kind} stored"
    for body in listing["items"]:
        assert isinstance(parse_spec(body), SPEC_MODELS[kind])


def test_server_fills_the_schema_defaults(examples: ControlPlane) -> None:
    plan = json.loads(
        examples.kubectl("get", "failbackplan", "linux-db", "--namespace=team-apps", "--output=json").stdout
    )
    assert plan["spec"]["approval"] == {"policy": "Required"}
    assert plan["spec"]["afterCommit"] == "None"
    # A vault of its own: the example vault is shared with tests that point it at the simulator.
    vault_document = _example("20-recoveryvault.yaml")
    vault_document["metadata"] = {"name": "defaults-probe"}
    examples.kubectl("create", "--filename=-", input=json.dumps(vault_document))
    try:
        vault = json.loads(examples.kubectl("get", "recoveryvault", "defaults-probe", "--output=json").stdout)
    finally:
        examples.kubectl("delete", "recoveryvault", "defaults-probe", "--wait=false")
    assert vault["spec"]["cloud"]["resourceManager"] == "https://management.azure.com"
    master_target = json.loads(examples.kubectl("get", "mastertarget", "v2a-lmt-210", "--output=json").stdout)
    assert master_target["spec"]["remediation"] == {"enableDiskUuid": False}


# --- invalid resources -----------------------------------------------------------------------

_DELETE = object()


def _edited(document: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` with dotted paths ("spec.groups.0.name") set, or deleted with _DELETE."""
    edited = copy.deepcopy(document)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node: Any = edited
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is _DELETE:
            del node[int(last) if isinstance(node, list) else last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return edited


WIN_PLAN = "40-failbackplan-windows.yaml"
LINUX_PLAN = "41-failbackplan-linux.yaml"
WIN_MT = "30-mastertarget-windows.yaml"
LINUX_MT = "31-mastertarget-linux.yaml"
VAULT = "20-recoveryvault.yaml"
VCENTER = "21-vcenter.yaml"
APPROVAL = "50-failbackapproval.yaml"
ITEM = {"name": "V2A-W2K16-201-new"}
MODERNIZED = {
    "reprotectAgent": "Rcm-App-151",
    "logStorageAccountId": "/subscriptions/b364ed8d-4279-4bf8-8fd1-56f8fa0ae05c/resourceGroups/V2A-ECY"
    "/providers/Microsoft.Storage/storageAccounts/v2aecystor",
}

# (id, example, changes, field path, what the API server must say about it)
INVALID: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("plan-action-enum", WIN_PLAN, {"spec.action": "Jump"}, "spec.action", 'Unsupported value: "Jump"'),
    ("plan-run-missing", WIN_PLAN, {"spec.run": _DELETE}, "spec.run", "Required value"),
    ("plan-run-format", WIN_PLAN, {"spec.run": "Run 1"}, "spec.run", "should match"),
    (
        "plan-window-end-before-start",
        WIN_PLAN,
        {"spec.window.end": "2026-11-28T21:00:00Z"},
        "spec.window.end",
        "window.end must be after window.start",
    ),
    (
        "plan-window-empty",
        WIN_PLAN,
        {"spec.window.end": "2026-11-28T23:00:00+01:00"},
        "spec.window.end",
        "window.end must be after window.start",
    ),
    (
        "plan-window-not-a-time",
        WIN_PLAN,
        {"spec.window.start": "tomorrow evening"},
        "spec.window.start",
        "must be of type date-time",
    ),
    (
        "plan-failback-without-window",
        LINUX_PLAN,
        {"spec.action": "Failback", "spec.window": _DELETE},
        "spec.window",
        "Required value: action Failback or Commit needs a downtime window",
    ),
    (
        "plan-no-groups",
        WIN_PLAN,
        {"spec.groups": []},
        "spec.groups",
        "Required value: a FailbackPlan needs at least one replication group",
    ),
    (
        "plan-group-without-items",
        WIN_PLAN,
        {"spec.groups.0.items": []},
        "spec.groups[0].items",
        "Required value: a replication group needs at least one item",
    ),
    (
        "plan-duplicate-item-in-group",
        WIN_PLAN,
        {"spec.groups.0.items.1": ITEM},
        "spec.groups[0].items[1]",
        'Duplicate value: {"name":"V2A-W2K16-201-new"}',
    ),
    (
        "plan-item-in-two-groups",
        WIN_PLAN,
        {"spec.groups": [{"name": "web", "items": [ITEM]}, {"name": "app", "items": [ITEM]}]},
        "spec.groups",
        "an item may belong to only one replication group of the plan",
    ),
    (
        "plan-duplicate-group-name",
        WIN_PLAN,
        {"spec.groups": [{"name": "web", "items": [ITEM]}, {"name": "web", "items": [{"name": "other"}]}]},
        "spec.groups[1]",
        'Duplicate value: {"name":"web"}',
    ),
    (
        "plan-group-without-recovery-plan",
        WIN_PLAN,
        {"spec.groups.0.recoveryPlan": _DELETE},
        "spec.groups[0].recoveryPlan",
        "Required value: a replication group of more than one item needs its recoveryPlan",
    ),
    (
        "plan-item-name-format",
        WIN_PLAN,
        {"spec.groups.0.items.0.name": "web server 1"},
        "spec.groups[0].items[0].name",
        "should match",
    ),
    (
        "plan-retention-drive-format",
        WIN_PLAN,
        {"spec.retentionDrive": "F:\\retention"},
        "spec.retentionDrive",
        "retentionDrive must be a drive letter such as F or F: (Windows master target) or an absolute path",
    ),
    (
        "plan-approval-enum",
        WIN_PLAN,
        {"spec.approval.policy": "Maybe"},
        "spec.approval.policy",
        "Unsupported value",
    ),
    (
        "plan-recovery-point-is-not-a-provider-value",
        WIN_PLAN,
        {"spec.recoveryPoint": "LatestTime"},
        "spec.recoveryPoint",
        'Unsupported value: "LatestTime"',
    ),
    (
        "plan-master-target-is-cluster-scoped",
        WIN_PLAN,
        {"spec.masterTargetRef.namespace": "team-apps"},
        "spec.masterTargetRef.namespace",
        "unknown field",
    ),
    (
        "mt-windows-linux-path",
        WIN_MT,
        {"spec.retentionDrive": "/mnt/retention"},
        "spec.retentionDrive",
        "on a Windows master target the retention drive is a drive letter such as F or F:",
    ),
    (
        "mt-windows-drive-path",
        WIN_MT,
        {"spec.retentionDrive": "F:\\"},
        "spec.retentionDrive",
        "on a Windows master target the retention drive is a drive letter such as F or F:",
    ),
    (
        "mt-linux-drive-letter",
        LINUX_MT,
        {"spec.retentionDrive": "F:"},
        "spec.retentionDrive",
        "on a Linux master target the retention drive is an absolute path such as /mnt/retention",
    ),
    (
        "mt-linux-relative-path",
        LINUX_MT,
        {"spec.retentionDrive": "mnt/retention"},
        "spec.retentionDrive",
        "on a Linux master target the retention drive is an absolute path",
    ),
    (
        "mt-linux-root-layout-missing",
        LINUX_MT,
        {"spec.os.rootVolumeLayout": _DELETE},
        "spec.os.rootVolumeLayout",
        "Required value: a Linux master target must declare os.rootVolumeLayout",
    ),
    (
        "mt-windows-root-layout",
        WIN_MT,
        {"spec.os.rootVolumeLayout": "Standard"},
        "spec.os.rootVolumeLayout",
        "Forbidden: os.rootVolumeLayout applies only to a Linux master target",
    ),
    (
        "mt-root-layout-enum",
        LINUX_MT,
        {"spec.os.rootVolumeLayout": "ZFS"},
        "spec.os.rootVolumeLayout",
        'Unsupported value: "ZFS"',
    ),
    (
        "mt-modernized-settings-missing",
        WIN_MT,
        {"spec.architecture": "Modernized", "spec.retentionDrive": _DELETE},
        "spec.modernized",
        "Required value: a Modernized master target needs spec.modernized",
    ),
    (
        "mt-modernized-retention-drive",
        WIN_MT,
        {"spec.architecture": "Modernized", "spec.modernized": MODERNIZED},
        "spec.retentionDrive",
        "Forbidden: a Modernized replication appliance has no retention volume",
    ),
    (
        "mt-classic-modernized-settings",
        WIN_MT,
        {"spec.modernized": MODERNIZED},
        "spec.modernized",
        "Forbidden: spec.modernized applies only to the Modernized architecture",
    ),
    (
        "mt-log-storage-account-format",
        WIN_MT,
        {
            "spec.architecture": "Modernized",
            "spec.retentionDrive": _DELETE,
            "spec.modernized": {**MODERNIZED, "logStorageAccountId": "v2aecystor"},
        },
        "spec.modernized.logStorageAccountId",
        "should match",
    ),
    (
        "mt-architecture-enum",
        WIN_MT,
        {"spec.architecture": "classic"},
        "spec.architecture",
        "Unsupported value",
    ),
    ("mt-os-enum", WIN_MT, {"spec.os.type": "Solaris"}, "spec.os.type", 'Unsupported value: "Solaris"'),
    (
        "mt-vm-name-and-uuid",
        WIN_MT,
        {"spec.vm.instanceUuid": "5029c7a4-3f1e-4b8a-9d2c-6e7f8a9b0c1d"},
        "spec.vm",
        "set exactly one of vm.name or vm.instanceUuid",
    ),
    (
        "mt-vm-uuid-format",
        LINUX_MT,
        {"spec.vm.instanceUuid": "vm-42"},
        "spec.vm.instanceUuid",
        "of type uuid",
    ),
    (
        "mt-vault-is-cluster-scoped",
        WIN_MT,
        {"spec.vaultRef.namespace": "failback-system"},
        "spec.vaultRef.namespace",
        "unknown field",
    ),
    (
        "mt-remediation-type",
        WIN_MT,
        {"spec.remediation.enableDiskUuid": "yes"},
        "spec.remediation.enableDiskUuid",
        "must be of type boolean",
    ),
    (
        "vault-subscription-format",
        VAULT,
        {"spec.subscriptionId": "my-subscription"},
        "spec.subscriptionId",
        "of type uuid",
    ),
    (
        "vault-service-principal-without-secret",
        VAULT,
        {"spec.credentials.secretRef": _DELETE},
        "spec.credentials.secretRef",
        "Required value: credentials of type ServicePrincipal need a secretRef",
    ),
    (
        "vault-workload-identity-with-secret",
        VAULT,
        {"spec.credentials.type": "WorkloadIdentity"},
        "spec.credentials.secretRef",
        "Forbidden: credentials of type WorkloadIdentity take no secretRef",
    ),
    (
        "vault-secret-in-another-namespace",
        VAULT,
        {"spec.credentials.secretRef.namespace": "default"},
        "spec.credentials.secretRef.namespace",
        "unknown field",
    ),
    (
        "vault-secret-name-format",
        VAULT,
        {"spec.credentials.secretRef.name": "My_Secret"},
        "spec.credentials.secretRef.name",
        "should match",
    ),
    (
        "vault-endpoint-not-https",
        VAULT,
        {"spec.cloud": {"resourceManager": "http://127.0.0.1:8443"}},
        "spec.cloud.resourceManager",
        "cloud.resourceManager must be an https URL",
    ),
    (
        "vault-ca-bundle-not-pem",
        VAULT,
        {"spec.cloud": {"caBundle": "MIIBszCCAVmgAwIBAgIU"}},
        "spec.cloud.caBundle",
        "cloud.caBundle must hold PEM certificates",
    ),
    (
        "vault-connectivity-enum",
        VAULT,
        {"spec.connectivity": "Carrier pigeon"},
        "spec.connectivity",
        'Unsupported value: "Carrier pigeon"',
    ),
    ("vault-name-format", VAULT, {"spec.vaultName": "-vault"}, "spec.vaultName", "should match"),
    (
        "vcenter-negative-port",
        VCENTER,
        {"spec.port": -1},
        "spec.port",
        "should be greater than or equal to 1",
    ),
    (
        "vcenter-port-too-big",
        VCENTER,
        {"spec.port": 70000},
        "spec.port",
        "should be less than or equal to 65535",
    ),
    (
        "vcenter-ca-and-thumbprint",
        VCENTER,
        {"spec.tls.caBundle": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
        "spec.tls",
        "set at most one of tls.caBundle or tls.thumbprint",
    ),
    (
        "vcenter-thumbprint-format",
        VCENTER,
        {"spec.tls.thumbprint": "3A5F0C9B"},
        "spec.tls.thumbprint",
        "should match",
    ),
    (
        "vcenter-credentials-missing",
        VCENTER,
        {"spec.credentialsSecretRef": _DELETE},
        "spec.credentialsSecretRef",
        "Required value",
    ),
    ("approval-run-missing", APPROVAL, {"spec.run": _DELETE}, "spec.run", "Required value"),
    ("approval-plan-missing", APPROVAL, {"spec.planRef": _DELETE}, "spec.planRef", "Required value"),
]


def _refused(plane: ControlPlane, *args: str, document: dict[str, Any] | None = None) -> str:
    result = plane.kubectl(*args, input=None if document is None else json.dumps(document), check=False)
    assert result.returncode != 0, f"accepted: {result.stdout}"
    return result.stderr


def _says(stderr: str, path: str, message: str) -> bool:
    """Whether the API server's error names `path` and says `message` on the same line."""
    named = rf"(^|[\s\"]){re.escape(path)}(\"|:|$)"
    return any(re.search(named, line) and message in line for line in stderr.splitlines())


@pytest.mark.parametrize(
    ("example", "changes", "path", "message"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_resource_is_refused(
    examples: ControlPlane, example: str, changes: dict[str, Any], path: str, message: str
) -> None:
    document = _edited(_example(example), {"metadata.name": "invalid", **changes})
    stderr = _refused(examples, "create", "--dry-run=server", "--filename=-", document=document)
    assert _says(stderr, path, message), stderr


def test_the_table_is_large_and_its_ids_unique() -> None:
    ids = [case[0] for case in INVALID]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)


def test_the_unedited_base_is_accepted(examples: ControlPlane) -> None:
    """So each refusal above comes from its own change, not from the base document."""
    for example in sorted({case[1] for case in INVALID}):
        document = _edited(_example(example), {"metadata.name": "invalid"})
        examples.kubectl("create", "--dry-run=server", "--filename=-", input=json.dumps(document))


# (id, kind, namespace, name, merge patch, field path, message)
IMMUTABLE: list[tuple[str, str, str, str, dict[str, Any], str, str]] = [
    (
        "plan-master-target",
        "failbackplan",
        "team-apps",
        "windows-apps",
        {"spec": {"masterTargetRef": {"name": "v2a-lmt-210"}}},
        "spec.masterTargetRef",
        "the master target of a plan cannot be changed; create a new FailbackPlan instead",
    ),
    (
        "plan-vault",
        "failbackplan",
        "team-apps",
        "windows-apps",
        {"spec": {"vaultRef": {"name": "another-vault"}}},
        "spec.vaultRef",
        "the vault of a plan cannot be changed; create a new FailbackPlan instead",
    ),
    (
        "mt-vcenter",
        "mastertarget",
        "",
        "v2a-ps-200",
        {"spec": {"vCenterRef": {"name": "another-vcenter"}}},
        "spec.vCenterRef",
        "the vCenter of a master target cannot be changed",
    ),
    (
        "mt-vault",
        "mastertarget",
        "",
        "v2a-lmt-210",
        {"spec": {"vaultRef": {"name": "another-vault"}}},
        "spec.vaultRef",
        "the vault of a master target cannot be changed",
    ),
    (
        "mt-vm",
        "mastertarget",
        "",
        "v2a-ps-200",
        {"spec": {"vm": {"name": "V2A-PS-999"}}},
        "spec.vm",
        "the VM of a master target cannot be changed",
    ),
    (
        "mt-architecture",
        "mastertarget",
        "",
        "v2a-ps-200",
        {"spec": {"architecture": "Modernized", "retentionDrive": None, "modernized": MODERNIZED}},
        "spec.architecture",
        "the architecture of a master target cannot be changed",
    ),
    (
        "mt-os-type",
        "mastertarget",
        "",
        "v2a-lmt-210",
        {"spec": {"os": {"type": "Windows", "rootVolumeLayout": None}, "retentionDrive": "F"}},
        "spec.os.type",
        "the OS type of a master target cannot be changed",
    ),
    (
        "vault-subscription",
        "recoveryvault",
        "",
        "pwstestvault",
        {"spec": {"subscriptionId": "00000000-0000-0000-0000-000000000001"}},
        "spec.subscriptionId",
        "the subscription of a RecoveryVault cannot be changed",
    ),
    (
        "approval-run",
        "failbackapproval",
        "team-apps",
        "windows-apps-2026-11-28",
        {"spec": {"run": "2026-12-01"}},
        "spec",
        "an approval cannot be changed; delete it and create a new one",
    ),
]


@pytest.mark.parametrize(
    ("kind", "namespace", "name", "patch", "path", "message"),
    [case[1:] for case in IMMUTABLE],
    ids=[case[0] for case in IMMUTABLE],
)
def test_reference_cannot_change_after_creation(
    examples: ControlPlane,
    kind: str,
    namespace: str,
    name: str,
    patch: dict[str, Any],
    path: str,
    message: str,
) -> None:
    where = [f"--namespace={namespace}"] if namespace else []
    stderr = _refused(examples, "patch", kind, name, *where, "--type=merge", f"--patch={json.dumps(patch)}")
    assert _says(stderr, path, message), stderr


def test_plan_action_can_still_change(examples: ControlPlane) -> None:
    """Immutability covers references only: raising the action is the normal way forward."""
    patch = json.dumps({"spec": {"action": "Failback", "run": "2026-11-29"}})
    result = examples.kubectl(
        "patch", "failbackplan", "windows-apps", "--namespace=team-apps", "--type=merge", f"--patch={patch}",
        "--dry-run=server", "--output=jsonpath={.spec.action}",
    )  # fmt: skip
    assert result.stdout == "Failback"


def test_namespace_given_to_a_cluster_scoped_kind_is_dropped(examples: ControlPlane) -> None:
    document = _edited(_example(WIN_MT), {"metadata.name": "scoped-check", "metadata.namespace": "team-apps"})
    api = client.CustomObjectsApi(examples.api_client())
    created = api.create_cluster_custom_object(
        "failback.io", "v1alpha1", "mastertargets", document, dry_run="All"
    )
    assert created["metadata"]["name"] == "scoped-check"
    assert "namespace" not in created["metadata"]


def test_plan_in_another_namespace_than_the_request_is_refused(examples: ControlPlane) -> None:
    document = _edited(_example(WIN_PLAN), {"metadata.name": "scoped-check", "metadata.namespace": "default"})
    api = client.CustomObjectsApi(examples.api_client())
    with pytest.raises(ApiException) as refused:
        api.create_namespaced_custom_object(
            "failback.io", "v1alpha1", "team-apps", "failbackplans", document, dry_run="All"
        )
    assert refused.value.status == 400
    assert "does not match the namespace" in str(refused.value.body)


# --- status ----------------------------------------------------------------------------------

PLAN_STATUS: dict[str, Any] = {
    "observedGeneration": 1,
    "observedRun": "2026-11-28",
    "phase": "Reprotecting",
    "progression": "WaitingForAgent",
    "itemsReady": "1/2",
    "resolved": {
        "architecture": "Classic",
        "provider": "InMage",
        "masterTargetId": "30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
        "processServerId": "14968BDF-E18E-7F45-A9B0E3EFAC2DDCA2",
        "retentionDrive": "F",
        "datastore": "datastore1",
        "runAsAccountId": "2",
        "recoveryPointType": "LatestTime",
    },
    "items": [
        {
            "name": "V2A-W2K16-201-new",
            "group": "web",
            "osType": "Windows",
            "osVersion": "Microsoft Windows Server 2016 Datacenter",
            "diskCount": 2,
            "protectionState": "UnplannedFailoverCommitted",
            "allowedOperations": ["CompleteMigration", "DisableProtection", "SwitchProtection"],
            "intent": {
                "operation": "Reprotect",
                "attempt": 1,
                "time": "2026-11-28T20:00:00Z",
                "jobName": "j-1",
            },
            "currentJob": {
                "name": "j-1",
                "operation": "SwitchReplicationGroupProtection",
                "state": "InProgress",
                "startTime": "2026-11-28T20:00:01Z",
            },
            "lastError": {
                "ruleId": "FB028",
                "code": "AgentNotInstalled",
                "message": "agent not registered yet",
            },
        }
    ],
    "conditions": [
        {
            "type": "Ready",
            "status": "False",
            "reason": "Reprotecting",
            "message": "1 of 2 items reprotected",
            "lastTransitionTime": "2026-11-28T20:00:00Z",
            "observedGeneration": 1,
        }
    ],
}


def _patch_status(
    plane: ControlPlane, kind: str, name: str, status: dict[str, Any], *where: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    # The whole status, as the operator writes it: nothing another writer left behind survives.
    whole = [{"op": "add", "path": "/status", "value": status}]
    return plane.kubectl(
        "patch", kind, name, *where, "--subresource=status", "--type=json",
        f"--patch={json.dumps(whole)}", "--output=json", check=check,
    )  # fmt: skip


def test_plan_status_keeps_every_field_the_operator_writes(examples: ControlPlane) -> None:
    written = FailbackPlanStatus.model_validate(PLAN_STATUS).to_status()
    assert written == PLAN_STATUS
    result = _patch_status(examples, "failbackplan", "windows-apps", written, "--namespace=team-apps")
    stored = json.loads(result.stdout)
    assert stored["status"] == PLAN_STATUS
    assert FailbackPlanStatus.model_validate(stored["status"]).phase == "Reprotecting"
    assert stored["metadata"]["generation"] == 1


def test_master_target_status_keeps_prerequisites_and_slots(examples: ControlPlane) -> None:
    status = {
        "observedGeneration": 1,
        "prerequisites": [
            {"ruleId": "FB024", "result": "Failed", "message": "disk.EnableUUID is not set"},
            {"ruleId": "FB026", "result": "Passed"},
        ],
        "diskSlots": {
            "capacity": 60,
            "used": 3,
            "reserved": 4,
            "free": 53,
            "reservations": [
                {"namespace": "team-apps", "name": "windows-apps", "run": "2026-11-28", "disks": 4}
            ],
        },
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "reason": "PrerequisitesNotMet",
                "message": "FB024 fails",
                "lastTransitionTime": "2026-11-28T20:00:00Z",
                "observedGeneration": 1,
            }
        ],
    }
    assert MasterTargetStatus.model_validate(status).to_status() == status
    stored = json.loads(_patch_status(examples, "mastertarget", "v2a-ps-200", status).stdout)
    assert stored["status"] == status


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"status": "Maybe"}, 'Unsupported value: "Maybe"'),
        ({"reason": "not a reason"}, "should match"),
        ({"lastTransitionTime": "yesterday"}, "must be of type date-time"),
        ({"observedGeneration": -1}, "should be greater than or equal to 0"),
    ],
)
def test_condition_follows_metav1_condition(
    examples: ControlPlane, condition: dict[str, Any], message: str
) -> None:
    bad = {**PLAN_STATUS["conditions"][0], **condition}
    approval = "windows-apps-2026-11-28"
    status = {"conditions": [bad]}
    result = _patch_status(
        examples, "failbackapproval", approval, status, "--namespace=team-apps", check=False
    )
    assert result.returncode != 0
    assert "status.conditions[0]" in result.stderr
    assert message in result.stderr


# --- kubectl as a dashboard ------------------------------------------------------------------


def _table(output: str) -> list[list[str]]:
    """Rows of kubectl's table output, split on runs of two or more spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


def test_get_failbackplans_is_a_progress_board(examples: ControlPlane) -> None:
    _patch_status(examples, "failbackplan", "windows-apps", PLAN_STATUS, "--namespace=team-apps")
    header, *rows = _table(examples.kubectl("get", "failbackplans", "--namespace=team-apps").stdout)
    assert header == ["NAME", "ACTION", "PHASE", "READY", "REASON", "WINDOW START", "WINDOW END", "AGE"]
    by_name = {row[0]: row for row in rows}
    # REASON: why the plan waits or stops, as the step it is at.
    assert by_name["windows-apps"][1:7] == [
        "Reprotect",
        "Reprotecting",
        "1/2",
        "WaitingForAgent",
        "2026-11-28T22:00:00Z",
        "2026-11-29T02:00:00Z",
    ]
    wide = examples.kubectl("get", "fbp", "--namespace=team-apps", "--output=wide").stdout
    assert _table(wide)[0][-3:] == ["MESSAGE", "RUN", "MASTER TARGET"]
    assert "WaitingForAgent" in wide


def test_get_mt_shows_architecture_os_readiness_and_slots(examples: ControlPlane) -> None:
    status = {
        "diskSlots": {"capacity": 60, "used": 3, "reserved": 4, "free": 53},
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "PrerequisitesMet",
                "message": "every rule passed",
                "lastTransitionTime": "2026-11-28T20:00:00Z",
            }
        ],
    }
    _patch_status(examples, "mastertarget", "v2a-lmt-210", status)
    header, *rows = _table(examples.kubectl("get", "mt").stdout)
    assert header == ["NAME", "ARCHITECTURE", "OS", "READY", "SLOTS FREE", "AGE"]
    by_name = {row[0]: row for row in rows}
    assert by_name["v2a-lmt-210"][1:5] == ["Classic", "Linux", "True", "53"]
    assert by_name["v2a-ps-200"][1:3] == ["Classic", "Windows"]


@pytest.mark.parametrize(
    ("resource", "header"),
    [
        ("rv", ["NAME", "VAULT", "CONFIGURATION SERVER", "CONNECTED", "HEARTBEAT", "AGE"]),
        ("vc", ["NAME", "HOST", "CONNECTED", "VERSION", "AGE"]),
        ("fba", ["NAME", "PLAN", "RUN", "ACCEPTED", "AGE"]),
    ],
)
def test_short_names_and_columns_of_the_other_kinds(
    examples: ControlPlane, resource: str, header: list[str]
) -> None:
    output = examples.kubectl("get", resource, "--namespace=team-apps").stdout
    assert _table(output)[0] == header


def test_category_lists_every_kind(examples: ControlPlane) -> None:
    output = examples.kubectl("get", "failback", "--all-namespaces", "--output=name").stdout
    kinds = {line.split("/")[0] for line in output.split()}
    assert kinds == {f"{plural[:-1]}.failback.io" for plural in KINDS.values()}


def test_explain_shows_the_descriptions(examples: ControlPlane) -> None:
    window = examples.kubectl("explain", "failbackplan.spec.window").stdout
    assert "The downtime window" in window
    assert "FB040" in window
    assert re.search(r"start\s+<string> -required-\s+When the window opens", window)
    assert re.search(r"end\s+<string> -required-\s+When the window closes", window)
    drive = examples.kubectl("explain", "mastertarget.spec.retentionDrive").stdout
    assert "drive letter, F or F:" in drive


def _plan_of(groups: int, items: int) -> dict[str, Any]:
    """The Windows example with `groups` groups of `items` items, names at their maximum length."""
    return _edited(
        _example(WIN_PLAN),
        {
            "metadata.name": "largest",
            "spec.groups": [
                {
                    "name": f"group-{g}",
                    "recoveryPlan": f"rp-{g}",
                    "items": [{"name": f"{'V' * 120}-{g:02d}-{i:02d}"} for i in range(items)],
                }
                for g in range(groups)
            ],
        },
    )


def test_largest_plan_is_accepted_within_the_cel_cost_budget(examples: ControlPlane) -> None:
    document = _plan_of(groups=10, items=60)
    assert len(document["spec"]["groups"][0]["items"][0]["name"]) == 126
    examples.kubectl("create", "--dry-run=server", "--filename=-", input=json.dumps(document), timeout=120)


@pytest.mark.parametrize(
    ("groups", "items", "path", "message"),
    [
        (11, 1, "spec.groups", "must have at most 10 items"),
        (1, 61, "spec.groups[0].items", "must have at most 60 items"),
    ],
)
def test_plan_beyond_its_limits_is_refused(
    examples: ControlPlane, groups: int, items: int, path: str, message: str
) -> None:
    stderr = _refused(
        examples, "create", "--dry-run=server", "--filename=-", document=_plan_of(groups, items)
    )
    assert _says(stderr, path, message), stderr
