"""The entry point: run every applicable check for the phase and architecture, blocking findings first."""

from __future__ import annotations

from datetime import datetime

from failback_operator.facts import FailbackFacts
from failback_operator.rules.catalogue import applicable
from failback_operator.rules.config import RuleConfig
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.model import CheckPhase, Finding, sort_findings


def evaluate(
    facts: FailbackFacts, phase: CheckPhase, now: datetime, config: RuleConfig | None = None
) -> tuple[Finding, ...]:
    """All findings of the checks that apply to `phase` and the master target's architecture, sorted."""
    context = CheckContext(phase=phase, now=now, config=config or RuleConfig())
    findings: list[Finding] = []
    for entry in applicable(phase, facts.master_target.architecture):
        assert entry.check is not None
        findings.extend(entry.check(facts, context))
    return sort_findings(findings)


def blocking(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings that stop the plan."""
    return tuple(finding for finding in findings if finding.blocking)
