"""`failback-operator demo`: the whole failback, walked as a person would, against real local parts.

The local control plane (etcd, kube-apiserver), vcsim seeded with the on-premises site, and the
Site Recovery simulator time-scaled; the CRDs and the chart's RBAC installed; the operator run as
its own process, signed in as the chart's ServiceAccount. Then each step a person takes is shown
as the kubectl command it is, with a board of the plans until every plan is Completed.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import shutil
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.live import Live

from failback_operator.demo import site
from failback_operator.demo.board import Board, PhaseClock, PlanRow, read_board, render_board
from failback_operator.demo.summary import mutating_calls, render_summary
from failback_operator.errors import FailbackOperatorError
from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.testenv.binaries import cache_dir
from failback_operator.testenv.chart import RBAC_KINDS, chart_documents, service_account_kubeconfig
from failback_operator.testenv.controlplane import ControlPlane, running_control_plane
from failback_operator.testenv.operator_process import OperatorProcess, running_operator
from failback_operator.testenv.processes import free_port
from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.testenv.vcsim_gaps import ENTRY as VCSIM_GAPS_ENTRY
from failback_operator.testenv.vcsim_inventory import VCSIM_MODEL

__all__ = ["DemoFailed", "DemoOptions", "run_demo"]

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVICE_ACCOUNT = "failback-operator"
# Short waits so that the demo's minutes are spent in Site Recovery's (scaled) jobs, not in sleeps.
OPERATOR_ENVIRONMENT = {
    "FAILBACK_OPERATOR_NAMESPACE": site.OPERATOR_NAMESPACE,
    "POD_NAME": "failback-operator-demo",
    "FAILBACK_ACTIVE_POLL_SECONDS": "1",
    "FAILBACK_IDLE_POLL_SECONDS": "2",
    "FAILBACK_INTENT_GRACE_SECONDS": "6",
    "FAILBACK_AGENT_RETRY_SECONDS": "1",
    "FAILBACK_RECONCILE_POLL_SECONDS": "2",
    "FAILBACK_VAULT_POLL_SECONDS": "1",
}


class DemoFailed(FailbackOperatorError, RuntimeError):
    """A step did not come true in time; the message says which."""


@dataclass
class DemoOptions:
    """How to run the demo."""

    workdir: Path = field(default_factory=lambda: cache_dir() / "demo")
    keep: bool = False
    # Simulated seconds per real second: reprotect (20 min) and resync (60 min) take half a minute.
    time_scale: float = 150.0
    # A live board when the console is a terminal; otherwise a line per change.
    live: bool | None = None
    # Seconds to leave each step on screen before the next (0 when not live).
    pause: float | None = None
    step_timeout: float = 300.0


@dataclass
class Walk:
    """The demo's parts and the person's view of them: commands shown and run, the board kept current."""

    console: Console
    options: DemoOptions
    plane: ControlPlane
    simulator: AsrSimulator
    vcsim: VcsimServer
    operator: OperatorProcess | None = None
    metrics_url: str = ""
    live: Live | None = None
    clock: PhaseClock = field(default_factory=PhaseClock)
    board: Board = field(default_factory=lambda: Board(()))
    _api: Any = None

    @property
    def manifests(self) -> Path:
        return self.options.workdir / "manifests"

    def say(self, text: str) -> None:
        self.console.print(f"\n[bold]{text}[/]")

    def run_kubectl(self, *args: str, shown: str | None = None) -> str:
        """Show the command as a person types it, then run it against the demo's control plane."""
        self.console.print(f"[green]$[/] kubectl {shown or shlex.join(args)}", highlight=False)
        output = self.plane.kubectl(*args).stdout
        for line in output.strip().splitlines():
            self.console.print(f"  {line}", markup=False, highlight=False)
        return output

    def apply(self, name: str, documents: list[dict[str, Any]]) -> None:
        """Write the objects to a file under manifests/ and `kubectl apply` it."""
        path = self.manifests / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
        self.run_kubectl("apply", "--server-side", "--force-conflicts", "-f", str(path))

    def set_action(self, plan: str, action: str) -> None:
        patch = json.dumps({"spec": {"action": action}})
        self.run_kubectl("patch", "fbp", plan, "-n", site.PLAN_NAMESPACE, "--type=merge", "-p", patch)

    def look(self) -> Board:
        from kubernetes import client

        if self._api is None:
            self._api = client.CustomObjectsApi(self.plane.api_client())
        plans = self._api.list_namespaced_custom_object(
            "failback.io", "v1alpha1", site.PLAN_NAMESPACE, "failbackplans"
        )["items"]
        master_targets = self._api.list_cluster_custom_object("failback.io", "v1alpha1", "mastertargets")[
            "items"
        ]
        self.board = read_board(plans, master_targets)
        for plan in self.clock.observe(self.board, time.monotonic()):
            if self.live is None:
                self._print_change(plan)
        if self.live is not None:
            self.live.update(render_board(self.board))
        return self.board

    def _print_change(self, plan: PlanRow) -> None:
        progression = f"/{plan.progression}" if plan.progression else ""
        ready = f" ({plan.ready} ready)" if plan.ready else ""
        self.console.print(
            f"  [cyan]{plan.name}[/] {plan.phase or '(no status)'}{progression}{ready}", highlight=False
        )
        for finding in plan.blocking:
            self.console.print(f"    [red]{finding.rule}[/] {finding.text}", highlight=False)

    def until(self, what: str, done: Callable[[Board], bool]) -> Board:
        """Keep the board current until `done`; DemoFailed after the step timeout."""
        deadline = time.monotonic() + self.options.step_timeout
        while time.monotonic() < deadline:
            board = self.look()
            if done(board):
                return board
            stuck = [p for p in board.plans if p.current and p.phase in {"Failed", "Paused"}]
            if stuck:
                raise DemoFailed(f"{stuck[0].name} is {stuck[0].phase}: {stuck[0].message}")
            time.sleep(0.5)
        raise DemoFailed(f"timed out waiting for {what}")

    def pause(self) -> None:
        if self.options.pause:
            time.sleep(self.options.pause)

    def show_board(self) -> None:
        """The board printed once (when there is no live one)."""
        if self.live is None:
            self.console.print(render_board(self.board))


