"""One status entry per rule from many findings: the worst outcome, its message and remedy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from failback_operator.rules.model import Finding, Outcome

_WORST_FIRST = (Outcome.BLOCK, Outcome.WARN, Outcome.INFO, Outcome.PASS)


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleStatus:
    """What a status shows for one rule: pass / block / warn / info, with the message that decided it."""

    rule: str
    outcome: Outcome
    message: str
    remedy: str = ""
    objects: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The shape written to `status.prerequisites[]`."""
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "message": self.message,
            "remedy": self.remedy,
            "objects": list(self.objects),
        }


def rule_statuses(findings: Iterable[Finding]) -> tuple[RuleStatus, ...]:
    """Fold findings into one entry per rule, by rule ID; the worst finding speaks for the rule."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    statuses = []
    for rule in sorted(by_rule):
        group = sorted(by_rule[rule], key=lambda f: (_WORST_FIRST.index(f.outcome), str(f.object)))
        worst = group[0]
        same = [f for f in group if f.outcome is worst.outcome]
        message = worst.message + (f" (and {len(same) - 1} more)" if len(same) > 1 else "")
        statuses.append(
            RuleStatus(
                rule=rule,
                outcome=worst.outcome,
                message=message,
                remedy=worst.remedy,
                objects=tuple(dict.fromkeys(str(f.object) for f in same)),
            )
        )
    return tuple(statuses)
