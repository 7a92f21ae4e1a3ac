"""The spec views agree with crds/, every example parses, and every CRD field is documented."""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from failback_operator.api import resources
from failback_operator.api.resources import SPEC_MODELS, FailbackPlanSpec, parse_spec
from failback_operator.api.status import STATUS_MODELS

ROOT = Path(__file__).resolve().parents[3]
CRD_FILES = sorted((ROOT / "crds").glob("*.yaml"))
EXAMPLE_FILES = sorted((ROOT / "examples").rglob("*.yaml"))


def _crds() -> dict[str, dict[str, Any]]:
    crds = {}
    for path in CRD_FILES:
        crd = yaml.safe_load(path.read_text())
        if crd.get("kind") == "CustomResourceDefinition":  # crds/ also holds its kustomization
            crds[crd["spec"]["names"]["kind"]] = crd
    return crds


CRDS = _crds()


def _schema(kind: str) -> dict[str, Any]:
    (version,) = CRDS[kind]["spec"]["versions"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def _examples() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in EXAMPLE_FILES:
        for index, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if isinstance(doc, dict) and str(doc.get("apiVersion")).startswith(f"{resources.GROUP}/"):
                docs.append((f"{path.name}#{index}", doc))
    return docs


def _unwrap(annotation: Any) -> Any:
    """X | None -> X; tuple[X, ...] -> X."""
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _unwrap(inner)
    if origin is tuple:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation


def _walk(model: type[BaseModel], schema: dict[str, Any], path: str, writer: bool = False) -> list[str]:
    """Every disagreement between a model and a structural schema, recursively.

    A spec view reads what the API server stored, so its required fields and defaults are the CRD's.
    A status view is written by the operator: a field the CRD requires must always be serialised
    (required, or a non-None default); optional ones may have any default.
    """
    problems = []
    fields = {(field.alias or name): field for name, field in model.model_fields.items()}
    properties = schema.get("properties", {})
    if set(fields) != set(properties):
        problems.append(f"{path}: model {sorted(fields)} != CRD {sorted(properties)}")
    required = set(schema.get("required", []))
    for name in set(fields) & set(properties):
        field, prop, here = fields[name], properties[name], f"{path}.{name}"
        if writer:
            if name in required and not field.is_required() and field.default is None:
                problems.append(f"{here}: required in CRD but may be left out by the model")
        elif (name in required) != field.is_required():
            problems.append(f"{here}: required in CRD {name in required}, in model {field.is_required()}")
        if writer:
            pass
        elif "default" in prop:
            default = field.default
            dumped = default.model_dump(by_alias=True) if isinstance(default, BaseModel) else default
            if prop["default"] != {} and dumped != prop["default"]:
                problems.append(f"{here}: default {dumped!r} != CRD {prop['default']!r}")
        elif not field.is_required() and field.default is not None:
            problems.append(f"{here}: model default {field.default!r} but the CRD has none")
        target = _unwrap(field.annotation)
        if prop.get("type") == "array":
            if typing.get_origin(_strip_optional(field.annotation)) is not tuple:
                problems.append(f"{here}: CRD array but model {field.annotation}")
            prop = prop["items"]
        if isinstance(target, type) and issubclass(target, StrEnum):
            if set(prop.get("enum", [])) != {member.value for member in target}:
                problems.append(f"{here}: enum {prop.get('enum')} != {[m.value for m in target]}")
        elif "enum" in prop:
            problems.append(f"{here}: CRD enum but model type {target}")
        if isinstance(target, type) and issubclass(target, BaseModel):
            problems.extend(_walk(target, prop, here, writer))
        elif prop.get("type") == "object":
            problems.append(f"{here}: CRD object but model type {target}")
    return problems


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return inner
    return annotation


def _undocumented(schema: dict[str, Any], path: str) -> list[str]:
    missing = []
    for name, prop in schema.get("properties", {}).items():
        here = f"{path}.{name}"
        if name != "metadata" and not str(prop.get("description", "")).strip():
            missing.append(here)
        missing.extend(_undocumented(prop, here))
        if "items" in prop:
            if not str(prop["items"].get("description", "")).strip():
                missing.append(f"{here}[]")
            missing.extend(_undocumented(prop["items"], f"{here}[]"))
    return missing


def _validations(schema: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    found = [(path, rule) for rule in schema.get("x-kubernetes-validations", [])]
    for name, prop in schema.get("properties", {}).items():
        found.extend(_validations(prop, f"{path}.{name}"))
    if "items" in schema:
        found.extend(_validations(schema["items"], f"{path}[]"))
    return found


def test_five_kinds_in_one_group() -> None:
    assert set(CRDS) == set(SPEC_MODELS)
    scopes = {kind: crd["spec"]["scope"] for kind, crd in CRDS.items()}
    assert scopes == {
        "RecoveryVault": "Cluster",
        "VCenter": "Cluster",
        "MasterTarget": "Cluster",
        "FailbackPlan": "Namespaced",
        "FailbackApproval": "Namespaced",
    }
    for crd in CRDS.values():
        assert crd["spec"]["group"] == resources.GROUP
        assert [v["name"] for v in crd["spec"]["versions"]] == [resources.VERSION]
        assert crd["spec"]["versions"][0]["subresources"] == {"status": {}}


@pytest.mark.parametrize("kind", sorted(SPEC_MODELS))
def test_model_and_crd_agree(kind: str) -> None:
    spec_schema = _schema(kind)["properties"]["spec"]
    assert _walk(SPEC_MODELS[kind], spec_schema, "spec") == []


@pytest.mark.parametrize("kind", sorted(STATUS_MODELS))
def test_status_model_and_crd_agree(kind: str) -> None:
    status_schema = _schema(kind)["properties"]["status"]
    assert _walk(STATUS_MODELS[kind], status_schema, "status", writer=True) == []


@pytest.mark.parametrize("kind", sorted(SPEC_MODELS))
def test_every_field_has_a_description(kind: str) -> None:
    assert _undocumented(_schema(kind), kind) == []


@pytest.mark.parametrize("kind", sorted(SPEC_MODELS))
def test_every_cel_rule_explains_itself(kind: str) -> None:
    rules = _validations(_schema(kind), kind)
    assert rules, f"{kind} has no CEL rule"
    for path, rule in rules:
        assert len(rule.get("message", "")) > 20, f"{path}: {rule['rule']} needs a human message"


@pytest.mark.parametrize("kind", sorted(SPEC_MODELS))
def test_status_follows_api_conventions(kind: str) -> None:
    status = _schema(kind)["properties"]["status"]["properties"]
    assert status["observedGeneration"]["type"] == "integer"
    conditions = status["conditions"]
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    condition = conditions["items"]
    assert set(condition["required"]) == {"type", "status", "lastTransitionTime", "reason", "message"}
    assert condition["properties"]["status"]["enum"] == ["True", "False", "Unknown"]
    assert set(condition["properties"]) == {*condition["required"], "observedGeneration"}


@pytest.mark.parametrize("kind", sorted(SPEC_MODELS))
def test_printer_columns_point_at_schema_fields(kind: str) -> None:
    (version,) = CRDS[kind]["spec"]["versions"]
    for column in version["additionalPrinterColumns"]:
        path = column["jsonPath"].split("[")[0].strip(".").split(".")
        if path[0] == "metadata":
            continue
        node = _schema(kind)
        for part in path:
            assert part in node.get("properties", {}), f"{kind} column {column['name']}: {column['jsonPath']}"
            node = node["properties"][part]


def test_short_names_are_unique_and_not_builtin() -> None:
    builtin = {"po", "svc", "deploy", "ns", "no", "pv", "pvc", "cm", "sa", "ds", "rs", "rc", "sts", "ing"}
    builtin |= {"ep", "ev", "hpa", "pdb", "pc", "sc", "crd", "crds", "csr", "limits", "quota", "netpol"}
    short = [name for crd in CRDS.values() for name in crd["spec"]["names"]["shortNames"]]
    assert len(short) == len(set(short))
    assert not set(short) & builtin
    assert {"fbp", "mt", "fba"} <= set(short)


EXAMPLES = _examples()


def test_examples_cover_every_kind() -> None:
    kinds = [doc["kind"] for _, doc in EXAMPLES]
    assert set(kinds) == set(SPEC_MODELS)
    master_targets = [doc["spec"] for _, doc in EXAMPLES if doc["kind"] == "MasterTarget"]
    assert {(mt["architecture"], mt["os"]["type"]) for mt in master_targets} == {
        ("Classic", "Windows"),
        ("Classic", "Linux"),
        ("Modernized", "Windows"),
    }


@pytest.mark.parametrize(("name", "body"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_example_parses(name: str, body: dict[str, Any]) -> None:
    spec = parse_spec(body)
    assert isinstance(spec, SPEC_MODELS[body["kind"]])
    assert spec.model_dump(mode="json", by_alias=True, exclude_unset=True) == body["spec"]


def test_parse_fills_crd_defaults() -> None:
    spec = FailbackPlanSpec.model_validate(
        {
            "run": "r1",
            "vaultRef": {"name": "v"},
            "masterTargetRef": {"name": "m"},
            "datastore": "datastore1",
            "groups": [{"name": "g", "items": [{"name": "V2A-W2K16-201-new"}]}],
        }
    )
    assert spec.action == "Preflight"
    assert spec.approval.policy == "Required"
    assert spec.commit == "Manual"
    assert [(g.name, i.name) for g, i in spec.grouped_items()] == [("g", "V2A-W2K16-201-new")]


def test_parse_rejects_a_field_the_crd_lacks() -> None:
    body = {"apiVersion": "failback.io/v1alpha1", "kind": "FailbackApproval"}
    body["spec"] = {"planRef": {"name": "p"}, "run": "r1", "approvedBy": "someone"}
    with pytest.raises(ValidationError, match="approvedBy"):
        parse_spec(body)


def test_parse_rejects_other_groups() -> None:
    with pytest.raises(ValueError, match=r"not a failback\.io/v1alpha1 resource"):
        parse_spec({"apiVersion": "v1", "kind": "Secret", "spec": {}})


def test_walk_notices_a_disagreement() -> None:
    schema = _schema("FailbackApproval")["properties"]["spec"]
    broken = {**schema, "properties": {**schema["properties"], "extra": {"type": "string"}}}
    assert _walk(SPEC_MODELS["FailbackApproval"], broken, "spec") != []


def test_walk_notices_a_status_field_the_model_may_leave_out() -> None:
    schema = _schema("FailbackPlan")["properties"]["status"]
    broken = {**schema, "required": ["phase"]}
    assert _walk(STATUS_MODELS["FailbackPlan"], broken, "status", writer=True) == [
        "status.phase: required in CRD but may be left out by the model"
    ]
