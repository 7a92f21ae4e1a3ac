"""The chaos run: plans of mixed shapes driven to Completed while the operator is killed and faults rain.

Two plans side by side in one namespace, each against its own Site Recovery simulator: a classic
plan of two recovery-plan groups and two single machines without a recovery plan (8 machines),
and a modernized group (2 machines). The operator is SIGKILLed at random moments and at named
failpoints, while the simulators lose POST answers, answer 429 and 500 (before and after
processing), stop the configuration server's heartbeat, and kube-apiserver and vcsim are restarted
(vcsim killed and started again on its port, its inventory put back as it was). At the end the
run asserts what the operator promises (docs/reliability.md) and reports its figures.

`make chaos` runs it with a baseline run first (`python -m tests.e2e.chaos --kills N`);
tests/e2e/test_chaos.py runs a CI-sized run inside `make test`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from failback_operator.failpoints import KILLED_EXIT_STATUS
from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.testenv.controlplane import ControlPlane, running_control_plane
from failback_operator.testenv.operator_process import OperatorProcess
from failback_operator.testenv.processes import free_port
from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.testenv.vcsim_inventory import capture, restore
from failback_operator.vsphere import VCenterEndpoint, vcenter_session
from tests.support.preflight_setup import GAPS_SHIM
from tests.support.vcsim_builders import VCSIM_MODEL

from .world import (
    CLASSIC_GROUPS,
    MODERNIZED,
    NAMESPACE,
    OPERATOR_ENVIRONMENT,
    RECOVERY_PLAN,
    SINGLE_MACHINES,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
# Slower than the other e2e tests, so that kills land while jobs run and items sync.
TIME_SCALE = 250
FAILPOINTS = ("before-intent", "after-intent", "after-post", "after-record")
OPERATIONS = ("Reprotect", "Failover", "Commit")
MUTATING = frozenset(
    {
        "ReplicationProtectedItems_Reprotect",
        "ReplicationProtectedItems_UnplannedFailover",
        "ReplicationProtectedItems_PlannedFailover",
        "ReplicationProtectedItems_FailoverCommit",
        "ReplicationRecoveryPlans_UnplannedFailover",
        "ReplicationRecoveryPlans_PlannedFailover",
        "ReplicationRecoveryPlans_FailoverCommit",
    }
)
FAILOVERS = frozenset(op for op in MUTATING if "Failover" in op and "Commit" not in op)
# A request written just before a kill may still reach the simulator from the socket's buffer.
IN_FLIGHT_TOLERANCE = 0.3
ERROR_LINE = re.compile(r"\[ERROR\s*\]")
CHAOS_ENVIRONMENT = {**OPERATOR_ENVIRONMENT, "FAILBACK_INTENT_GRACE_SECONDS": "4"}


@dataclass
class Figures:
    """What happened in one run, for the report and docs/reliability.md."""

    seed: int
    rounds: int = 0
    kills: int = 0
    kills_while_work_remained: int = 0
    kills_at_failpoints: Counter[str] = field(default_factory=Counter)
    random_kills: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    lost_answers_adopted: int = 0
    answers_5xx_before_processing_on_posts: int = 0
    throttled_requests: int = 0
    calls_made_again_after_no_effect: int = 0
    apiserver_restart_seconds: list[float] = field(default_factory=list)
    vcsim_restart_seconds: list[float] = field(default_factory=list)
    # Seconds from vcsim answering again until the living operator held a new kept session.
    vcsim_login_again_seconds: list[float] = field(default_factory=list)
    operator_starts: int = 0
    operator_start_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    baseline_seconds: float | None = None
    error_lines: int = 0
    tracebacks: int = 0
    metrics_scrapes: int = 0

    def report(self) -> dict[str, Any]:
        data = asdict(self)
        data["kills_at_failpoints"] = dict(self.kills_at_failpoints)
        data["faults"] = dict(self.faults)
        return data


@dataclass
class Plan:
    """One plan of the run, with the simulator that plays its vault."""

    name: str
    simulator: AsrSimulator
    items: tuple[str, ...]
    # Recovery plans the plan fails back through, and the machines failing back alone.
    recovery_plans: tuple[str, ...]
    singles: tuple[str, ...] = ()


@dataclass
class ChaosRun:
    """One run over a control plane and a vcsim; `run()` returns the figures or raises on a broken promise."""

    cluster: ControlPlane
    vcsim: VcsimServer
    workdir: Path
    kills: int = 25
    seed: int = field(default_factory=lambda: random.SystemRandom().randrange(1 << 30))
    faults: bool = True
    timeout: float = 240.0
    # Start a new round of plans when this round's are done and kills are still to come.
    repeat: bool = True
    # Seconds from applying a round's plans until their downtime window opens (FB040).
    window_opens_after: float = 35.0
    plans: list[Plan] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    # (killed at, next operator started at), wall clock.
    dead: list[tuple[float, float]] = field(default_factory=list)
    window_start: datetime = field(default_factory=lambda: datetime.now(UTC))
    window_end: datetime = field(default_factory=lambda: datetime.now(UTC))
    _killed_at: float | None = None
    _metrics_port: int = 0
    # What /metrics showed, scraped before kills and at the end.
    metrics: list[str] = field(default_factory=list)

    # --- the estate ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def estate(self) -> Iterator[None]:
        """Both simulators running, vcsim furnished, the objects and plans applied."""
        CLASSIC_GROUPS.furnish(self.vcsim, self.workdir / "vcsim")
        MODERNIZED.furnish(self.vcsim, self.workdir / "vcsim")
        suffix = uuid.uuid4().hex[:5]
        with (
            SimulatorThread(CLASSIC_GROUPS.scenario(), time_scale=TIME_SCALE) as classic,
            SimulatorThread(MODERNIZED.scenario(), time_scale=TIME_SCALE) as modern,
        ):
            self.plans = [
                Plan(
                    name=f"chaos-classic-{suffix}",
                    simulator=classic,
                    items=CLASSIC_GROUPS.items,
                    recovery_plans=(RECOVERY_PLAN, "rp-app2"),
                    singles=SINGLE_MACHINES,
                ),
                Plan(
                    name=f"chaos-modernized-{suffix}",
                    simulator=modern,
                    items=MODERNIZED.items,
                    recovery_plans=(MODERNIZED.recovery_plan,),
                ),
            ]
            self._apply(classic, modern)
            try:
                yield
            finally:
                for plan in self.plans:
                    self.cluster.kubectl(
                        "delete", "failbackplan", plan.name, "-n", NAMESPACE, "--wait=false", check=False
                    )

    def _apply(self, classic: AsrSimulator, modern: AsrSimulator) -> None:
        now = datetime.now(UTC)
        # Failback may start only some seconds in: no failover may come before the window opens.
        self.window_start = (now + timedelta(seconds=self.window_opens_after)).replace(microsecond=0)
        self.window_end = now + timedelta(hours=2)
        window = {
            "start": self.window_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": self.window_end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        classic_setup = CLASSIC_GROUPS.setup(classic, self.vcsim)
        modern_setup = MODERNIZED.setup(modern, self.vcsim)
        # Each vault signs in with its own service principal.
        modern_secret = modern_setup.secrets[0]
        modern_secret["metadata"]["name"] = "vault-sp-rcm"
        modern_setup.vault["spec"]["credentials"]["secretRef"]["name"] = "vault-sp-rcm"
        classic_setup.vcenter["spec"]["runAsUser"] = "vcenteruser"
        documents: list[dict[str, Any]] = [
            *classic_setup.secrets,
            modern_secret,
            classic_setup.vault,
            modern_setup.vault,
            classic_setup.vcenter,
            classic_setup.master_target,
            modern_setup.master_target,
        ]
        for setup, plan in ((classic_setup, self.plans[0]), (modern_setup, self.plans[1])):
            body = setup.plans[0]
            body["metadata"]["name"] = plan.name
            body["spec"].update({"action": "Commit", "run": "run-1", "window": window})
            documents.append(body)
        documents.append(
            {
                "apiVersion": "failback.io/v1alpha1",
                "kind": "FailbackApproval",
                "metadata": {"name": f"{self.plans[0].name}-run-1", "namespace": NAMESPACE},
                "spec": {"planRef": {"name": self.plans[0].name}, "run": "run-1", "approver": "ops-lead"},
            }
        )
        self.cluster.kubectl(
            "apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump_all(documents)
        )

    # --- the operator ---------------------------------------------------------------------------

    def _operator(self, failpoint: str | None) -> OperatorProcess:
        log = self.workdir / f"operator-{len(self.logs):03d}.log"
        self.logs.append(log)
        environment = dict(CHAOS_ENVIRONMENT)
        if failpoint:
            environment["FAILBACK_FAILPOINTS"] = failpoint
        self._metrics_port = free_port()
        process = OperatorProcess(
            self.cluster.kubeconfig,
            log,
            environment,
            entry=(str(GAPS_SHIM),),
            extra_args=(f"--metrics=127.0.0.1:{self._metrics_port}",),
        )
        process.start()
        return process

    def _scrape(self) -> None:
        """Keep what the operator's metrics show, to search for secrets at the end."""
        url = f"http://127.0.0.1:{self._metrics_port}/metrics"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            self.metrics.append(answer.read().decode(errors="replace"))

    def _kill(self, operator: OperatorProcess) -> None:
        assert operator.process is not None
        assert operator.process.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(operator.process.process.pid, signal.SIGKILL)
        operator.process.process.wait(timeout=30)

    # --- the plans ------------------------------------------------------------------------------

    def _status(self, plan: Plan) -> dict[str, Any]:
        found = self.cluster.kubectl(
            "get", "failbackplan", plan.name, "-n", NAMESPACE, "-o", "json", check=False, timeout=20
        )
        if found.returncode != 0:
            return {}
        status: dict[str, Any] = json.loads(found.stdout).get("status") or {}
        return status

    def _all_completed(self) -> bool:
        return all(self._status(p).get("phase") == "Completed" for p in self.plans)

    def _stopped(self) -> list[str]:
        """Plans that stopped for a person (Paused, Failed): the run has failed its promise."""
        stuck = []
        for plan in self.plans:
            status = self._status(plan)
            if status.get("phase") in {"Paused", "Failed"}:
                stuck.append(
                    f"{plan.name}: {status.get('phase')}/{status.get('progression')}: {status.get('message')}"
                )
        return stuck

    # --- faults ---------------------------------------------------------------------------------

    def _inject(self, rng: random.Random, figures: Figures, operator: OperatorProcess) -> list[Any]:
        """Faults for this operator's life; returns what to undo when it ends."""
        undo: list[Any] = []
        if not self.faults:
            return undo
        for plan in self.plans:
            runtime = plan.simulator.runtime
            roll = rng.random()
            if roll < 0.25:
                mode = rng.choice(["drop", "500"])
                runtime.set_faults(lose_post_responses=1, lose_post_mode=mode)
                figures.faults[f"post answer lost ({mode}) armed"] += 1
            elif roll < 0.4:
                runtime.set_faults(post_server_errors=1)
                figures.faults["POST answered 500 before processing armed"] += 1
            elif roll < 0.5:
                runtime.set_faults(server_errors=rng.randint(1, 3))
                figures.faults["reads answered 500 armed"] += 1
            elif roll < 0.6:
                throttling = runtime.state.faults.throttling
                runtime.set_faults(
                    throttling=throttling.model_copy(
                        update={"write_burst": 1, "write_refill_per_second": 0.2, "read_burst": 5}
                    )
                )
                figures.faults["throttling"] += 1
                undo.append(lambda r=runtime, t=throttling: r.set_faults(throttling=t))
        return undo

    def _vault_ready(self, plan: Plan) -> str | None:
        vault = "pwstestvault" if plan is self.plans[0] else "rcm-vault-150"
        found = self.cluster.kubectl("get", "recoveryvault", vault, "-o", "json", check=False, timeout=20)
        if found.returncode != 0:
            return None
        conditions = json.loads(found.stdout).get("status", {}).get("conditions", [])
        return next((c["status"] for c in conditions if c["type"] == "Ready"), None)

    def _heartbeat_gap(self, plan: Plan, rng: random.Random, figures: Figures) -> None:
        """The gap began before this operator started: its vault must say so, and no call may be made.

        The gap lasts 2-4 s, and on until the vault says so (within 30 s), however long this
        operator took to start on a loaded machine.
        """
        deadline = time.monotonic() + rng.uniform(2.0, 4.0)
        noticed_by = time.monotonic() + 30.0
        seen = None
        while time.monotonic() < noticed_by:
            seen = self._vault_ready(plan)
            if seen in {"False", "Unknown"}:
                figures.faults["heartbeat gap seen as vault Ready False/Unknown"] += 1
                break
            time.sleep(0.2)
        time.sleep(max(0.0, deadline - time.monotonic()))
        plan.simulator.runtime.set_heartbeat_stopped(False)
        assert seen in {"False", "Unknown"}, f"vault of {plan.name} stayed Ready={seen} through 30 s of gap"

    def _vcsim_endpoint(self) -> VCenterEndpoint:
        return self.vcsim.endpoint

    def _vcsim_restart(self, operator: OperatorProcess, rng: random.Random, figures: Figures) -> None:
        """vcsim SIGKILLed and started again on its port while the operator lives: it must log in again.

        vcsim keeps its inventory in memory only, so the run reads it just before the kill and puts
        it back (same names, UUIDs, disks, power states) before the operator may look again: it is
        stopped (SIGSTOP) from vcsim's start until the inventory is back, as a vCenter comes back
        with its inventory. The down time itself the operator lives through.
        """
        with vcenter_session(self._vcsim_endpoint()) as session:
            before = capture(session)
        assert operator.process is not None
        assert operator.process.process is not None
        pid = operator.process.process.pid
        started = time.monotonic()
        self.vcsim.process.end(signal.SIGKILL)
        time.sleep(rng.uniform(0.5, 2.0))
        os.kill(pid, signal.SIGSTOP)
        try:
            self.vcsim.restart()
            with vcenter_session(self._vcsim_endpoint()) as session:
                restore(session, before)
                after = capture(session)
        finally:
            os.kill(pid, signal.SIGCONT)
        figures.vcsim_restart_seconds.append(round(time.monotonic() - started, 2))
        figures.faults["vcsim restarted"] += 1
        assert after == before, "vcsim's inventory did not come back as it was"
        figures.vcsim_login_again_seconds.append(round(self._operator_logged_in_again(), 2))

    def _operator_logged_in_again(self, timeout: float = 20.0) -> float:
        """Seconds until vcsim shows a session of the operator kept across two looks (a new login)."""
        started = time.monotonic()
        seen: dict[str, float] = {}
        with vcenter_session(self._vcsim_endpoint()) as session:
            manager = session.content.sessionManager
            own = manager.currentSession.key
            while time.monotonic() - started < timeout:
                now = time.monotonic()
                keys = {s.key for s in manager.sessionList or []} - {own}
                seen = {key: seen.get(key, now) for key in keys}
                # A look's own login lasts one read; the kept session outlives several looks.
                if any(now - first >= 1.5 for first in seen.values()):
                    return now - started
                time.sleep(0.2)
        raise AssertionError(
            f"the operator did not log in to vcsim again within {timeout:.0f}s of its restart"
        )

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> Figures:
        rng = random.Random(self.seed)
        figures = Figures(seed=self.seed)
        started = time.monotonic()
        deadline = started + self.timeout
        self.workdir.mkdir(parents=True, exist_ok=True)
        while True:
            figures.rounds += 1
            with self.estate():
                self._round(rng, figures, deadline)
                self._check_round(figures)
            if not self.repeat or figures.kills >= self.kills:
                break
        figures.seconds = round(time.monotonic() - started, 1)
        self._check_logs(figures)
        return figures

    def _round(self, rng: random.Random, figures: Figures, deadline: float) -> None:
        """Operators started and killed until this round's plans are Completed (and the kills are done)."""
        # Where in the run the one-off faults come: by kill number.
        apiserver_restarts = (
            {self.kills // 2, *({5 * self.kills // 6} if self.kills > 40 else set())}
            if self.faults
            else set()
        )
        heartbeat_gaps = {max(1, self.kills // 4), max(4, self.kills // 2)} if self.faults else set()
        vcsim_restarts = {max(5, 3 * self.kills // 4)} if self.faults else set()
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"the plans did not complete in {self.timeout:.0f}s: {self._summary()}")
            stuck = self._stopped()
            assert not stuck, f"a plan stopped for a person: {stuck}"
            if self.repeat and self._all_completed():
                return  # the next round brings new work for the kills still to come
            killing = figures.kills < self.kills
            failpoint = None
            # The operator that lives through vcsim's restart must live on to show it logged in again.
            if killing and figures.kills + 1 not in vcsim_restarts and rng.random() < 0.6:
                point = rng.choice(FAILPOINTS)
                failpoint = point if rng.random() < 0.5 else f"{point}:{rng.choice(OPERATIONS)}"
            gap = None
            if killing and figures.kills + 1 in heartbeat_gaps:
                gap = self.plans[figures.kills % len(self.plans)]
                gap.simulator.runtime.set_heartbeat_stopped(True)
                figures.faults["configuration server heartbeat gap"] += 1
            if self._killed_at is not None:
                self.dead.append((self._killed_at, time.time()))
                self._killed_at = None
            starting = time.monotonic()
            operator = self._operator(failpoint)
            figures.operator_starts += 1
            figures.operator_start_seconds.append(round(time.monotonic() - starting, 2))
            undo = self._inject(rng, figures, operator)
            try:
                if not killing:
                    while not self._all_completed():
                        assert time.monotonic() < deadline, f"no completion: {self._summary()}"
                        stuck = self._stopped()
                        assert not stuck, f"a plan stopped for a person: {stuck}"
                        time.sleep(0.5)
                    self._scrape()
                    return
                number = figures.kills + 1
                if gap is not None:
                    self._heartbeat_gap(gap, rng, figures)
                if number in apiserver_restarts:
                    figures.apiserver_restart_seconds.append(
                        round(self.cluster.restart_apiserver(rng.uniform(0.5, 2.0)), 2)
                    )
                if number in vcsim_restarts:
                    self._vcsim_restart(operator, rng, figures)
                life = rng.uniform(0.3, 2.0) if failpoint is None else rng.uniform(2.0, 4.0)
                assert operator.process is not None
                assert operator.process.process is not None
                try:
                    status = operator.process.process.wait(timeout=life)
                except subprocess.TimeoutExpired:
                    self._scrape()
                    self._kill(operator)
                    figures.random_kills += 1
                else:
                    assert status == KILLED_EXIT_STATUS, operator.log_tail()
                    figures.kills_at_failpoints[failpoint or "?"] += 1
                figures.kills += 1
                self._killed_at = time.time()
                if not self._all_completed():
                    figures.kills_while_work_remained += 1
            finally:
                for step in undo:
                    step()
                operator.stop()

    def _summary(self) -> str:
        return json.dumps({p.name: self._status(p).get("message") for p in self.plans}, indent=1)

    # --- the promises ---------------------------------------------------------------------------

    def _check_round(self, figures: Figures) -> None:
        for plan in self.plans:
            records = plan.simulator.runtime.log.records()
            state = plan.simulator.runtime.state
            with state.lock:
                # A recovery-plan job's per-machine child jobs are its own work, not further calls.
                jobs = [
                    {"scenarioName": job.scenario_name, "items": list(job.item_names)}
                    for job in state.jobs.values()
                    if job.child_of is None
                ]
            self._one_job_each(plan, jobs)
            self._no_request_while_dead(plan, records)
            self._failovers_in_window(plan, records)
            figures.lost_answers_adopted += sum(
                1 for r in records if (r["fault"] or "").startswith("response_lost") and r["job_id"]
            )
            figures.answers_5xx_before_processing_on_posts += sum(
                1 for r in records if r["fault"] == "server_error" and r["method"] == "POST"
            )
            figures.throttled_requests += sum(1 for r in records if r["fault"] == "throttled")
            refused = [
                r
                for r in records
                if r["operation"] in MUTATING and 400 <= r["status"] < 500 and r["status"] != 429
            ]
            assert not refused, f"{plan.name}: Site Recovery refused calls: {refused}"
        figures.calls_made_again_after_no_effect += sum(
            1 for e in self._events() if e["reason"] == "CallTookNoEffect"
        )
        self._no_secret_anywhere()

    def _check_logs(self, figures: Figures) -> None:
        figures.metrics_scrapes = len(self.metrics)
        lines = [line for log in self.logs for line in log.read_text(errors="replace").splitlines()]
        figures.error_lines = sum(1 for line in lines if ERROR_LINE.search(line))
        figures.tracebacks = sum(1 for line in lines if line.startswith("Traceback"))

    def _one_job_each(self, plan: Plan, jobs: list[dict[str, Any]]) -> None:
        """Exactly one reprotect, failover and commit job for every machine."""
        per_item: Counter[tuple[str, str]] = Counter()
        for job in jobs:
            kind = {
                "SwitchReplicationGroupProtection": "reprotect",
                "UnplannedFailover": "failover",
                "PlannedFailover": "failover",
                "CommitFailover": "commit",
            }.get(job["scenarioName"])
            if kind is None:
                continue
            for name in job["items"]:
                per_item[(name.casefold(), kind)] += 1
        for name in plan.items:
            for kind in ("reprotect", "failover", "commit"):
                assert per_item[(name.casefold(), kind)] == 1, (
                    f"{plan.name}: {kind} jobs of {name}: {per_item}"
                )

    def _no_request_while_dead(self, plan: Plan, records: list[dict[str, Any]]) -> None:
        for killed, restarted in self.dead:
            during = [
                r
                for r in records
                if killed + IN_FLIGHT_TOLERANCE < r["received_at"] < restarted and r["operation"] != "Unknown"
            ]
            assert not during, f"{plan.name}: requests while no operator was alive: {during}"

    def _failovers_in_window(self, plan: Plan, records: list[dict[str, Any]]) -> None:
        for record in records:
            if record["operation"] in FAILOVERS:
                at = datetime.fromtimestamp(record["received_at"], UTC)
                assert self.window_start <= at <= self.window_end, f"failover outside its window: {record}"

    def _events(self) -> list[dict[str, Any]]:
        listed = self.cluster.kubectl("get", "events", "-n", NAMESPACE, "-o", "json").stdout
        events: list[dict[str, Any]] = json.loads(listed)["items"]
        names = {p.name for p in self.plans}
        return [e for e in events if e["involvedObject"]["name"] in names]

    def _no_secret_anywhere(self) -> None:
        secrets = [p.simulator.client_secret for p in self.plans] + [
            self.vcsim.password,
            self.cluster.admin_token,
        ]
        places = {
            "events": json.dumps(self._events()),
            **{
                kind: self.cluster.kubectl("get", kind, "-A", "-o", "json").stdout
                for kind in ("failbackplans", "recoveryvaults", "mastertargets", "vcenters")
            },
            **{log.name: log.read_text(errors="replace") for log in self.logs},
            "metrics": "\n".join(self.metrics),
        }
        for place, text in places.items():
            for secret in secrets:
                assert secret not in text, f"a secret appears in {place}"


def main(argv: list[str] | None = None) -> int:
    """`make chaos`: a run without faults for the baseline, then the chaos run; prints the figures."""
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.chaos", description=__doc__)
    parser.add_argument("--kills", type=int, default=60, help="operator kills in the run (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="random seed, to repeat a run")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before the run fails")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without faults")
    parser.add_argument("--keep", type=Path, default=None, help="keep logs and the report in this directory")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="failback-chaos-"))
    with running_control_plane(workdir / "controlplane") as cluster:
        cluster.apply_crds(REPO_ROOT / "crds")
        cluster.kubectl("apply", "--server-side", "-f", str(REPO_ROOT / "examples/00-namespaces.yaml"))
        with run_vcsim(workdir / "vcsim", model_args=VCSIM_MODEL) as vcsim:
            baseline = None
            if not args.no_baseline:
                calm = ChaosRun(
                    cluster, vcsim, workdir / "baseline", kills=0, faults=False, timeout=args.timeout
                )
                baseline = calm.run().seconds
            chaos = ChaosRun(cluster, vcsim, workdir / "chaos", kills=args.kills, timeout=args.timeout)
            if args.seed is not None:
                chaos.seed = args.seed
            figures = chaos.run()
            figures.baseline_seconds = baseline
    report = json.dumps(figures.report(), indent=2)
    (workdir / "chaos-report.json").write_text(report)
    print(report)
    print(f"logs and report: {workdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
