"""The benchmark's scenario: the job lengths it gives the simulator (`--job-length-factor`)."""

from __future__ import annotations

import pytest
from bench.estate import BenchParams, bench_scenario, master_target_names
from bench.measure import read_rates
from bench.run import watch_interval


def test_the_job_length_factor_lengthens_every_job_and_the_resync() -> None:
    plain = bench_scenario(BenchParams(plans=1, items=1, scripts=False)).job_durations
    long = bench_scenario(BenchParams(plans=1, items=1, scripts=False, job_length_factor=5)).job_durations
    for field in ("reprotect_minutes", "resync_minutes", "failover_minutes", "commit_minutes"):
        assert getattr(long, field) == pytest.approx(5 * getattr(plain, field)), field
    assert long.resync_minutes >= 300  # five hours: the long jobs the benchmark is asked about
    assert (long.spread, long.seed) == (plain.spread, plain.seed)


def test_every_plans_group_fits_its_master_target() -> None:
    # Round-robin over these names: each master target takes whole groups of two-disk machines.
    assert len(master_target_names(BenchParams(plans=4, items=2))) == 1
    assert len(master_target_names(BenchParams(plans=1000, items=1))) == 36  # 28 plans each
    assert len(master_target_names(BenchParams(plans=200, items=25))) == 200  # 50 disks: one plan each
    assert len(master_target_names(BenchParams(plans=200, items=25, master_targets=7))) == 7


def test_read_rates_are_per_real_second_over_the_span_and_in_the_busiest_ten_seconds() -> None:
    # 30 reads in the first second, then one every 10 s for 100 s.
    arrivals = [i / 30 for i in range(30)] + [10.0 * k for k in range(1, 11)]
    mean, busiest = read_rates(arrivals)
    assert mean == pytest.approx(40 / 100)
    assert busiest == pytest.approx(30 / 10)  # the burst, not the average, meets ARM's refill rate
    assert read_rates([]) == (None, None)
    assert read_rates([5.0]) == (pytest.approx(0.1), pytest.approx(0.1))  # one read: a window's span


def test_the_plans_are_listed_less_often_the_more_status_a_list_carries() -> None:
    assert watch_interval(BenchParams(plans=4, items=2)) == 0.25
    assert watch_interval(BenchParams(plans=1000, items=1)) == 5.0
    assert watch_interval(BenchParams(plans=200, items=25)) == 5.0  # not once a second
