"""Argo CD health checks: every health_test.yaml case run through its health.lua in a real Lua 5.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.api.resources import parse_spec
from failback_operator.api.status import STATUS_MODELS
from failback_operator.api.vocabulary import ConditionType, Phase, Progression, Reason

from .lua import HEALTH_CODES, load_api_yaml, parse_api_yaml, run_health

ROOT = Path(__file__).resolve().parents[3]
CUSTOMIZATIONS = ROOT / "argocd" / "resource_customizations" / "failback.io"
KINDS = sorted(STATUS_MODELS)
INFRASTRUCTURE = ("MasterTarget", "RecoveryVault", "VCenter")


def _cases(kind: str) -> list[dict[str, Any]]:
    tests = yaml.safe_load((CUSTOMIZATIONS / kind / "health_test.yaml").read_text())["tests"]
    assert isinstance(tests, list)
    assert tests, kind
    return tests


def _all_cases() -> Iterator[Any]:
    for kind in KINDS:
        for case in _cases(kind):
            yield pytest.param(kind, case, id=f"{kind}/{Path(case['inputPath']).stem}")


def _script(kind: str) -> str:
    return (CUSTOMIZATIONS / kind / "health.lua").read_text()


def _testdata(kind: str) -> list[Path]:
    return sorted((CUSTOMIZATIONS / kind / "testdata").glob("*.yaml"))


def _mismatches(kind: str, script: str) -> list[str]:
    """The cases of a kind whose expected health the script does not give."""
    wrong = []
    for case in _cases(kind):
        got = run_health(script, load_api_yaml(CUSTOMIZATIONS / kind / case["inputPath"]))
        if got != case["healthStatus"]:
            wrong.append(Path(case["inputPath"]).stem)
    return wrong


def test_every_kind_has_a_health_check_with_tests() -> None:
    assert sorted(p.name for p in CUSTOMIZATIONS.iterdir() if p.is_dir()) == KINDS
    for kind in KINDS:
        assert (CUSTOMIZATIONS / kind / "health.lua").is_file(), kind
        assert (CUSTOMIZATIONS / kind / "health_test.yaml").is_file(), kind


@pytest.mark.parametrize(("kind", "case"), list(_all_cases()))
def test_health_matches_the_expected_status_and_message(kind: str, case: dict[str, Any]) -> None:
    expected = case["healthStatus"]
    assert set(expected) == {"status", "message"}
    assert expected["status"] in HEALTH_CODES
    obj = load_api_yaml(CUSTOMIZATIONS / kind / case["inputPath"])
    assert obj["kind"] == kind
    assert run_health(_script(kind), obj) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_every_testdata_file_is_a_case_and_every_case_has_its_file(kind: str) -> None:
    listed = [case["inputPath"] for case in _cases(kind)]
    assert len(listed) == len(set(listed)), "a file listed twice"
    assert sorted(listed) == [f"testdata/{p.name}" for p in _testdata(kind)]


@pytest.mark.parametrize("kind", KINDS)
def test_testdata_is_what_the_api_accepts_and_the_operator_writes(kind: str) -> None:
    for path in _testdata(kind):
        obj = load_api_yaml(path)
        assert obj["apiVersion"] == "failback.io/v1alpha1", path.name
        assert obj["kind"] == kind, path.name
        assert isinstance(obj["metadata"]["generation"], int), path.name
        parse_spec(obj)
        status = obj.get("status")
        if status is None:
            continue
        # The status models forbid fields the CRD lacks, so a typo in testdata fails here.
        STATUS_MODELS[kind].model_validate(status)
        for condition in status.get("conditions", ()):
            assert condition["reason"] in set(Reason), (path.name, condition["reason"])
            assert condition["type"] in set(ConditionType), (path.name, condition["type"])


def test_every_phase_has_a_failbackplan_state() -> None:
    """A new phase cannot be added without deciding its health."""
    seen = {(load_api_yaml(p).get("status") or {}).get("phase") for p in _testdata("FailbackPlan")}
    assert set(Phase) - seen == set()


def test_every_health_code_the_plan_can_give_is_covered() -> None:
    expected = {case["healthStatus"]["status"] for case in _cases("FailbackPlan")}
    assert expected == {"Healthy", "Progressing", "Degraded", "Suspended"}


def test_scripts_name_only_the_api_vocabulary() -> None:
    """A misspelt phase or progression in a script would silently fall through to Progressing."""
    known = (
        set(Phase)
        | set(Progression)
        | set(ConditionType)
        | set(Reason)
        | HEALTH_CODES
        | {"True", "False", "Unknown"}
    )
    for kind in KINDS:
        script = re.sub(r"--[^\n]*", "", _script(kind))
        words = set(re.findall(r'"([A-Z][A-Za-z]+)"', script))
        words |= set(re.findall(r"^\s*([A-Z][A-Za-z]+) = true,$", script, re.MULTILINE))
        assert words, kind
        assert words - known == set(), kind


def test_the_three_infrastructure_kinds_share_one_script() -> None:
    scripts = {_script(kind) for kind in INFRASTRUCTURE}
    assert len(scripts) == 1


@pytest.mark.parametrize(
    ("breakage", "caught"),
    [
        # Healthy for a failed plan (and only that: every other case still passes).
        ('if (obj.status or {}).phase == "Failed" then return {status = "Healthy", message = ""} end ', None),
        # The generation gate dropped: a plan whose new spec the operator has not seen reads as done.
        ("", ("status.observedGeneration ~= generation", "false")),
        # Conditions trusted whatever generation they were written for.
        ("", ("c.observedGeneration == generation", "true")),
        # A paused plan shown as waiting rather than stuck.
        ("", ("  Paused = true,\n", "")),
        # A message other than the operator's.
        ("", ("hs.message = describe(status.message)", "hs.message = status.message")),
    ],
)
def test_a_broken_plan_script_fails_the_cases(breakage: str, caught: tuple[str, str] | None) -> None:
    script = _script("FailbackPlan")
    if caught is not None:
        assert caught[0] in script
        script = script.replace(caught[0], caught[1], 1)
    wrong = _mismatches("FailbackPlan", breakage + script)
    assert wrong
    if breakage:
        assert wrong == ["failed-job", "cancel-not-supported"]


def test_the_sandbox_refuses_what_argo_cd_does_not_offer() -> None:
    with pytest.raises(Exception, match="string"):
        run_health('return {status = string.format("%s", "Healthy"), message = ""}', {})
    with pytest.raises(Exception, match="string value"):
        run_health('local s = "healthy"; return {status = s:upper(), message = ""}', {})
    with pytest.raises(Exception, match="math"):
        run_health('return {status = "Healthy", message = "" .. math.floor(1.5)}', {})


def test_yaml_reaches_lua_as_json_values() -> None:
    script = """
    local s = obj.status
    return {status = "Healthy", message = type(s.flag) .. "," .. type(s.count) .. "," .. s.count .. ","
      .. type(s.when) .. "," .. #s.items .. "," .. s.items[2].name .. "," .. tostring(s.gone)}
    """
    obj = parse_api_yaml(
        "status: {flag: true, count: 3, when: 2026-11-28T22:00:00Z, items: [{name: a}, {name: b}], "
        "gone: null}"
    )
    assert run_health(script, obj)["message"] == "boolean,number,3,string,2,b,nil"
