"""Every rule ID: passes in its clean world, and fails as scenarios.yaml says when one thing breaks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.facts import Architecture, FailbackFacts
from failback_operator.rules import CATALOGUE, RULES, CheckPhase, Finding, Outcome, RuleKind, evaluate
from tests.unit.rules.worlds import NOW, WORLDS, patched

SCENARIOS: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "scenarios.yaml").read_text())
# The world in which each phase is checked when nothing is wrong.
CLEAN_WORLD = {
    CheckPhase.PRE_REPROTECT: "before-reprotect",
    CheckPhase.PRE_FAILBACK: "reprotected",
    CheckPhase.CONTINUOUS: "reprotected",
    CheckPhase.FAILBACK: "failing-back",
    CheckPhase.POST_FAILBACK: "reprotected",
}
_RANK = {Outcome.PASS: 0, Outcome.INFO: 1, Outcome.WARN: 2, Outcome.BLOCK: 3}


def _worst(findings: tuple[Finding, ...]) -> dict[str, Outcome]:
    worst: dict[str, Outcome] = {}
    for finding in findings:
        if _RANK[finding.outcome] >= _RANK[worst.get(finding.rule, Outcome.PASS)]:
            worst[finding.rule] = finding.outcome
    return worst


CHECK_PHASES = [
    (entry.id, phase) for entry in CATALOGUE if entry.kind is RuleKind.CHECK for phase in entry.when
]


@pytest.mark.parametrize(("rule", "phase"), CHECK_PHASES, ids=[f"{r}-{p}" for r, p in CHECK_PHASES])
def test_rule_passes_in_clean_world(rule: str, phase: CheckPhase) -> None:
    world = WORLDS[CLEAN_WORLD[phase]]()
    findings = [f for f in evaluate(world, phase, NOW) if f.rule == rule]
    assert findings, f"{rule} produced no finding in {phase}"
    assert all(f.passed for f in findings), [f.message for f in findings if not f.passed]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any]) -> None:
    rule, phase = scenario["rule"], CheckPhase(scenario["phase"])
    clean = WORLDS[scenario["world"]]()
    broken: FailbackFacts = patched(clean, scenario.get("set", {}))
    findings = evaluate(broken, phase, NOW)
    expected = Outcome(scenario["expect"])
    mine = [f for f in findings if f.rule == rule and f.outcome is expected]
    assert mine, f"no {expected} finding for {rule}: {[(f.rule, f.outcome, f.message) for f in findings]}"
    text = " | ".join(f.message for f in mine)
    for fragment in scenario.get("message", []):
        assert fragment in text, f"{fragment!r} not in {text!r}"
    if expected is not Outcome.PASS:
        assert all(f.remedy for f in mine), "a failing finding must say how to fix it"
    # Nothing else changes, except the rules the scenario names as rightly tripped too.
    before, after = _worst(evaluate(clean, phase, NOW)), _worst(findings)
    changed = {r for r in set(before) | set(after) if before.get(r) != after.get(r)}
    assert changed <= {rule, *scenario.get("also", [])}, f"unexpected rules changed: {changed}"


def test_every_check_has_a_failing_scenario() -> None:
    failing = {s["rule"] for s in SCENARIOS if s["expect"] != "pass"}
    checks = {entry.id for entry in CATALOGUE if entry.kind is RuleKind.CHECK}
    assert checks - failing == set()


def test_scenarios_name_known_rules_and_phases() -> None:
    for scenario in SCENARIOS:
        entry = RULES[scenario["rule"]]
        assert CheckPhase(scenario["phase"]) in entry.when, scenario["id"]
        assert scenario["id"].startswith(entry.id)
        for other in scenario.get("also", []):
            assert other in RULES


def test_findings_are_sorted_blocking_first() -> None:
    broken = patched(
        WORLDS["before-reprotect"](),
        {"vcenter.master_target_vm.snapshots": [{"name": "nightly"}], "plans.0.network_path": "Internet"},
    )
    outcomes = [f.outcome for f in evaluate(broken, CheckPhase.PRE_REPROTECT, NOW)]
    assert outcomes == sorted(
        outcomes, key=lambda o: [Outcome.BLOCK, Outcome.WARN, Outcome.INFO, Outcome.PASS].index(o)
    )
    assert outcomes[0] is Outcome.BLOCK
    assert outcomes[-1] is Outcome.PASS


def test_classic_only_rules_do_not_run_for_modernized() -> None:
    world = WORLDS["before-reprotect"]()
    modern = patched(world, {"master_target.architecture": "Modernized"})
    rules = {f.rule for f in evaluate(modern, CheckPhase.PRE_REPROTECT, NOW)}
    classic_only = {
        entry.id for entry in CATALOGUE if entry.architectures == frozenset({Architecture.CLASSIC})
    }
    assert classic_only == {"FB014", "FB015", "FB021", "FB022", "FB039"}
    assert rules.isdisjoint(classic_only)
    assert {"FB001", "FB027", "FB045"} <= rules


def test_missing_facts_never_pass() -> None:
    world = WORLDS["before-reprotect"]()
    blind = patched(world, {"vault": None, "vcenter": None})
    findings = evaluate(blind, CheckPhase.PRE_REPROTECT, NOW)
    needs_facts = {
        "FB001",
        "FB003",
        "FB004",
        "FB005",
        "FB006",
        "FB010",
        "FB018",
        "FB021",
        "FB023",
        "FB024",
        "FB025",
        "FB026",
        "FB027",
        "FB035",
        "FB037",
        "FB038",
        "FB043",
        "FB045",
    }
    for rule in needs_facts:
        mine = [f for f in findings if f.rule == rule]
        assert mine, rule
        assert all(f.blocking for f in mine), rule


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_notes_that_reach_a_plans_status_do_not_change_with_the_time_alone(world: str) -> None:
    """Non-blocking findings are written into the plan's status: an age in them rewrote it at every look.

    The process server whose place Site Recovery cannot tell (FB014's note) is the common case.
    """
    facts = WORLDS[world]()
    server = facts.vault.configuration_server if facts.vault is not None else None
    if server is not None and server.process_servers:
        facts = patched(facts, {"vault.configuration_server.process_servers.0.in_azure": None})
    for phase in CheckPhase:

        def notes(minutes: int, phase: CheckPhase = phase) -> list[str]:
            findings = evaluate(facts, phase, NOW + timedelta(minutes=minutes))
            return sorted(
                f"{f.rule} {f.message}" for f in findings if f.outcome in (Outcome.INFO, Outcome.WARN)
            )

        assert notes(0) == notes(3), phase
