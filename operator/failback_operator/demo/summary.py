"""The demo's closing summary: time per phase, Site Recovery calls by kind, and one mutating call of each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table

__all__ = ["MutatingCalls", "mutating_calls", "render_summary"]

_MUTATING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class MutatingCalls:
    """Each mutating Site Recovery call, by operation and target, and whether each was made exactly once."""

    counts: Mapping[tuple[str, str], int]
    expected: tuple[tuple[str, str], ...]

    @property
    def missing(self) -> list[tuple[str, str]]:
        return [key for key in self.expected if self.counts.get(key, 0) == 0]

    @property
    def repeated(self) -> list[tuple[str, str]]:
        return [key for key, count in self.counts.items() if count > 1]

    @property
    def once_each(self) -> bool:
        return not self.missing and not self.repeated


def mutating_calls(
    records: Sequence[Mapping[str, Any]], expected: Sequence[tuple[str, str]]
) -> MutatingCalls:
    """Count the requests that change something in Site Recovery (the simulator's request log)."""
    counts = Counter(
        (str(r["operation"]), str(r["item"] or "")) for r in records if r["method"] in _MUTATING_METHODS
    )
    return MutatingCalls(dict(sorted(counts.items())), tuple(expected))


def render_summary(
    phase_seconds: Mapping[str, Mapping[str, float]],
    records: Sequence[Mapping[str, Any]],
    calls: MutatingCalls,
) -> RenderableType:
    """Three tables: where the time went, what was asked of Site Recovery, and the mutating calls."""
    phases = Table(title="Time per phase (seconds, as the board saw it)", title_justify="left")
    phases.add_column("PLAN")
    phases.add_column("PHASE")
    phases.add_column("SECONDS", justify="right")
    for plan, spent in sorted(phase_seconds.items()):
        for phase, seconds in spent.items():
            phases.add_row(plan, phase, f"{seconds:.1f}")
        phases.add_row(plan, "total", f"{sum(spent.values()):.1f}", style="bold")

    kinds = Counter((str(r["method"]), str(r["operation"])) for r in records)
    throttled = sum(1 for r in records if r.get("status") == 429)
    by_kind = Table(
        title=f"Site Recovery calls by kind ({len(records)} in all, {throttled} throttled)",
        title_justify="left",
    )
    by_kind.add_column("METHOD")
    by_kind.add_column("OPERATION")
    by_kind.add_column("CALLS", justify="right")
    for (method, operation), count in sorted(kinds.items(), key=lambda kv: (kv[0][0] == "GET", kv[0])):
        by_kind.add_row(method, operation, str(count))

    verdict = "each made exactly once" if calls.once_each else "NOT each made exactly once"
    mutating = Table(title=f"Mutating calls per item or recovery plan: {verdict}", title_justify="left")
    mutating.add_column("OPERATION")
    mutating.add_column("ITEM / RECOVERY PLAN")
    mutating.add_column("CALLS", justify="right")
    for (operation, target), count in calls.counts.items():
        mutating.add_row(operation, target, str(count), style=None if count == 1 else "bold red")
    for operation, target in calls.missing:
        mutating.add_row(operation, target, "0", style="bold red")
    return Group(phases, by_kind, mutating)
