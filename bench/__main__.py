"""`python -m bench`: run the benchmark and print the table (`make bench`; `--help` for the sizes)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench.estate import BenchParams
from bench.report import markdown
from bench.run import run_bench


def _parser() -> argparse.ArgumentParser:
    defaults = BenchParams()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--plans", type=int, default=defaults.plans, help="FailbackPlans (one group each)")
    parser.add_argument("--items", type=int, default=defaults.items, help="machines per plan")
    parser.add_argument(
        "--time-scale", type=float, default=defaults.time_scale, help="simulated s per real s"
    )
    parser.add_argument("--spread", type=float, default=defaults.spread, help="job length spread (0-1)")
    parser.add_argument(
        "--job-length-factor",
        type=float,
        default=defaults.job_length_factor,
        help="every job and resync length times this (5: a five-hour resync)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--process-server-resyncs", type=int, default=None, help="machines one process server resyncs at once"
    )
    parser.add_argument(
        "--master-targets", type=int, default=0, help="master targets (0: as many as 60 disk slots need)"
    )
    parser.add_argument("--script-poll", type=float, default=defaults.script_poll_seconds)
    parser.add_argument("--sequential-speedup", type=float, default=defaults.sequential_speedup)
    parser.add_argument("--no-scripts", action="store_true", help="the operator only (large sizes)")
    parser.add_argument("--timeout", type=float, default=defaults.timeout_seconds)
    parser.add_argument("--json", type=Path, help="write the full result here")
    parser.add_argument("--markdown", type=Path, help="write the table here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--operator-verbose", action="store_true", help="debug log in the operator's log")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    params = BenchParams(
        plans=args.plans,
        items=args.items,
        time_scale=args.time_scale,
        spread=args.spread,
        job_length_factor=args.job_length_factor,
        seed=args.seed,
        process_server_resyncs=args.process_server_resyncs,
        master_targets=args.master_targets,
        script_poll_seconds=args.script_poll,
        sequential_speedup=args.sequential_speedup,
        scripts=not args.no_scripts,
        timeout_seconds=args.timeout,
        operator_verbose=args.operator_verbose,
    )
    workdir = Path(tempfile.mkdtemp(prefix="failback-bench-"))
    try:
        result = run_bench(params, workdir)
    finally:
        if args.keep:
            print(f"work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    table = markdown(result, cores=os.cpu_count() or 0)
    print(table)
    if args.json:
        args.json.write_text(result.to_json(), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
