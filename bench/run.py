"""One benchmark run: the real API server, vcsim and one simulator; the operator, then the two scripts.

The operator runs as its own process with default settings (only its namespace is set). Its plans
go all the way (action Commit, no approval, window open, commit Auto); the scripts take the same
number of machines, each on machines of their own, on the same simulator.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import yaml
from kubernetes.client import CustomObjectsApi

from bench.estate import (
    DATASTORE,
    NAMESPACE,
    OPERATOR,
    PARALLEL,
    SEQUENTIAL,
    BenchParams,
    bench_scenario,
    cluster_objects,
    master_target_names,
)
from bench.measure import (
    ArmCounts,
    PlanTimes,
    arm_counts,
    critical_path_seconds,
    kubernetes_writes,
    median,
    percentile,
    process_usage,
    step_overheads,
    sync_spans,
)
from bench.scripts import run_parallel_script, run_sequential_script
from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.testenv.controlplane import ControlPlane, running_control_plane
from failback_operator.testenv.operator_process import OperatorProcess
from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.testenv.vcsim_gaps import ENTRY as VCSIM_GAPS_ENTRY
from failback_operator.vsphere import vcenter_session

__all__ = ["ContenderResult", "OperatorResult", "RunResult", "run_bench"]

REPO_ROOT = Path(__file__).resolve().parents[1]
VCSIM_MODEL = ("-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "1", "-vm", "1", "-ds", "1")
MASTER_TARGET_HOST = "DC0_H0"


@dataclass
class ContenderResult:
    """One row of the table."""

    label: str
    seconds: float | None  # to Completed, real seconds
    arm_reads: int
    arm_writes: int
    machines: int
    failed: list[str] = field(default_factory=list)

    @property
    def calls_per_item(self) -> float:
        return (self.arm_reads + self.arm_writes) / self.machines


@dataclass
class OperatorResult:
    """What the operator's run measured beyond the table's row."""

    plans: int
    completed: int
    first_look_seconds: float | None
    step_overhead_median: float | None
    step_overhead_p99: float | None
    # Median per kind of step: the calls (reprotect, failover, commit) and the plan saying Completed.
    step_overhead_by_kind: dict[str, float | None]
    end_to_end_median: float | None
    limit_median: float | None
    ratio_median: float | None
    ratio_max: float | None
    reads_per_item: float
    writes_per_item: float
    reads_per_item_hour_in_sync: float | None
    # ARM GETs per real second while machines synced: on average and in the busiest 10 seconds.
    read_rate_in_sync: float | None
    busiest_read_rate_in_sync: float | None
    reads_per_list: float | None
    pages_per_list: int
    kubernetes_writes_per_plan: float
    kubernetes_writes: dict[str, int]
    rss_idle_mib: float
    peak_rss_mib: float
    memory_per_plan_kib: float | None
    cpu_seconds: float
    master_targets: int
    # The operator's GETs per Site Recovery operation.
    reads_by_operation: dict[str, int] = field(default_factory=dict)


@dataclass
class RunResult:
    params: dict[str, Any]
    started: str
    operator: OperatorResult
    rows: list[ContenderResult]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, default=str)


def _furnish_vcsim(server: VcsimServer, master_targets: list[str], workdir: Path) -> None:
    """The master target VMs on one ESXi host with a VMFS datastore (the machines come home as new VMs)."""
    from tests.support.vcsim_builders import Inventory

    endpoint = server.endpoint
    with vcenter_session(endpoint) as session:
        built = Inventory(session=session, workdir=workdir)
        host = built.host(MASTER_TARGET_HOST)
        built.nas_datastore(host, DATASTORE, "VMFS")
        for name in master_targets:
            built.create_vm(name, host=host, datastore=DATASTORE)


def _apply(cluster: ControlPlane, documents: list[dict[str, Any]]) -> None:
    # A minute, and more for a large estate: a thousand plans take a while on a busy machine.
    cluster.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        "-",
        input=yaml.safe_dump_all(documents),
        timeout=max(60.0, len(documents) * 0.3),
    )


@contextmanager
def _parts(workdir: Path, params: BenchParams) -> Iterator[tuple[ControlPlane, VcsimServer, AsrSimulator]]:
    with running_control_plane(workdir / "controlplane") as cluster:
        cluster.apply_crds(REPO_ROOT / "crds")
        _apply(cluster, list(yaml.safe_load_all((REPO_ROOT / "examples" / "00-namespaces.yaml").read_text())))
        with run_vcsim(workdir / "vcsim", model_args=VCSIM_MODEL) as vcsim:
            _furnish_vcsim(vcsim, master_target_names(params), workdir / "datastores")
            with SimulatorThread(bench_scenario(params), time_scale=params.time_scale) as simulator:
                yield cluster, vcsim, simulator


def _last_sequence(simulator: AsrSimulator) -> int:
    records = simulator.runtime.log.records()
    return int(records[-1]["sequence"]) if records else 0


def watch_interval(params: BenchParams) -> float:
    """How often the benchmark lists the plans: four times a second for a few (a plan's end is seen
    at most this late), less often for many or large ones. Each list carries every plan's status:
    at 200 plans of 25 machines about 6 MB, which the API server, shared with the operator, builds
    and the simulator's process, shared with the benchmark, parses."""
    return max(0.25, params.plans / 200, params.plans * params.items / 1000)


