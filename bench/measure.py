"""What a run measured, worked out from the simulator's request log and jobs, the audit log and /proc.

Times are real seconds at the simulator's time scale. A step's overhead is the time between the
moment Site Recovery made the step possible (the plan applied, the previous call answered, the
group's last machine protected, the failover job ended, the commit job ended) and the moment the
step was taken (the call reached Site Recovery, the plan said Completed). The critical-path limit
of a plan is what Site Recovery itself took: the slowest machine's reprotect job, wait for a process
server slot and resync, then the failover and commit jobs.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from failback_operator.sim.asr import AsrSimulator
from failback_operator.sim.asr.lifecycle import Operation

__all__ = [
    "ArmCounts",
    "PlanTimes",
    "ProcessUsage",
    "arm_counts",
    "critical_path_seconds",
    "kubernetes_writes",
    "percentile",
    "process_usage",
    "step_overheads",
    "sync_spans",
]

REPROTECT = "ReplicationProtectedItems_Reprotect"
PLAN_FAILOVER = "ReplicationRecoveryPlans_UnplannedFailover"
PLAN_COMMIT = "ReplicationRecoveryPlans_FailoverCommit"
_WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class PlanTimes:
    """One plan's moments, in simulated time, and when it said Completed (simulated time too)."""

    applied: datetime
    completed: datetime | None


@dataclass(frozen=True)
class ArmCounts:
    reads: int
    writes: int
    list_reads: int  # GETs of item and job lists, every page
    list_first_pages: int  # how many times a list was read from its first page
    reads_in_sync: int
    # GETs per real second while machines synced: on average, and in the busiest 10 seconds.
    read_rate_in_sync: float | None = None
    busiest_read_rate_in_sync: float | None = None
    # GETs per Site Recovery operation (list jobs, get job, get fabric...): where the reads go.
    reads_by_operation: dict[str, int] = field(default_factory=dict)


def _records(simulator: AsrSimulator, after: int, upto: int | None = None) -> list[dict[str, Any]]:
    return [
        r
        for r in simulator.runtime.log.records()
        if r["sequence"] > after and (upto is None or r["sequence"] <= upto)
    ]


def arm_counts(
    simulator: AsrSimulator, after: int, upto: int | None, sync_spans: Iterable[tuple[datetime, datetime]]
) -> ArmCounts:
    """Reads and writes the simulator received in a phase; reads while any machine was syncing."""
    records = _records(simulator, after, upto)
    spans = sorted(sync_spans)
    first = spans[0][0] if spans else None
    last = max((end for _, end in spans), default=None)
    lists = [r for r in records if r["method"] == "GET" and r["operation"].endswith("_List")]
    arrivals: list[float] = []
    if first is not None and last is not None:
        arrivals = [
            r["received_at"]
            for r in records
            if r["method"] == "GET" and first <= datetime.fromisoformat(r["simulated_time"]) <= last
        ]
    rate, busiest = read_rates(arrivals)
    return ArmCounts(
        reads=sum(1 for r in records if r["method"] == "GET"),
        writes=sum(1 for r in records if r["method"] != "GET"),
        list_reads=len(lists),
        list_first_pages=sum(1 for r in lists if "skiptoken" not in r.get("query", "").lower()),
        reads_in_sync=len(arrivals),
        read_rate_in_sync=rate,
        busiest_read_rate_in_sync=busiest,
        reads_by_operation=dict(
            Counter(r["operation"] for r in records if r["method"] == "GET").most_common()
        ),
    )


def read_rates(arrivals: Sequence[float], window: float = 10.0) -> tuple[float | None, float | None]:
    """Reads per second (wall clock) over their whole span, and in the busiest `window` seconds.

    ARM refills a principal's read budget at about 25 a second: the operator's paces are in real
    time, so this is the measure to hold against it, whatever the simulator's time scale.
    """
    if not arrivals:
        return None, None
    times = sorted(arrivals)
    span = max(times[-1] - times[0], window)
    busiest, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        busiest = max(busiest, end - start + 1)
    return len(times) / span, busiest / window


def _jobs(simulator: AsrSimulator) -> list[Any]:
    with simulator.runtime.state.lock:
        return list(simulator.runtime.state.jobs.values())


def sync_spans(simulator: AsrSimulator, items: Iterable[str]) -> list[tuple[datetime, datetime]]:
    """When each machine replicated back (from its reprotect job's end to its resync's end)."""
    state = simulator.runtime.state
    spans = []
    with state.lock:
        for name in items:
            item = state.items[name.lower()]
            reprotects = [
                j for j in state.jobs.values() if j.operation is Operation.REPROTECT and name in j.item_names
            ]
            if not reprotects or item.resync_minutes is None:
                continue
            start = max(j.plan.end() for j in reprotects)
            slot = item.resync_slot_at or start
            spans.append((start, slot + timedelta(minutes=item.resync_minutes)))
    return spans


