"""Prometheus metrics of the running operator, fed by a few hooks in the shell and served on request.

Plans by phase, items by stage and findings by rule and severity are counted from the statuses the
operator writes (it is their only writer), so they never disagree with `kubectl get`. Site Recovery
calls are counted by operation and outcome where the adapter makes them, throttled answers where the
retry policy sees them, and job durations once per job when a status first shows it ended.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["METRICS", "OperatorMetrics", "serve_metrics"]

# A job's duration in seconds: minutes (commit) to hours (resync of large disks).
_JOB_BUCKETS = (30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 86400)
# Prerequisite results as severities: what the plan must do about them.
_SEVERITY = {"Failed": "block", "Waiting": "block", "Warning": "warn", "Info": "info", "Unknown": "unknown"}
_JOBS_REMEMBERED = 10_000


class _StatusCollector(Collector):
    """Gauges computed at scrape time from the last status written for each object."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.plans: dict[tuple[str, str], tuple[str, str, tuple[str, ...], float]] = {}
        self.findings: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            plans = dict(self.plans)
            findings = dict(self.findings)
        by_phase = GaugeMetricFamily("failback_plans", "FailbackPlans by phase.", labels=["phase"])
        for phase, count in sorted(Tally(p[0] for p in plans.values()).items()):
            by_phase.add_metric([phase], count)
        yield by_phase
        by_stage = GaugeMetricFamily("failback_items", "Protected items of plans by stage.", labels=["stage"])
        for stage, count in sorted(Tally(s for p in plans.values() for s in p[2]).items()):
            by_stage.add_metric([stage], count)
        yield by_stage
        since = GaugeMetricFamily(
            "failback_plan_phase_since_timestamp_seconds",
            "When this replica first saw each plan in its current phase and progression (Unix time).",
            labels=["namespace", "plan", "phase", "progression"],
        )
        for (namespace, name), (phase, progression, _, first_seen) in sorted(plans.items()):
            since.add_metric([namespace, name, phase, progression], first_seen)
        yield since
        by_rule = GaugeMetricFamily(
            "failback_findings",
            "Findings that did not pass on RecoveryVaults, VCenters and MasterTargets, by rule and severity.",
            labels=["rule", "severity"],
        )
        for (rule, severity), count in sorted(Tally(f for fs in findings.values() for f in fs).items()):
            by_rule.add_metric([rule, severity], count)
        yield by_rule


class OperatorMetrics:
    """Every metric of the operator on one registry (the process's default one in production)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.site_recovery_calls = Counter(
            "failback_site_recovery_calls",
            "Site Recovery calls by operation and outcome (ok, or the error's kind).",
            ["operation", "outcome"],
            registry=registry,
        )
        self.throttled_reads = Counter(
            "failback_site_recovery_throttled_reads",
            "Reads Site Recovery answered 429 (throttled); each is retried after Retry-After.",
            registry=registry,
        )
        self.read_budget_wait = Counter(
            "failback_site_recovery_read_budget_wait_seconds",
            "Seconds reads of Site Recovery waited for a token of their vault client's read budget.",
            registry=registry,
        )
        self.job_duration = Histogram(
            "failback_site_recovery_job_duration_seconds",
            "Duration of the Site Recovery jobs the plans ran, by kind of operation, once each.",
            ["kind"],
            buckets=_JOB_BUCKETS,
            registry=registry,
        )
        self.leader = Gauge(
            "failback_leader", "1 while this replica holds the operator's Lease and acts.", registry=registry
        )
        self._status = _StatusCollector()
        registry.register(self._status)
        self._jobs_seen: dict[str, None] = {}

    # -- hooks ----------------------------------------------------------------------------------

    def observe_plan(
        self, namespace: str, name: str, status: Mapping[str, Any], now: datetime | None = None
    ) -> None:
        """A plan's status as just written: its phase, its items' stages, the jobs that ended."""
        phase = str(status.get("phase") or "Pending")
        progression = str(status.get("progression") or "")
        items = status.get("items") or ()
        stages = tuple(str(i.get("stage")) for i in items if i.get("stage"))
        moment = (now or datetime.now(UTC)).timestamp()
        with self._status._lock:
            previous = self._status.plans.get((namespace, name))
            first_seen = previous[3] if previous and previous[:2] == (phase, progression) else moment
            self._status.plans[(namespace, name)] = (phase, progression, stages, first_seen)
        for item in items:
            self._observe_job(item.get("currentJob") or {})

    def _observe_job(self, job: Mapping[str, Any]) -> None:
        name, start, end = job.get("name"), job.get("startTime"), job.get("endTime")
        if not (name and start and end) or name in self._jobs_seen:
            return
        self._jobs_seen[name] = None
        while len(self._jobs_seen) > _JOBS_REMEMBERED:
            del self._jobs_seen[next(iter(self._jobs_seen))]
        seconds = (_parse(end) - _parse(start)).total_seconds()
        self.job_duration.labels(kind=str(job.get("operation") or "Unknown")).observe(max(seconds, 0.0))

    def forget_plan(self, namespace: str, name: str) -> None:
        with self._status._lock:
            self._status.plans.pop((namespace, name), None)

    def observe_prerequisites(self, kind: str, name: str, status: Mapping[str, Any]) -> None:
        """An infrastructure object's status as just written: its findings that did not pass."""
        entries: Iterable[Mapping[str, Any]] = status.get("prerequisites") or ()
        found = tuple(
            (str(e["ruleId"]), _SEVERITY[str(e.get("result"))])
            for e in entries
            if str(e.get("result")) in _SEVERITY and e.get("ruleId")
        )
        with self._status._lock:
            self._status.findings[(kind, name)] = found

    def site_recovery_call(self, operation: str, outcome: str) -> None:
        self.site_recovery_calls.labels(operation=operation, outcome=outcome).inc()


def _parse(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def serve_metrics(address: str) -> None:
    """Serve /metrics on `HOST:PORT` from a background thread (prometheus-client's own server)."""
    host, _, port = address.rpartition(":")
    start_http_server(int(port), addr=host or "0.0.0.0", registry=METRICS.registry)


def _default_registry() -> CollectorRegistry:
    from prometheus_client import REGISTRY

    return REGISTRY


METRICS = OperatorMetrics(_default_registry())