def _plan(board: Board, name: str) -> PlanRow:
    found = board.plan(name)
    if found is None:
        raise DemoFailed(f"FailbackPlan {name} is not listed")
    return found


def _at(name: str, *phases: str, progression: str | None = None) -> Callable[[Board], bool]:
    def check(board: Board) -> bool:
        plan = board.plan(name)
        return (
            plan is not None
            and plan.current
            and plan.phase in phases
            and progression in (None, plan.progression)
        )

    return check


def _all(*checks: Callable[[Board], bool]) -> Callable[[Board], bool]:
    return lambda board: all(check(board) for check in checks)


def _blocked_by(name: str, rule: str) -> Callable[[Board], bool]:
    def check(board: Board) -> bool:
        plan = board.plan(name)
        # The master target's own verdict (with the remedy) is on the board, not only the plan's words.
        return (
            plan is not None
            and plan.current
            and any(f.rule == rule and f.text.startswith("Failed") for f in plan.blocking)
        )

    return check


WINDOWS, LINUX = site.PLANS


def walk_the_plans(walk: Walk) -> None:
    """The steps a person takes, each a kubectl command, and what the operator makes of them."""
    walk.say("1. Apply both plans at action Preflight: the checks only")
    walk.apply("40-failbackplans", site.plan_documents(datetime.now(UTC)))
    walk.until(
        f"{LINUX.name} to pass preflight and {WINDOWS.name} to be blocked by FB006",
        _all(_at(LINUX.name, "Completed"), _blocked_by(WINDOWS.name, "FB006")),
    )
    walk.show_board()
    walk.pause()

    walk.say("2. Raise both plans to Reprotect")
    for plan in site.PLANS:
        walk.set_action(plan.name, "Reprotect")
    walk.until(
        f"{LINUX.name} to start reprotecting while {WINDOWS.name} stays blocked",
        _all(_at(LINUX.name, "Reprotecting", "Syncing", "Completed"), _blocked_by(WINDOWS.name, "FB006")),
    )
    walk.show_board()
    walk.pause()

    walk.say(
        f"3. FB006's remedy in vCenter: delete the snapshot {site.SNAPSHOT} of master target "
        f"{WINDOWS.master_target.vm}"
    )
    walk.console.print(
        f"[green]vCenter>[/] VM {WINDOWS.master_target.vm}: Snapshots > Delete all snapshots", highlight=False
    )
    site.remove_master_target_snapshots(walk.vcsim, walk.options.workdir / "vcsim", WINDOWS.master_target.vm)
    walk.until(
        "both plans to be reprotected and in sync",
        _all(_at(WINDOWS.name, "Completed"), _at(LINUX.name, "Completed")),
    )
    walk.show_board()
    walk.pause()

    walk.say(f"4. Raise both plans to Failback: {WINDOWS.name} needs a second person's approval")
    for plan in site.PLANS:
        walk.set_action(plan.name, "Failback")
    walk.until(f"{WINDOWS.name} to wait for its approval", _at(WINDOWS.name, "WaitingForApproval"))
    walk.pause()
    walk.apply("50-failbackapproval", [site.approval_document(WINDOWS.name)])
    walk.until(
        f"{WINDOWS.name} to fail back and wait for its commit, {LINUX.name} to commit by itself",
        _all(
            _at(WINDOWS.name, "Committing", progression="WaitingForCommitAction"),
            _at(LINUX.name, "Completed"),
        ),
    )
    walk.show_board()
    walk.pause()

    walk.say(f"5. The application owners have checked the machines on-premises: commit {WINDOWS.name}")
    walk.set_action(WINDOWS.name, "Commit")
    walk.until("every plan to be Completed", _all(*(_at(p.name, "Completed") for p in site.PLANS)))
    walk.show_board()


