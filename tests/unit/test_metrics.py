"""Metrics counted from the statuses the operator writes and the calls it makes."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest

from failback_operator.metrics import OperatorMetrics

NOW = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)


def _scrape(metrics: OperatorMetrics) -> str:
    return generate_latest(metrics.registry).decode()


def _item(name: str, stage: str, job: dict[str, str] | None = None) -> dict[str, object]:
    return {"name": name, "stage": stage, **({"currentJob": job} if job else {})}


def test_plans_by_phase_and_items_by_stage_follow_the_last_status_written() -> None:
    metrics = OperatorMetrics(CollectorRegistry())
    metrics.observe_plan("team-a", "one", {"phase": "Syncing", "items": [_item("a", "Syncing")]}, NOW)
    metrics.observe_plan("team-a", "two", {"phase": "Syncing", "items": [_item("b", "Syncing")]}, NOW)
    metrics.observe_plan("team-a", "one", {"phase": "Completed", "items": [_item("a", "Committed")]}, NOW)
    text = _scrape(metrics)
    assert 'failback_plans{phase="Completed"} 1.0' in text
    assert 'failback_plans{phase="Syncing"} 1.0' in text
    assert 'failback_items{stage="Committed"} 1.0' in text
    metrics.forget_plan("team-a", "two")
    assert 'failback_plans{phase="Syncing"}' not in _scrape(metrics)


def test_a_plan_keeps_the_time_it_entered_its_phase_and_progression() -> None:
    metrics = OperatorMetrics(CollectorRegistry())
    status = {"phase": "Preflight", "progression": "PrerequisitesBlocked"}
    metrics.observe_plan("team-a", "one", status, NOW)
    metrics.observe_plan("team-a", "one", status, NOW.replace(hour=23))
    line = (
        'failback_plan_phase_since_timestamp_seconds{namespace="team-a",phase="Preflight",plan="one",'
        'progression="PrerequisitesBlocked"}'
    )
    [value] = [row.split()[-1] for row in _scrape(metrics).splitlines() if row.startswith(line)]
    assert float(value) == NOW.timestamp()


def test_a_job_duration_is_observed_once_however_many_items_and_looks_show_it() -> None:
    metrics = OperatorMetrics(CollectorRegistry())
    job = {"name": "ufo-1", "operation": "UnplannedFailover", "startTime": "2026-11-28T22:00:00Z"}
    metrics.observe_plan("team-a", "one", {"phase": "FailingBack", "items": [_item("a", "FailingBack", job)]})
    ended = {**job, "endTime": "2026-11-28T22:10:00Z", "state": "Succeeded"}
    for _ in range(3):
        metrics.observe_plan(
            "team-a", "one", {"phase": "Committing", "items": [_item("a", "FailedBack", ended)] * 2}
        )
    text = _scrape(metrics)
    assert 'failback_site_recovery_job_duration_seconds_count{kind="UnplannedFailover"} 1.0' in text
    assert 'failback_site_recovery_job_duration_seconds_sum{kind="UnplannedFailover"} 600.0' in text


def test_findings_by_rule_and_severity_and_calls_by_outcome() -> None:
    metrics = OperatorMetrics(CollectorRegistry())
    prerequisites = [
        {"ruleId": "FB006", "result": "Failed"},
        {"ruleId": "FB020", "result": "Warning"},
        {"ruleId": "FB023", "result": "Passed"},
    ]
    metrics.observe_prerequisites("MasterTarget", "v2a-ps-200", {"prerequisites": prerequisites})
    metrics.site_recovery_call("reprotect", "ok")
    metrics.site_recovery_call("list jobs", "throttled")
    metrics.throttled_reads.inc()
    text = _scrape(metrics)
    assert 'failback_findings{rule="FB006",severity="block"} 1.0' in text
    assert 'failback_findings{rule="FB020",severity="warn"} 1.0' in text
    assert 'rule="FB023"' not in text
    assert 'failback_site_recovery_calls_total{operation="reprotect",outcome="ok"} 1.0' in text
    assert 'failback_site_recovery_calls_total{operation="list jobs",outcome="throttled"} 1.0' in text
    assert "failback_site_recovery_throttled_reads_total 1.0" in text
    # A fixed prerequisite no longer counts.
    metrics.observe_prerequisites("MasterTarget", "v2a-ps-200", {"prerequisites": prerequisites[1:]})
    assert 'rule="FB006"' not in _scrape(metrics)
