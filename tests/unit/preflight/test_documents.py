"""The preflight input: the YAML a user would apply, validated, and refused with file, document and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from failback_operator.api.resources import Architecture
from failback_operator.preflight.documents import InputError, load_preflight_input

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_the_examples_load() -> None:
    loaded = load_preflight_input([EXAMPLES])

    assert set(loaded.vaults) == {"pwstestvault", "rcm-vault-150"}
    assert set(loaded.vcenters) == {"vcenter-onprem"}
    assert set(loaded.master_targets) == {"v2a-ps-200", "v2a-lmt-210", "rcm-app-150"}
    assert loaded.master_targets["rcm-app-150"].spec.architecture is Architecture.MODERNIZED
    assert [p.name for p in loaded.plans_of("v2a-ps-200")] == ["windows-apps"]
    assert loaded.plans_of("v2a-ps-200")[0].namespace == "team-apps"
    assert [a.name for a in loaded.approvals_of(loaded.plans_of("v2a-ps-200"))] == ["windows-apps-2026-11-28"]
    # The Secrets the objects name, with their values; the workload identity vault needs none.
    assert (
        loaded.secrets["pwstestvault-service-principal"]["clientId"] == "11111111-1111-1111-1111-111111111111"
    )
    assert loaded.secrets["vcenter-onprem-credentials"]["username"] == "failback-operator@vsphere.local"
    assert "fake-password-replace-me" not in repr(loaded)
    location = loaded.master_targets["v2a-ps-200"].location
    assert location.file.endswith("30-mastertarget-windows.yaml")
    assert location.document == 1


def write(tmp_path: Path, *documents: object, name: str = "input.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return path


def examples(*names: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for name in names:
        found.extend(d for d in yaml.safe_load_all((EXAMPLES / name).read_text(encoding="utf-8")) if d)
    return found


BASE = ("10-secrets.yaml", "20-recoveryvault.yaml", "21-vcenter.yaml", "30-mastertarget-windows.yaml")


def refusal(tmp_path: Path, *documents: object) -> str:
    path = write(tmp_path, *documents)
    with pytest.raises(InputError) as raised:
        load_preflight_input([path])
    return str(raised.value).replace(str(path), "FILE")


def test_missing_field_names_file_document_and_field(tmp_path: Path) -> None:
    plan = examples("40-failbackplan-windows.yaml")[0]
    del plan["spec"]["datastore"]  # type: ignore[index]
    message = refusal(tmp_path, *examples(*BASE), plan)
    assert message == "FILE, document 6 (FailbackPlan windows-apps): spec.datastore: Field required"


def test_nested_field_and_wrong_value(tmp_path: Path) -> None:
    plan = examples("40-failbackplan-windows.yaml")[0]
    plan["spec"]["groups"][0]["items"][1] = {"nme": "typo"}  # type: ignore[index]
    plan["spec"]["recoveryPoint"] = "Newest"  # type: ignore[index]
    message = refusal(tmp_path, *examples(*BASE), plan)
    assert "spec.groups[0].items[1].name: Field required" in message
    assert "spec.groups[0].items[1].nme: Extra inputs are not permitted" in message
    assert "spec.recoveryPoint: Input should be 'Latest' or 'LatestApplicationConsistent'" in message


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("kind: RecoveryVault\n---\nkind: VCenter\nspec: {host: [\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_preflight_input([path])
    message = str(raised.value)
    assert message.startswith(f"{path}, document 2: line ")
    assert "not valid YAML" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothing\.yaml: cannot be read"):
        load_preflight_input([tmp_path / "nothing.yaml"])


def test_missing_secret_names_the_referring_field(tmp_path: Path) -> None:
    documents = examples(*BASE)[1:]  # without the vault's Secret
    message = refusal(tmp_path, *documents)
    assert message == (
        "FILE, document 2 (RecoveryVault pwstestvault): spec.credentials.secretRef.name: "
        "no Secret named 'pwstestvault-service-principal' in the input"
    )


def test_secret_without_a_key_names_the_key(tmp_path: Path) -> None:
    documents = examples(*BASE)
    del documents[1]["stringData"]["password"]  # type: ignore[attr-defined]
    message = refusal(tmp_path, *documents)
    assert message.startswith("FILE, document 2 (Secret vcenter-onprem-credentials): data.password: ")
    assert "needed by FILE, document 4 (VCenter vcenter-onprem)" in message


def test_secret_data_not_base64(tmp_path: Path) -> None:
    documents = examples(*BASE)
    documents[1] = {**documents[1], "data": {"password": "%%%"}}
    message = refusal(tmp_path, *documents)
    assert "(Secret vcenter-onprem-credentials): data.password: " in message
    assert "base64" in message


def test_dangling_references(tmp_path: Path) -> None:
    plan = examples("40-failbackplan-windows.yaml")[0]
    plan["spec"]["masterTargetRef"] = {"name": "elsewhere"}  # type: ignore[index]
    message = refusal(tmp_path, *examples(*BASE), plan)
    assert message == (
        "FILE, document 6 (FailbackPlan windows-apps): spec.masterTargetRef.name: "
        "no MasterTarget named 'elsewhere' in the input"
    )
    master_target = examples("30-mastertarget-windows.yaml")[0]
    master_target["spec"]["vCenterRef"] = {"name": "other-vc"}  # type: ignore[index]
    message = refusal(tmp_path, *examples(*BASE[:3]), master_target)
    assert "spec.vCenterRef.name: no VCenter named 'other-vc'" in message


def test_no_master_target(tmp_path: Path) -> None:
    assert "no MasterTarget in the input" in refusal(tmp_path, *examples(*BASE[:3]))


def test_missing_name_and_wrong_api_version(tmp_path: Path) -> None:
    vault = examples("20-recoveryvault.yaml")[0]
    nameless = {**vault, "metadata": {}}
    assert (
        refusal(tmp_path, nameless) == "FILE, document 1 (RecoveryVault): metadata.name: a name is required"
    )
    old = {**vault, "apiVersion": "failback.io/v1beta9"}
    assert "apiVersion: 'failback.io/v1beta9' is not failback.io/v1alpha1" in refusal(tmp_path, old)


def test_duplicate_and_non_objects(tmp_path: Path) -> None:
    vault = examples("20-recoveryvault.yaml")[0]
    assert "a second RecoveryVault named 'pwstestvault'" in refusal(tmp_path, vault, vault)
    assert refusal(tmp_path, ["a", "list"]) == "FILE, document 1: a Kubernetes object (a mapping) is required"


def test_other_kinds_are_skipped(tmp_path: Path) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-apps"}}
    loaded = load_preflight_input([write(tmp_path, namespace, *examples(*BASE))])
    assert set(loaded.master_targets) == {"v2a-ps-200"}


def test_the_crds_cross_field_rules_apply(tmp_path: Path) -> None:
    plan = examples("40-failbackplan-windows.yaml")[0]
    plan["spec"]["action"] = "Commit"  # type: ignore[index]
    del plan["spec"]["window"]  # type: ignore[attr-defined]
    message = refusal(tmp_path, *examples(*BASE), plan)
    assert message.startswith(
        "FILE, document 6 (FailbackPlan windows-apps): spec.window: action Failback or Commit"
    )
