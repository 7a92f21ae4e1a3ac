"""`make bench` at its smallest: every part runs and every measure is reported (no timing is asserted).

The real benchmark (docs/performance.md) runs the same code at larger sizes; here it only has to
work: one plan of two machines brought home by the operator, by the parallel script and by the
one-machine-after-another script, on one simulator, and the table printed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.estate import BenchParams
from bench.report import markdown
from bench.run import run_bench

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]


def test_a_small_benchmark_runs_every_contender_and_reports_every_measure(tmp_path: Path) -> None:
    params = BenchParams(
        plans=1,
        items=2,
        time_scale=3000,
        script_poll_seconds=0.5,
        sequential_speedup=1,
        timeout_seconds=240,
    )
    result = run_bench(params, tmp_path)
    operator = result.operator
    assert operator.completed == 1
    assert [row.label for row in result.rows] == [
        "operator",
        "script, all machines in parallel",
        "script, one machine after another",
    ]
    for row in result.rows:
        assert row.seconds is not None
        assert row.failed == []
        assert row.arm_writes >= 4  # two reprotects, then a failover and a commit at least
    assert set(operator.step_overhead_by_kind) == {"reprotect", "failover", "commit", "completed"}
    assert operator.limit_median is not None
    assert operator.ratio_median is not None
    assert operator.peak_rss_mib > 0
    assert operator.cpu_seconds > 0
    # At this time scale the machines may sync between two reads: a rate only where reads were made.
    assert (operator.read_rate_in_sync is None) == (not operator.reads_per_item_hour_in_sync)
    assert (operator.busiest_read_rate_in_sync is None) == (operator.read_rate_in_sync is None)
    assert operator.kubernetes_writes.get("failbackplans/status", 0) > 0
    table = markdown(result, cores=2)
    assert "| operator |" in table
    assert "step overhead median / p99" in table
