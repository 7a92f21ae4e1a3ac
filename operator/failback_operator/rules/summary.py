"""One status entry per rule from many findings: the worst outcome, its message and remedy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
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
    # Set when the rule blocks only while it waits for something that may still come (FB022).
    waiting_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """The shape written to `status.prerequisites[]`."""
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "message": self.message,
            "remedy": self.remedy,
            "objects": list(self.objects),
            **({"waitingUntil": self.waiting_until.isoformat()} if self.waiting_until else {}),
        }


def rule_statuses(findings: Iterable[Finding]) -> tuple[RuleStatus, ...]:
    """Fold findings into one entry per rule, by rule ID; the worst finding speaks for the rule."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    statuses = []
    for rule in sorted(by_rule):
        # A failure speaks before a wait of the same outcome: it will not clear on its own.
        group = sorted(
            by_rule[rule],
            key=lambda f: (_WORST_FIRST.index(f.outcome), f.waiting_until is not None, str(f.object)),
        )
        worst = group[0]
        waiting = worst.waiting_until is not None
        same = [f for f in group if f.outcome is worst.outcome and (f.waiting_until is not None) == waiting]
        message = worst.message + (f" (and {len(same) - 1} more)" if len(same) > 1 else "")
        statuses.append(
            RuleStatus(
                rule=rule,
                outcome=worst.outcome,
                message=message,
                remedy=worst.remedy,
                objects=tuple(dict.fromkeys(str(f.object) for f in same)),
                waiting_until=max((f.waiting_until for f in same if f.waiting_until), default=None),
            )
        )
    return tuple(statuses)
