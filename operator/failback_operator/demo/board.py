"""The demo's live board: plans, their groups and items, and what blocks them, read from status as written."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["BlockingFinding", "Board", "ItemRow", "PhaseClock", "PlanRow", "read_board", "render_board"]

_RULE_ID = re.compile(r"\b(FB\d{3})\b")


@dataclass(frozen=True)
class ItemRow:
    """One protected item as its plan's status shows it."""

    name: str
    group: str
    stage: str
    job: str
    sync: str


@dataclass(frozen=True)
class BlockingFinding:
    """A rule that stops a plan, with the master target's verdict and remedy when it has one."""

    rule: str
    text: str


@dataclass(frozen=True)
class PlanRow:
    """One plan: what was asked, where it stands, and why it waits or stops."""

    namespace: str
    name: str
    action: str
    phase: str
    progression: str
    ready: str
    message: str
    current: bool
    items: tuple[ItemRow, ...]
    blocking: tuple[BlockingFinding, ...]

    @property
    def completed(self) -> bool:
        """Done with the action asked, at the plan's current generation."""
        return self.current and self.phase == "Completed"


@dataclass(frozen=True)
class Board:
    plans: tuple[PlanRow, ...]

    def plan(self, name: str) -> PlanRow | None:
        return next((p for p in self.plans if p.name == name), None)


def _job(item: Mapping[str, Any]) -> str:
    job = item.get("currentJob") or {}
    if not job:
        return ""
    return " ".join(str(part) for part in (job.get("operation") or job.get("name"), job.get("state")) if part)


def _prerequisite_texts(master_targets: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """(master target, rule) -> its status entry's message, which carries the remedy of a failure."""
    texts: dict[tuple[str, str], str] = {}
    for mt in master_targets:
        for entry in (mt.get("status") or {}).get("prerequisites") or ():
            if entry.get("result") in {"Failed", "Waiting", "Unknown"}:
                texts[(mt["metadata"]["name"], entry["ruleId"])] = (
                    f"{entry['result']}: {entry.get('message', '')}"
                )
    return texts


def _blocking(
    plan: Mapping[str, Any], prerequisites: Mapping[tuple[str, str], str]
) -> tuple[BlockingFinding, ...]:
    status = plan.get("status") or {}
    if status.get("progression") not in {
        "PrerequisitesBlocked",
        "WaitingForPrerequisites",
        "FailbackBlocked",
    }:
        return ()
    message = status.get("message") or ""
    master_target = (plan.get("spec") or {}).get("masterTargetRef", {}).get("name", "")
    found = []
    for rule in dict.fromkeys(_RULE_ID.findall(message)):
        found.append(BlockingFinding(rule, prerequisites.get((master_target, rule), message)))
    return tuple(found)


def read_board(plans: Sequence[Mapping[str, Any]], master_targets: Sequence[Mapping[str, Any]]) -> Board:
    """The board from the objects as listed from the API server."""
    prerequisites = _prerequisite_texts(master_targets)
    rows = []
    for plan in sorted(plans, key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])):
        status = plan.get("status") or {}
        items = tuple(
            ItemRow(
                name=item["name"],
                group=item.get("group") or "",
                stage=item.get("stage") or "",
                job=_job(item),
                sync="" if item.get("syncProgressPercent") is None else f"{item['syncProgressPercent']}%",
            )
            for item in status.get("items") or ()
        )
        rows.append(
            PlanRow(
                namespace=plan["metadata"]["namespace"],
                name=plan["metadata"]["name"],
                action=(plan.get("spec") or {}).get("action", ""),
                phase=status.get("phase") or "",
                progression=status.get("progression") or "",
                ready=status.get("itemsReady") or "",
                message=status.get("message") or "",
                current=status.get("observedGeneration") == plan["metadata"].get("generation"),
                items=items,
                blocking=_blocking(plan, prerequisites),
            )
        )
    return Board(tuple(rows))


_PHASE_STYLE = {"Completed": "green", "Failed": "red", "Paused": "red", "Preflight": "yellow"}


def render_board(board: Board, title: str = "kubectl get fbp -A, and the items in status") -> RenderableType:
    """The board as a rich table: one line per plan, one per item under it, then what blocks."""
    table = Table(title=title, title_justify="left", expand=False)
    for column in (
        "PLAN / GROUP / ITEM",
        "ACTION",
        "PHASE",
        "PROGRESSION / STAGE",
        "SITE RECOVERY JOB",
        "READY / SYNC",
    ):
        table.add_column(column)
    notes: list[RenderableType] = []
    for plan in board.plans:
        style = _PHASE_STYLE.get(plan.phase, "cyan")
        table.add_row(
            Text(f"{plan.namespace}/{plan.name}", style="bold"),
            plan.action,
            Text(plan.phase, style=style),
            plan.progression,
            "",
            plan.ready,
        )
        group = None
        for item in plan.items:
            if item.group != group:
                group = item.group
                table.add_row(Text(f"  {group}", style="dim"), "", "", "", "", "")
            table.add_row(f"    {item.name}", "", "", item.stage, item.job, item.sync)
        for finding in plan.blocking:
            notes.append(
                Text.assemble((f"{plan.name} ", "bold"), (f"{finding.rule} ", "bold red"), finding.text)
            )
    return Group(table, *notes)


@dataclass
class PhaseClock:
    """How long each plan spent in each phase, as the board saw it (for the demo's summary)."""

    seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    _current: dict[str, tuple[str, str, float]] = field(default_factory=dict)

    def observe(self, board: Board, now: float) -> list[PlanRow]:
        """Account the time since the last look; returns the plans whose phase or progression changed."""
        changes = []
        for plan in board.plans:
            phase = plan.phase or "(no status)"
            previous = self._current.get(plan.name)
            if previous is not None:
                spent = self.seconds.setdefault(plan.name, {})
                spent[previous[0]] = spent.get(previous[0], 0.0) + (now - previous[2])
            if previous is None or previous[:2] != (phase, plan.progression):
                changes.append(plan)
            self._current[plan.name] = (phase, plan.progression, now)
        return changes