def critical_path_seconds(simulator: AsrSimulator, items: Sequence[str], recovery_plan: str) -> float | None:
    """What Site Recovery itself took for one group, in simulated seconds (None if it did not finish)."""
    state = simulator.runtime.state
    with state.lock:
        slowest = 0.0
        for name in items:
            item = state.items[name.lower()]
            reprotect = [
                j for j in state.jobs.values() if j.operation is Operation.REPROTECT and name in j.item_names
            ]
            if not reprotect or item.resync_minutes is None:
                return None
            job = reprotect[-1]
            ended = job.plan.end()
            waited = ((item.resync_slot_at or ended) - ended).total_seconds()
            slowest = max(slowest, job.plan.duration.total_seconds() + waited + item.resync_minutes * 60)
        by_plan = [j for j in state.jobs.values() if (j.recovery_plan or "").lower() == recovery_plan.lower()]
        failover = [j for j in by_plan if j.operation is Operation.UNPLANNED_FAILOVER]
        commit = [j for j in by_plan if j.operation is Operation.COMMIT]
        if not failover or not commit:
            return None
        return slowest + failover[-1].plan.duration.total_seconds() + commit[-1].plan.duration.total_seconds()


def step_overheads(
    simulator: AsrSimulator,
    *,
    after: int,
    upto: int | None,
    plans: Mapping[str, tuple[Sequence[str], PlanTimes]],
) -> list[tuple[str, float]]:
    """Each step of every plan: its kind, and simulated seconds from when it could be taken to when it was."""
    records = _records(simulator, after, upto)
    posts = [r for r in records if r["method"] == "POST" and 200 <= int(r.get("status") or 0) < 300]
    state = simulator.runtime.state
    overheads: list[tuple[str, float]] = []
    with state.lock:
        jobs = list(state.jobs.values())
        for recovery_plan, (items, times) in plans.items():
            wanted = {i.lower() for i in items}
            own = [
                r
                for r in posts
                if (r["operation"] == REPROTECT and (r["item"] or "").lower() in wanted)
                or (
                    r["operation"] in (PLAN_FAILOVER, PLAN_COMMIT)
                    and (r["item"] or "").lower() == recovery_plan.lower()
                )
            ]
            ready = times.applied
            for record in own:
                at = datetime.fromisoformat(record["simulated_time"])
                if record["operation"] == REPROTECT:
                    overheads.append(("reprotect", (at - ready).total_seconds()))
                    ready = at  # the next call could follow this one's answer
                elif record["operation"] == PLAN_FAILOVER:
                    ends = [state.resync_end(state.items[i]) for i in wanted]
                    protected = max((e for e in ends if e is not None), default=at)
                    overheads.append(("failover", (at - protected).total_seconds()))
                else:
                    failover = [
                        j
                        for j in jobs
                        if j.operation is Operation.UNPLANNED_FAILOVER
                        and (j.recovery_plan or "").lower() == recovery_plan.lower()
                    ]
                    if failover:
                        overheads.append(("commit", (at - failover[-1].plan.end()).total_seconds()))
            commit = [
                j
                for j in jobs
                if j.operation is Operation.COMMIT
                and (j.recovery_plan or "").lower() == recovery_plan.lower()
            ]
            if commit and times.completed is not None:
                overheads.append(("completed", (times.completed - commit[-1].plan.end()).total_seconds()))
    return overheads


def kubernetes_writes(audit_log: Path, since: datetime, until: datetime) -> dict[str, int]:
    """Writes the operator made to the API server in a time span, per resource (kubectl's left out)."""
    counts: dict[str, int] = {}
    if not audit_log.exists():
        return counts
    with audit_log.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("stage") != "ResponseComplete" or event.get("verb") not in _WRITE_VERBS:
                continue
            if str(event.get("userAgent", "")).startswith(("kubectl", "kube-apiserver")):
                continue  # the benchmark's own applies, and the API server's own bookkeeping
            at = datetime.fromisoformat(event["requestReceivedTimestamp"].replace("Z", "+00:00"))
            if not since <= at <= until:
                continue
            ref = event.get("objectRef") or {}
            key = ref.get("resource", "?") + (f"/{ref['subresource']}" if ref.get("subresource") else "")
            counts[key] = counts.get(key, 0) + 1
    return counts


@dataclass
class ProcessUsage:
    """A process's memory and CPU as /proc reports them."""

    rss_bytes: int = 0
    peak_rss_bytes: int = 0
    cpu_seconds: float = 0.0
    samples: list[int] = field(default_factory=list)


def process_usage(pid: int) -> ProcessUsage:
    """VmRSS, VmHWM (peak) and user+system CPU seconds of a running process."""
    usage = ProcessUsage()
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            usage.rss_bytes = int(line.split()[1]) * 1024
        elif line.startswith("VmHWM:"):
            usage.peak_rss_bytes = int(line.split()[1]) * 1024
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    usage.cpu_seconds = (int(fields[11]) + int(fields[12])) / ticks
    return usage
