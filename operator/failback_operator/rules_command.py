"""`failback-operator rules`: print the rule catalogue as a table for people or as JSON for tools."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from failback_operator.rules.catalogue import CATALOGUE, RuleEntry
from failback_operator.rules.model import RuleKind

__all__ = ["add_parser", "catalogue_as_json", "print_catalogue"]


def _entry_as_dict(entry: RuleEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "section": entry.section.value,
        "kind": entry.kind.value,
        "severity": entry.severity_text,
        "severities": [severity.value for severity in entry.severities],
        "when": [phase.value for phase in entry.when],
        "where": [source.value for source in entry.where],
        "architectures": sorted(architecture.value for architecture in entry.architectures),
        "derived": entry.derived,
        "helper": entry.helper,
        "wording": entry.wording,
    }


def catalogue_as_json() -> str:
    """The whole catalogue as a JSON document `{"rules": [...]}`."""
    return json.dumps({"rules": [_entry_as_dict(entry) for entry in CATALOGUE]}, indent=2)


def print_catalogue(console: Console, *, wide: bool = False) -> None:
    """One table row per rule, grouped by the article's sections; `wide` adds the article's wording."""
    table = Table(title="Failback rule catalogue", show_lines=wide, expand=wide)
    table.add_column("ID", no_wrap=True)
    table.add_column("Rule", overflow="fold", ratio=3)
    table.add_column("Severity", overflow="fold", ratio=2)
    table.add_column("When", overflow="fold", ratio=2)
    table.add_column("Where", no_wrap=True)
    table.add_column("Applies to", no_wrap=True)
    if wide:
        table.add_column("Article", overflow="fold", ratio=6)
    section = None
    for entry in CATALOGUE:
        if entry.section is not section:
            section = entry.section
            table.add_section()
            table.add_row("", f"[bold]{section.value}[/bold]", *[""] * (len(table.columns) - 2))
        severity = "behaviour" if entry.kind is RuleKind.BEHAVIOUR else entry.severity_text
        title = entry.title + (" (derived)" if entry.derived else "")
        scope = "classic only" if entry.classic_only else "both"
        row = [
            entry.id,
            title,
            severity,
            ", ".join(p.value for p in entry.when),
            " + ".join(s.value for s in entry.where),
            scope,
        ]
        if wide:
            row.append(entry.wording)
        table.add_row(*row)
    console.print(table)


def _run(args: argparse.Namespace) -> int:
    if args.output == "json":
        sys.stdout.write(catalogue_as_json() + "\n")
    else:
        print_catalogue(Console(), wide=args.output == "wide")
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `rules` subcommand on the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser("rules", help="print the failback rule catalogue")
    parser.add_argument(
        "-o",
        "--output",
        choices=("table", "wide", "json"),
        default="table",
        help="table (default), wide (with the article's wording) or json",
    )
    parser.set_defaults(func=_run)
    return parser