def _watch_plans(
    cluster: ControlPlane, params: BenchParams, simulator: AsrSimulator, deadline: float, pid: int
) -> tuple[dict[str, datetime], float | None, int]:
    """Poll the plans until all are Completed: when each was, and when all had a status."""
    api_client = cluster.api_client()
    custom = CustomObjectsApi(api_client)
    completed: dict[str, datetime] = {}
    # Plans Failed or Paused: a run with such plans ends without them, and says so.
    stuck: dict[str, str] = {}
    first_look: float | None = None
    started = time.monotonic()
    peak = 0
    try:
        while time.monotonic() < deadline:
            listed = cast(
                dict[str, Any],
                custom.list_namespaced_custom_object("failback.io", "v1alpha1", NAMESPACE, "failbackplans"),
            )
            now = simulator.runtime.clock.now()
            looked = 0
            for plan in listed["items"]:
                status = plan.get("status") or {}
                if status.get("observedGeneration") == plan["metadata"]["generation"]:
                    looked += 1
                name = plan["metadata"]["name"]
                if status.get("phase") == "Completed" and name not in completed:
                    completed[name] = now
                if status.get("phase") in {"Failed", "Paused"}:
                    stuck[name] = f"{status.get('phase')}: {status.get('message')}"
                else:
                    stuck.pop(name, None)
            if first_look is None and looked == params.plans:
                first_look = time.monotonic() - started
            peak = max(peak, process_usage(pid).rss_bytes)
            if len(completed) + len(stuck) >= params.plans:
                break
            time.sleep(watch_interval(params))
    finally:
        api_client.close()
    for name, why in sorted(stuck.items())[:5]:
        print(f"plan {name} is {why}", file=sys.stderr)
    return completed, first_look, peak


def _operator_phase(
    workdir: Path, params: BenchParams, cluster: ControlPlane, vcsim: VcsimServer, simulator: AsrSimulator
) -> tuple[OperatorResult, ContenderResult]:
    scenario = simulator.runtime.scenario
    shared, plans = cluster_objects(
        params,
        simulator_url=simulator.base_url,
        simulator_ca=Path(simulator.ca_file).read_text(encoding="utf-8"),
        scenario=scenario,
        identity=(simulator.tenant, simulator.client_id, simulator.client_secret),
        vcenter=(
            vcsim.host,
            vcsim.port,
            vcsim.user,
            vcsim.password,
            vcsim.ca_file.read_text(encoding="utf-8"),
        ),
    )
    _apply(cluster, shared)
    operator = OperatorProcess(
        cluster.kubeconfig,
        workdir / "operator.log",
        {"FAILBACK_OPERATOR_NAMESPACE": "failback-system"},
        # Fills the two facts vcsim cannot model (see that module); everything else is the real operator.
        entry=VCSIM_GAPS_ENTRY,
        verbose=params.operator_verbose,
    )
    operator.start()
    try:
        assert operator.process is not None
        assert operator.process.process is not None
        pid = operator.process.process.pid
        time.sleep(5)  # the vault, vCenter and master targets looked at once
        idle = process_usage(pid)
        before = _last_sequence(simulator)
        wall_start = datetime.now(UTC)
        applied_sim = simulator.runtime.clock.now()
        started = time.monotonic()
        _apply(cluster, plans)
        completed, first_look, _ = _watch_plans(
            cluster, params, simulator, started + params.timeout_seconds, pid
        )
        seconds = time.monotonic() - started if len(completed) == params.plans else None
        usage = process_usage(pid)
        upto = _last_sequence(simulator)
        wall_end = datetime.now(UTC)
    finally:
        operator.stop()

    scale = params.time_scale
    groups = {
        OPERATOR.recovery_plan(p): (
            [OPERATOR.item(p, i) for i in range(params.items)],
            PlanTimes(applied=applied_sim, completed=completed.get(OPERATOR.plan_name(p))),
        )
        for p in range(params.plans)
    }
    steps = [
        (kind, o / scale) for kind, o in step_overheads(simulator, after=before, upto=upto, plans=groups)
    ]
    overheads = [o for _, o in steps]
    by_kind = {
        kind: median([o for k, o in steps if k == kind]) for kind in dict.fromkeys(k for k, _ in steps)
    }
    limits, ratios, ends = [], [], []
    for recovery_plan, (items, times) in groups.items():
        limit = critical_path_seconds(simulator, items, recovery_plan)
        if limit is None or times.completed is None:
            continue
        end = (times.completed - times.applied).total_seconds() / scale
        limits.append(limit / scale)
        ends.append(end)
        ratios.append(end / (limit / scale))
    machines = params.machines
    spans = sync_spans(simulator, [i for items, _ in groups.values() for i in items])
    counts: ArmCounts = arm_counts(simulator, before, upto, spans)
    item_hours = sum((end - start).total_seconds() for start, end in spans) / 3600
    writes = kubernetes_writes(cluster.audit_log, wall_start - timedelta(seconds=1), wall_end)
    jobs = len(simulator.runtime.state.jobs)
    items_in_vault = len(simulator.runtime.state.items)
    page = scenario.page_size
    result = OperatorResult(
        plans=params.plans,
        completed=len(completed),
        first_look_seconds=first_look,
        step_overhead_median=median(overheads),
        step_overhead_p99=percentile(overheads, 0.99),
        step_overhead_by_kind=by_kind,
        end_to_end_median=median(ends),
        limit_median=median(limits),
        ratio_median=median(ratios),
        ratio_max=max(ratios) if ratios else None,
        reads_per_item=counts.reads / machines,
        writes_per_item=counts.writes / machines,
        reads_per_item_hour_in_sync=(counts.reads_in_sync / item_hours) if item_hours else None,
        read_rate_in_sync=counts.read_rate_in_sync,
        busiest_read_rate_in_sync=counts.busiest_read_rate_in_sync,
        reads_per_list=(counts.list_reads / counts.list_first_pages) if counts.list_first_pages else None,
        pages_per_list=max(math.ceil(items_in_vault / page), math.ceil(max(jobs, 1) / page)),
        kubernetes_writes_per_plan=sum(writes.values()) / params.plans,
        kubernetes_writes=writes,
        rss_idle_mib=idle.rss_bytes / 2**20,
        peak_rss_mib=usage.peak_rss_bytes / 2**20,
        memory_per_plan_kib=((usage.peak_rss_bytes - idle.rss_bytes) / 1024 / params.plans),
        cpu_seconds=usage.cpu_seconds,
        master_targets=len(master_target_names(params)),
        reads_by_operation=counts.reads_by_operation,
    )
    row = ContenderResult(OPERATOR.label, seconds, counts.reads, counts.writes, machines)
    return result, row


