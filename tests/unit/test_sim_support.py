"""Simulator plumbing: scaled clock, ARM-like token buckets, scenario validation, the request log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from failback_operator.sim.asr.clock import SimClock
from failback_operator.sim.asr.requestlog import RequestLog, RequestRecord
from failback_operator.sim.asr.scenario import ScenarioError, load_scenario, parse_scenario
from failback_operator.sim.asr.throttling import Throttle, TokenBucket

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sim"


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_clock_scales_and_advances() -> None:
    ticks = FakeMonotonic()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = SimClock(start, time_scale=600, monotonic=ticks)
    ticks.now += 12  # twelve real seconds are two simulated hours
    assert clock.now() == start + timedelta(hours=2)
    clock.advance(60)
    assert clock.now() == start + timedelta(hours=2, minutes=1)
    clock.set_time_scale(1)
    ticks.now += 1
    assert clock.now() == start + timedelta(hours=2, minutes=1, seconds=1)
    assert clock.real_seconds(30) == 30
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_token_bucket_refills() -> None:
    bucket = TokenBucket(capacity=2, refill_per_second=1.0, tokens=2.0, updated=0.0)
    assert bucket.take(0.0) is None
    assert bucket.take(0.0) is None
    wait = bucket.take(0.0)
    assert wait == pytest.approx(1.0)
    assert bucket.take(1.0) is None


def test_throttle_keeps_reads_and_writes_apart() -> None:
    ticks = FakeMonotonic()
    throttle = Throttle(monotonic=ticks)
    for _ in range(3):
        assert throttle.take("app", "sub", "reads", 3, 1.0)[0] is None
    retry_after, remaining = throttle.take("app", "sub", "reads", 3, 1.0)
    assert retry_after == 1
    assert remaining == 0
    assert throttle.take("app", "sub", "writes", 1, 0.1)[0] is None
    assert throttle.take("app", "sub", "writes", 1, 0.1)[0] == 10


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda path: path.stem)
def test_example_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.items


def test_scenario_errors_name_the_field() -> None:
    data = load_scenario(EXAMPLES / "classic-windows.yaml").model_dump(mode="json")
    data["items"][0]["disks"] = [{"name": "Disk0", "size_gib": -1}]
    data["faults"]["job_failures"] = [{"operation": "reprotect", "code": "12345"}]
    del data["vault"]["subscription"]
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data, source="broken.yaml")
    message = str(error.value)
    assert "broken.yaml" in message
    assert "vault.subscription" in message
    assert "items.0.disks.0.size_gib" in message
    assert "faults.job_failures.0.code" in message


def test_scenario_needs_servers_of_its_architecture() -> None:
    data = load_scenario(EXAMPLES / "modernized.yaml").model_dump(mode="json")
    data["appliances"] = []
    with pytest.raises(ScenarioError, match="appliance"):
        parse_scenario(data)


def test_scenario_secret_is_not_in_its_repr() -> None:
    scenario = load_scenario(EXAMPLES / "classic-windows.yaml")
    assert scenario.identity.client_secret not in repr(scenario)


def test_request_log_counts_per_operation_and_item() -> None:
    log = RequestLog()
    for item in ("a", "A", "b"):
        log.add(RequestRecord(0, "t", "POST", "/x", "ReplicationProtectedItems_Reprotect", item))
    log.add(RequestRecord(0, "t", "GET", "/y", "ReplicationJobs_List", None))
    assert log.count("ReplicationProtectedItems_Reprotect", "a") == 2
    assert log.counts()["ReplicationJobs_List"] == 1
    assert [record["sequence"] for record in log.records()] == [1, 2, 3, 4]


def test_undocumented_job_error_code_needs_its_message() -> None:
    data = load_scenario(EXAMPLES / "classic-windows.yaml").model_dump(mode="json")
    data["faults"]["job_failures"] = [{"operation": "reprotect", "code": "99999"}]
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data, source="unworded.yaml")
    assert "faults.job_failures.0.code" in str(error.value)
    assert "needs a message" in str(error.value)
    data["faults"]["job_failures"] = [{"operation": "reprotect", "code": "99999", "message": "Gremlins."}]
    (failure,) = parse_scenario(data, source="worded.yaml").faults.job_failures
    assert (failure.code, failure.message) == ("99999", "Gremlins.")