def _expected_calls() -> list[tuple[str, str]]:
    """One reprotect per item, one failover and one commit per recovery plan (FB030)."""
    expected: list[tuple[str, str]] = []
    for plan in site.PLANS:
        expected += [("ReplicationProtectedItems_Reprotect", item) for item in plan.items]
        expected += [
            ("ReplicationRecoveryPlans_UnplannedFailover", plan.recovery_plan),
            ("ReplicationRecoveryPlans_FailoverCommit", plan.recovery_plan),
        ]
    return expected


def _conclude(walk: Walk) -> bool:
    """The summary; True when every plan is Completed and each mutating call was made exactly once."""
    walk.say("Summary")
    walk.run_kubectl("get", "fbp", "-A")
    walk.run_kubectl("get", "fba", "-A")
    records = walk.simulator.runtime.log.records()
    calls = mutating_calls(records, _expected_calls())
    walk.console.print(render_summary(walk.clock.seconds, records, calls))
    walk.console.print(f"\nThe operator's metrics ({walk.metrics_url}), in part:")
    for line in _metrics_excerpt(walk.metrics_url):
        walk.console.print(f"  {line}", markup=False, highlight=False)
    board = walk.look()
    completed = True
    for plan in site.PLANS:
        row = _plan(board, plan.name)
        completed = completed and row.completed
        walk.console.print(f"{plan.name}: {'Completed' if row.completed else row.phase or 'no status'}")
    return completed and calls.once_each


_SHOWN_METRICS = (
    "failback_plans{",
    "failback_items{",
    "failback_leader ",
    "failback_site_recovery_calls_total{",
    "failback_site_recovery_job_duration_seconds_count{",
)


def _metrics_excerpt(url: str) -> list[str]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        text = answer.read().decode()
    return [line for line in text.splitlines() if line.startswith(_SHOWN_METRICS)]


@contextlib.contextmanager
def _board(console: Console, live: bool) -> Iterator[Live | None]:
    if not live:
        yield None
        return
    with Live(console=console, refresh_per_second=4, transient=False) as shown:
        yield shown


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


def _print_how_to_look(console: Console, plane: ControlPlane, operator_kubeconfig: Path) -> None:
    kubectl = cache_dir() / "bin" / "kubectl"
    console.print("\nEverything keeps running. From another shell:")
    console.print(f"  export KUBECONFIG={plane.kubeconfig}", highlight=False)
    for command in (
        "get fbp -A",
        "get fba,mastertargets,recoveryvaults,vcenters -A",
        f"describe fbp {WINDOWS.name} -n {site.PLAN_NAMESPACE}",
        f"get events -n {site.PLAN_NAMESPACE}",
        f"auth can-i --list --as=system:serviceaccount:{site.OPERATOR_NAMESPACE}:{SERVICE_ACCOUNT}",
    ):
        console.print(f"  {kubectl} {command}", highlight=False)
    console.print(
        f"The operator signs in with {operator_kubeconfig}; its log: the demo directory's operator.log"
    )
    console.print("Press Ctrl-C to stop everything.")