def _script_row(simulator: AsrSimulator, label: str, run: Any, machines: int) -> ContenderResult:
    before = _last_sequence(simulator)
    outcome = run()
    records = [r for r in simulator.runtime.log.records() if r["sequence"] > before]
    reads = sum(1 for r in records if r["method"] == "GET")
    return ContenderResult(label, outcome.seconds, reads, len(records) - reads, machines, outcome.failed)


def run_bench(params: BenchParams, workdir: Path) -> RunResult:
    """Everything in one invocation, on one simulator."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with _parts(workdir, params) as (cluster, vcsim, simulator):
        operator, operator_row = _operator_phase(workdir, params, cluster, vcsim, simulator)
        rows = [operator_row]
        if params.scripts:
            groups = [
                (PARALLEL.recovery_plan(p), [PARALLEL.item(p, i) for i in range(params.items)])
                for p in range(params.plans)
            ]
            rows.append(
                _script_row(
                    simulator,
                    PARALLEL.label,
                    lambda: run_parallel_script(simulator, groups, poll_seconds=params.script_poll_seconds),
                    params.machines,
                )
            )
            machines = [SEQUENTIAL.item(p, i) for p in range(params.plans) for i in range(params.items)]
            simulator.runtime.clock.set_time_scale(params.time_scale * params.sequential_speedup)
            try:
                rows.append(
                    _script_row(
                        simulator,
                        SEQUENTIAL.label,
                        lambda: run_sequential_script(
                            simulator,
                            machines,
                            poll_seconds=params.script_poll_seconds,
                            speedup=params.sequential_speedup,
                        ),
                        params.machines,
                    )
                )
            finally:
                simulator.runtime.clock.set_time_scale(params.time_scale)
        # The simulator's request log and jobs, for a closer look at a kept work directory.
        with simulator.runtime.state.lock:
            jobs = [
                {
                    "id": j.id,
                    "operation": str(j.operation),
                    "target": j.target_object_name,
                    "start": j.plan.start.isoformat(),
                    "end": j.plan.end().isoformat(),
                }
                for j in simulator.runtime.state.jobs.values()
            ]
        (workdir / "simulator.json").write_text(
            json.dumps({"requests": simulator.runtime.log.records(), "jobs": jobs}, indent=0, default=str)
        )
    return RunResult(params=asdict(params), started=started, operator=operator, rows=rows)
