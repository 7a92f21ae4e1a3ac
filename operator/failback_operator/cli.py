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
    from failback_operator.handlers.runner import run_operator

    status: int = run_operator(
        namespaces=args.namespace, standalone=args.standalone, verbose=args.verbose, liveness=args.liveness
    )
    return status


def _demo(args: argparse.Namespace) -> int:
    """Bring up the embedded local control plane with the CRDs and the examples."""
    from failback_operator.demo import run_demo

    status: int = run_demo(keep_running=not args.no_wait, workdir=args.workdir)
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
    run.add_argument("-v", "--verbose", action="store_true", help="verbose logging")
    run.set_defaults(func=_run)

    demo = commands.add_parser("demo", help="run the embedded demo on a local control plane")
    demo.add_argument("--no-wait", action="store_true", help="stop once the demo has been set up")
    demo.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the control plane keeps its data and kubeconfig (default: the cache's demo/)",
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
