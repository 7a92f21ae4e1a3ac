"""`failback-operator sim …`: the simulators of the outside world, one subcommand each."""

from __future__ import annotations

from typing import Any

from failback_operator.sim.asr import cli as asr_cli

__all__ = ["add_parser"]


def add_parser(subparsers: Any) -> None:
    """Add the `sim` command with its subcommands to the top-level command's subparsers."""
    parser = subparsers.add_parser("sim", help="run a simulator (Site Recovery, …) for tests and demos")
    simulators = parser.add_subparsers(dest="simulator", required=True, metavar="SIMULATOR")
    asr_cli.add_parser(simulators)