def run_demo(options: DemoOptions | None = None, console: Console | None = None) -> int:
    """Run the demo; 0 when every plan is Completed with each mutating call made exactly once."""
    options = options or DemoOptions()
    if console is None:
        console = Console(soft_wrap=True)
        if not console.is_terminal:
            # A log or a pipe has no width of its own: leave the board room for its columns.
            console = Console(soft_wrap=True, width=max(console.width, 150))
    live = console.is_terminal if options.live is None else options.live
    if options.pause is None:
        options.pause = 2.0 if live else 0.0
    workdir = options.workdir
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    started = time.monotonic()
    with ExitStack() as stack:
        plane = stack.enter_context(running_control_plane(workdir / "controlplane", keep=True))
        console.print(
            f"[bold]control plane[/] {plane.server}: etcd and kube-apiserver with RBAC and an audit log"
        )
        names = plane.apply_crds(REPO_ROOT / "crds")
        console.print(f"[bold]CRDs[/] established: {', '.join(names)}")

        vcsim = stack.enter_context(run_vcsim(workdir / "vcsim", model_args=VCSIM_MODEL))
        console.print(f"[bold]vCenter[/] vcsim at {vcsim.url}:")
        for line in site.furnish_vcenter(vcsim, workdir / "vcsim"):
            console.print(f"  {line}", highlight=False)

        simulator = stack.enter_context(SimulatorThread(site.demo_scenario(), time_scale=options.time_scale))
        scenario = simulator.runtime.scenario
        console.print(
            f"[bold]Site Recovery[/] simulator at {simulator.base_url}, {options.time_scale:g}x faster than "
            f"real time: vault {scenario.vault.name}, configuration server "
            f"{scenario.configuration_server.name}, {len(scenario.items)} machines failed over and committed"
        )
        walk = Walk(console, options, plane, simulator, vcsim)
        walk.say("The operator's namespace, the application team's, and the chart's RBAC")
        walk.run_kubectl(
            "apply",
            "--server-side",
            "-f",
            str(REPO_ROOT / "examples" / "00-namespaces.yaml"),
            shown="apply --server-side -f examples/00-namespaces.yaml",
        )
        rbac = [
            d
            for d in chart_documents("--set", "crds.install=false", namespace=site.OPERATOR_NAMESPACE)
            if d["kind"] in RBAC_KINDS
        ]
        path = walk.manifests / "05-chart-rbac.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump_all(rbac, sort_keys=False), encoding="utf-8")
        console.print(
            "[green]$[/] helm template failback-operator charts/failback-operator -n failback-system "
            f"--set crds.install=false  # its {', '.join(RBAC_KINDS)}, into {path}",
            highlight=False,
        )
        walk.run_kubectl("apply", "--server-side", "-f", str(path))
        operator_kubeconfig = service_account_kubeconfig(
            plane, site.OPERATOR_NAMESPACE, SERVICE_ACCOUNT, workdir / "operator-kubeconfig"
        )

        walk.say("The vault, the vCenter and both master targets, pointed at the local parts")
        infrastructure = site.infrastructure_documents(simulator, vcsim)
        walk.apply("10-secrets", [d for d in infrastructure if d["kind"] == "Secret"])
        walk.apply("20-infrastructure", [d for d in infrastructure if d["kind"] != "Secret"])

        walk.say(
            f"The operator, as its own process, signed in as ServiceAccount "
            f"{site.OPERATOR_NAMESPACE}/{SERVICE_ACCOUNT} (a token from the TokenRequest API)"
        )
        walk.metrics_url = f"http://127.0.0.1:{free_port()}/metrics"
        walk.operator = stack.enter_context(
            running_operator(
                operator_kubeconfig,
                workdir / "operator.log",
                OPERATOR_ENVIRONMENT,
                entry=VCSIM_GAPS_ENTRY,
                standalone=False,
                extra_args=(f"--metrics={walk.metrics_url.split('/')[2]}", "--log-format=json"),
            )
        )
        console.print(
            "  failback-operator run (standing for the Lease like a replica of the Deployment); "
            "vcsim cannot model two vCenter facts, supplied by failback_operator.testenv.vcsim_gaps; "
            f"JSON logs in {workdir / 'operator.log'}, metrics at {walk.metrics_url}",
            highlight=False,
        )
        succeeded = False
        try:
            with _board(console, live) as shown:
                walk.live = shown
                walk_the_plans(walk)
            walk.live = None
            succeeded = _conclude(walk)
        except DemoFailed as failure:
            walk.live = None
            console.print(render_board(walk.board))
            console.print(f"[bold red]The demo stopped:[/] {failure}")
            console.print(walk.operator.log_tail(40), markup=False, highlight=False)
        console.print(f"\n{'Done' if succeeded else 'Failed'} in {time.monotonic() - started:.0f} s.")
        if options.keep:
            _print_how_to_look(console, plane, operator_kubeconfig)
            sys.stdout.flush()
            _wait_for_interrupt()
        return 0 if succeeded else 1
