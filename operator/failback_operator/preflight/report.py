"""The preflight report: a table for people (by object, blocking first, with the remedy) or JSON for tools."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from failback_operator.rules.model import Finding, Outcome, sort_findings

__all__ = ["blocking_count", "merge_findings", "print_table", "report_json"]

_STYLE = {Outcome.BLOCK: "bold red", Outcome.WARN: "yellow", Outcome.INFO: "cyan", Outcome.PASS: "green"}
_RANK = {Outcome.BLOCK: 0, Outcome.WARN: 1, Outcome.INFO: 2, Outcome.PASS: 3}


def merge_findings(*groups: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings of several phases or master targets, each once, blocking first."""
    seen: dict[tuple[str, str, str, bool], Finding] = {}
    for group in groups:
        for finding in group:
            seen.setdefault((finding.rule, str(finding.object), finding.message, finding.passed), finding)
    return sort_findings(list(seen.values()))


def blocking_count(findings: Iterable[Finding]) -> int:
    """How many findings stop the failback."""
    return sum(1 for finding in findings if finding.blocking)


def report_json(
    findings: Sequence[Finding], *, errors: Sequence[str] = (), include_passed: bool = False
) -> dict[str, Any]:
    """`{"findings": [{"rule", "severity", "outcome", "object", "message", "remedy"}], "blocking": N}`.

    Passing checks are left out unless asked for; `outcome` tells them apart when they are in.
    `errors` says which side could not be read (its rules then report "cannot be checked").
    """
    shown = [f for f in findings if include_passed or not f.passed]
    report: dict[str, Any] = {
        "findings": [finding.as_dict() for finding in shown],
        "blocking": blocking_count(findings),
    }
    if errors:
        report["errors"] = list(errors)
    return report


def _by_object(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    """Objects with their findings, the object with the worst finding first."""
    groups: dict[str, list[Finding]] = {}
    for finding in sort_findings(list(findings)):
        groups.setdefault(str(finding.object), []).append(finding)
    return sorted(groups.items(), key=lambda entry: (min(_RANK[f.outcome] for f in entry[1]), entry[0]))


def print_table(
    console: Console, findings: Sequence[Finding], *, errors: Sequence[str] = (), include_passed: bool = False
) -> None:
    """One section per object, blocking findings first, each with its remedy; then a one-line summary."""
    for error in errors:
        console.print(Text(f"not read: {error}", style="bold red"))
    shown = [f for f in findings if include_passed or not f.passed]
    for obj, group in _by_object(shown):
        table = Table(title=Text(obj, style="bold"), title_justify="left", expand=True)
        table.add_column("Rule", no_wrap=True)
        table.add_column("Result", no_wrap=True)
        table.add_column("Finding", overflow="fold", ratio=3)
        table.add_column("Remedy", overflow="fold", ratio=2)
        for finding in group:
            outcome = finding.outcome
            table.add_row(
                finding.rule, Text(outcome.value, style=_STYLE[outcome]), finding.message, finding.remedy
            )
        console.print(table)
    counts = {outcome: sum(1 for f in findings if f.outcome is outcome) for outcome in Outcome}
    console.print(
        f"{counts[Outcome.BLOCK]} blocking, {counts[Outcome.WARN]} warning(s), "
        f"{counts[Outcome.INFO]} advice, {counts[Outcome.PASS]} passed"
    )
