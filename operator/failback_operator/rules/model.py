"""The vocabulary of the rule catalogue: severities, phases, sources, and the Finding a check returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a failed rule matters: block stops the plan, warn surfaces it, info advises."""

    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


class Outcome(StrEnum):
    """One status entry per rule: passed, or failed at the finding's severity."""

    PASS = "pass"
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


class CheckPhase(StrEnum):
    """When a rule applies, in the article's order of events."""

    PRE_REPROTECT = "pre-reprotect"
    REPROTECT = "reprotect"
    PRE_FAILBACK = "pre-failback"
    FAILBACK = "failback"
    CONTINUOUS = "continuous"
    POST_FAILBACK = "post-failback"


class Source(StrEnum):
    """Where the facts a rule reads come from."""

    VCENTER = "vC"
    SITE_RECOVERY = "ASR"
    SPEC = "spec"
    PROBE = "probe"


class RuleKind(StrEnum):
    """A check turns facts into findings; a behaviour is something the workflow does."""

    CHECK = "check"
    BEHAVIOUR = "behaviour"


class Section(StrEnum):
    """The article's sections, which group the catalogue."""

    PREREQUISITES = "Prerequisites"
    PROCESS_SERVER = "Process server in Azure"
    MASTER_TARGET = "Master target server"
    REPROTECT = "Reprotect"
    COMMON_ISSUES = "Common issues"
    FAILBACK = "Failback"


_RANK = {Outcome.BLOCK: 0, Outcome.WARN: 1, Outcome.INFO: 2, Outcome.PASS: 3}


@dataclass(frozen=True, kw_only=True, slots=True)
class ObjectRef:
    """The object a finding is about, e.g. MasterTarget/mt-win01 or ProtectedItem/V2A-W2K16-201."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One rule on one object: passed, or what is wrong (with the observed value) and the fix."""

    rule: str
    severity: Severity
    object: ObjectRef
    message: str
    remedy: str = ""
    passed: bool = False
    # A block that may still clear on its own: the rule fails only if it has not by then (FB022).
    waiting_until: datetime | None = None

    @property
    def outcome(self) -> Outcome:
        """Pass, or the severity the failure carries."""
        return Outcome.PASS if self.passed else Outcome(self.severity.value)

    @property
    def blocking(self) -> bool:
        """True when this finding must stop the plan."""
        return not self.passed and self.severity is Severity.BLOCK

    def sort_key(self) -> tuple[int, str, bool, str, str]:
        """Blocking first (waits after failures), then warnings, advice and passes; by rule and object."""
        waiting = self.waiting_until is not None
        return (_RANK[self.outcome], self.rule, waiting, str(self.object), self.message)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the preflight report and of status entries."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "outcome": self.outcome.value,
            "object": str(self.object),
            "message": self.message,
            "remedy": self.remedy,
            **({"waitingUntil": self.waiting_until.isoformat()} if self.waiting_until else {}),
        }


def passed(rule: str, severity: Severity, obj: ObjectRef, message: str) -> Finding:
    """A pass result, so status can show one entry per rule."""
    return Finding(rule=rule, severity=severity, object=obj, message=message, passed=True)


def failed(rule: str, severity: Severity, obj: ObjectRef, message: str, remedy: str) -> Finding:
    """A failed check at the given severity, with the observed value in the message and the fix."""
    return Finding(rule=rule, severity=severity, object=obj, message=message, remedy=remedy)


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Findings in report order: blocking first."""
    return tuple(sorted(findings, key=Finding.sort_key))


def unverified(rule: str, severity: Severity, obj: ObjectRef, missing: str, remedy: str = "") -> Finding:
    """A check that could not run because facts are missing: it fails at its severity, never passes."""
    return Finding(
        rule=rule,
        severity=severity,
        object=obj,
        message=f"{rule} cannot be checked: {missing}",
        remedy=remedy or "restore the connection that provides these facts and check again",
    )
