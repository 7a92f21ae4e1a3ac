"""The `failback-operator` command: one subcommand per job, each defined in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from failback_operator import __version__, rules_command
from failback_operator.preflight import command as preflight_command
from failback_operator.sim import cli as sim_cli

Command = Callable[[argparse.Namespace], int]


def _run(args: argparse.Namespace) -> int:
    """Start the operator through Kopf."""
    import os

    from failback_operator.memory import limit_malloc_arenas, start_giving_back_freed_memory

    limit_malloc_arenas(os.environ)  # before the first thread
    start_giving_back_freed_memory(os.environ)
    from failback_operator.handlers.runner import run_operator

    status: int = run_operator(
        namespaces=args.namespace,
        standalone=args.standalone,
        verbose=args.verbose,
        liveness=args.liveness,
        metrics=args.metrics,
        log_format=args.log_format,
    )
    return status


def _demo(args: argparse.Namespace) -> int:
    """Walk a Windows and a Linux replication group home on the local control plane, vcsim and simulator."""
    from failback_operator.demo import DemoOptions, run_demo

    options = DemoOptions(keep=args.keep, time_scale=args.time_scale, live=False if args.no_live else None)
    if args.workdir is not None:
        options.workdir = args.workdir
    status: int = run_demo(options)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="failback-operator",
        description="Brings VMware VMs and physical servers home from Azure Site Recovery.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the operator (Kopf)")
    run.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        help="watch only this namespace (repeatable); all namespaces by default",
    )
    run.add_argument(
        "--standalone",
        action="store_true",
        help="skip leader election (only for a single process run by hand); by default the replica "
        "acts only while it holds the Lease failback-operator in the operator's namespace",
    )
    run.add_argument(
        "--liveness",
        metavar="URL",
        default=None,
        help="serve a liveness endpoint, e.g. http://0.0.0.0:8080/healthz",
    )
    run.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        default=None,
        help="serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 0.0.0.0:9090",
    )
    run.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log lines as text (default) or as one JSON object each",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="verbose logging")
    run.set_defaults(func=_run)

    demo = commands.add_parser(
        "demo", help="bring a Windows and a Linux replication group home on local parts, step by step"
    )
    demo.add_argument(
        "--keep", action="store_true", help="leave everything running at the end (Ctrl-C stops it)"
    )
    demo.add_argument(
        "--time-scale",
        type=float,
        default=150.0,
        help="simulated Site Recovery seconds per real second (default: 150)",
    )
    demo.add_argument(
        "--no-live", action="store_true", help="print a line per change instead of a live board"
    )
    demo.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the demo keeps its data, logs and kubeconfigs (default: the cache's demo/)",
    )
    demo.set_defaults(func=_demo)
    sim_cli.add_parser(commands)
    rules_command.add_parser(commands)
    preflight_command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
