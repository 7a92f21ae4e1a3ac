"""The end-to-end world: the API server, a fresh Site Recovery simulator per test, one vcsim, the operator."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.sim.asr.scenario import Disk, ProtectedItemSpec, Scenario
from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.operator_process import OperatorProcess, running_operator
from failback_operator.testenv.vcsim import VcsimServer
from failback_operator.vsphere import vcenter_session
from tests.support.asr_sim import scenario
from tests.support.preflight_setup import GAPS_SHIM, Setup, classic_setup, modernized_setup
from tests.support.vcsim_builders import MASTER_TARGET_HOST, Inventory

MASTER_TARGET = "V2A-PS-200"
DATASTORE = "datastore1"
ITEMS = ("V2A-W2K16-201-new", "V2A-W2K19-202-new")
ON_PREMISES_VMS = ("V2A-W2K16-201", "V2A-W2K19-202")
RECOVERY_PLAN = "rp-app1"
NAMESPACE = "team-apps"
# Simulated seconds per real second: reprotect (20 min) takes 0.4 s, resync (60 min) 1.2 s.
TIME_SCALE = 3000

OPERATOR_ENVIRONMENT = {
    "FAILBACK_OPERATOR_NAMESPACE": "failback-system",
    "FAILBACK_ACTIVE_POLL_SECONDS": "0.5",
    "FAILBACK_IDLE_POLL_SECONDS": "1",
    "FAILBACK_INTENT_GRACE_SECONDS": "6",
    "FAILBACK_AGENT_RETRY_SECONDS": "1",
}


def e2e_scenario() -> Scenario:
    """Classic Windows, the master target on the items' newest OS, the vCenter at vcsim's address."""
    base = scenario("classic-windows", vcenter_host="127.0.0.1")
    master_targets = [
        mt.model_copy(update={"os_version": "Microsoft Windows Server 2019 Datacenter"})
        if mt.name == MASTER_TARGET
        else mt
        for mt in base.master_targets
    ]
    faults = base.faults.model_copy(update={"agent_not_installed_minutes": 0})
    return base.model_copy(update={"master_targets": master_targets, "faults": faults})


@dataclass
class World:
    """One test's cluster objects, simulator and operator processes."""

    cluster: ControlPlane
    simulator: AsrSimulator
    vcsim: VcsimServer
    workdir: Path
    plan: str
    logs: list[Path] = field(default_factory=list)
    # The objects a user applies; None for the classic Windows group of `e2e_scenario`.
    setup: Callable[[AsrSimulator, VcsimServer], Setup] | None = None

    def apply(self, documents: list[dict[str, Any]]) -> None:
        self.cluster.kubectl(
            "apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump_all(documents)
        )

    def create_plan(self, action: str = "Reprotect", run: str = "run-1", **spec: Any) -> None:
        """The vault, vCenter and master target pointed at this test's parts; a plan named for the test."""
        if self.setup is not None:
            setup = self.setup(self.simulator, self.vcsim)
        else:
            setup = classic_setup(self.simulator, self.vcsim, master_target_vm=MASTER_TARGET)
        setup.vcenter["spec"]["runAsUser"] = "vcenteruser"
        self.apply([*setup.secrets, setup.vault, setup.vcenter, setup.master_target])
        plan = setup.plans[0]
        plan["metadata"]["name"] = self.plan
        now = datetime.now(UTC)
        plan["spec"].update(
            {
                "action": action,
                "run": run,
                "window": {
                    "start": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                "approval": {"policy": "Required"},
                **spec,
            }
        )
        self.apply([plan])

    def approve(self, run: str = "run-1") -> None:
        self.apply(
            [
                {
                    "apiVersion": "failback.io/v1alpha1",
                    "kind": "FailbackApproval",
                    "metadata": {"name": f"{self.plan}-{run}", "namespace": NAMESPACE},
                    "spec": {"planRef": {"name": self.plan}, "run": run, "approver": "ops-lead"},
                }
            ]
        )

    def set_spec(self, **changes: Any) -> None:
        self.cluster.kubectl(
            "patch",
            "failbackplan",
            self.plan,
            "-n",
            NAMESPACE,
            "--type=merge",
            "-p",
            json.dumps({"spec": changes}),
        )

    def get_plan(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(
            self.cluster.kubectl("get", "failbackplan", self.plan, "-n", NAMESPACE, "-o", "json").stdout
        )
        return found

    def delete_plan(self) -> None:
        self.cluster.kubectl(
            "delete", "failbackplan", self.plan, "-n", NAMESPACE, "--wait=false", check=False
        )

    @contextmanager
    def operator(self, standalone: bool = True, **environment: str) -> Iterator[OperatorProcess]:
        """An operator process; `standalone=False` makes it a replica that must win the Lease first."""
        log = self.workdir / f"operator-{len(self.logs)}.log"
        self.logs.append(log)
        with running_operator(
            self.cluster.kubeconfig,
            log,
            {**OPERATOR_ENVIRONMENT, **environment},
            entry=(str(GAPS_SHIM),),
            standalone=standalone,
        ) as process:
            yield process

    def wait_for(
        self,
        phase: str,
        operator: OperatorProcess | None = None,
        progression: str | None = None,
        timeout: float = 120.0,
    ) -> dict[str, Any]:
        """The plan once it is in `phase` (and `progression`) at its current generation."""
        deadline = time.monotonic() + timeout
        plan = self.get_plan()
        while time.monotonic() < deadline:
            plan = self.get_plan()
            status = plan.get("status") or {}
            current = status.get("observedGeneration") == plan["metadata"]["generation"]
            if current and status.get("phase") == phase and progression in (None, status.get("progression")):
                return plan
            stuck = status.get("phase") in {"Failed", "Paused"} and phase not in {"Failed", "Paused"}
            if current and stuck:
                break
            time.sleep(0.3)
        raise AssertionError(
            f"plan {self.plan} did not reach {phase}/{progression}; status: "
            f"{json.dumps(plan.get('status'), indent=1)}\noperator log:\n"
            + (operator.log_tail(60) if operator else "")
        )

    def wait_for_any(
        self, phases: tuple[str, ...], operator: OperatorProcess | None = None, timeout: float = 120.0
    ) -> dict[str, Any]:
        """The plan once it is in one of `phases`, whichever comes first."""
        deadline = time.monotonic() + timeout
        plan = self.get_plan()
        while time.monotonic() < deadline:
            plan = self.get_plan()
            if (plan.get("status") or {}).get("phase") in phases:
                return plan
            time.sleep(0.1)
        raise AssertionError(
            f"plan {self.plan} reached none of {phases}; status: {json.dumps(plan.get('status'), indent=1)}\n"
            + (operator.log_tail(60) if operator else "")
        )

    def counts(self) -> dict[str, int]:
        return self.simulator.runtime.log.counts()

    def calls(self, operation: str, target: str) -> int:
        """How many mutating calls of `operation` reached Site Recovery for one item or recovery plan."""
        return self.counts().get(f"{operation} {target}", 0)

    def events(self) -> list[dict[str, Any]]:
        listed = self.cluster.kubectl(
            "get",
            "events",
            "-n",
            NAMESPACE,
            "--field-selector",
            f"involvedObject.name={self.plan}",
            "-o",
            "json",
        ).stdout
        items: list[dict[str, Any]] = json.loads(listed)["items"]
        return items

    def requests(self, operation: str) -> list[dict[str, Any]]:
        """Every request of one operation the simulator received, oldest first."""
        return [r for r in self.simulator.runtime.log.records() if r["operation"] == operation]


# --- other estates: a Linux group, the modernized architecture -----------------------------------


@dataclass(frozen=True)
class Estate:
    """A scenario with the vCenter VMs and cluster objects it needs: one replication group to bring home."""

    scenario: Callable[[], Scenario]
    setup: Callable[[AsrSimulator, VcsimServer], Setup]
    items: tuple[str, ...]
    recovery_plan: str
    master_target_vm: str
    master_target_guest: str
    on_premises_vms: tuple[str, ...]
    on_premises_guest: str
    datastore: str

    def furnish(self, server: VcsimServer, workdir: Path) -> None:
        """The master target VM and the powered-off on-premises VMs in vcsim, once per vcsim (FB031)."""
        endpoint = server.endpoint
        with vcenter_session(endpoint) as session:
            built = Inventory(session=session, workdir=workdir)
            host = built.host(MASTER_TARGET_HOST)
            built.nas_datastore(host, self.datastore, "VMFS")
            if built.vm(self.master_target_vm) is None:
                built.create_vm(
                    self.master_target_vm,
                    host=host,
                    datastore=self.datastore,
                    guest_id=self.master_target_guest,
                )
            for name in self.on_premises_vms:
                if built.vm(name) is None:
                    built.create_vm(
                        name,
                        host=host,
                        datastore=self.datastore,
                        guest_id=self.on_premises_guest,
                        power_on=False,
                    )


LINUX_MASTER_TARGET = "V2A-MT-LNX-210"
LINUX_ITEMS = ("V2A-RHEL8-301-new", "V2A-UBU20-302-new")


def linux_scenario() -> Scenario:
    """Classic Linux: a Linux master target with retention volume /mnt/retention, the agents registered."""
    base = scenario("classic-linux", vcenter_host="127.0.0.1")
    faults = base.faults.model_copy(update={"agent_not_installed_minutes": 0})
    return base.model_copy(update={"faults": faults})


def linux_setup(sim: AsrSimulator, vcsim: VcsimServer) -> Setup:
    """The classic setup turned to the Linux group: Linux master target, its retention path, rp-web."""
    setup = classic_setup(sim, vcsim, master_target_vm=LINUX_MASTER_TARGET)
    setup.master_target["metadata"]["name"] = "v2a-mt-lnx-210"
    setup.master_target["spec"].update(
        {
            "siteRecoveryName": LINUX_MASTER_TARGET,
            "os": {"type": "Linux", "version": "Ubuntu-20.04-64", "rootVolumeLayout": "Standard"},
            "retentionDrive": "/mnt/retention",
        }
    )
    setup.plans[0]["spec"].update(
        {
            "masterTargetRef": {"name": "v2a-mt-lnx-210"},
            "runAsAccount": "linuxuser",
            "groups": [
                {"name": "web-group", "recoveryPlan": "rp-web", "items": [{"name": i} for i in LINUX_ITEMS]}
            ],
        }
    )
    return setup


CLASSIC_LINUX = Estate(
    scenario=linux_scenario,
    setup=linux_setup,
    items=LINUX_ITEMS,
    recovery_plan="rp-web",
    master_target_vm=LINUX_MASTER_TARGET,
    master_target_guest="ubuntu64Guest",
    on_premises_vms=("V2A-RHEL8-301", "V2A-UBU20-302"),
    on_premises_guest="rhel8_64Guest",
    datastore=DATASTORE,
)

MODERNIZED_APPLIANCE = "Rcm-App-150"


def modernized_scenario() -> Scenario:
    """Modernized: appliances Rcm-App-150/151, two Windows items failed over and committed in Azure."""
    base = scenario("modernized", vcenter_host="127.0.0.1")
    faults = base.faults.model_copy(update={"agent_not_installed_minutes": 0})
    return base.model_copy(update={"faults": faults})


def modernized_world_setup(sim: AsrSimulator, vcsim: VcsimServer) -> Setup:
    """The modernized setup with appliance Rcm-App-150 in the master target's role."""
    return modernized_setup(sim, vcsim, master_target_vm=MODERNIZED_APPLIANCE)


MODERNIZED = Estate(
    scenario=modernized_scenario,
    setup=modernized_world_setup,
    items=(
        "vcenter67_50158471-87c2-d4ad-caa2-abe22face6d8",
        "vcenter67_5015a2b3-11c2-44ad-9aa2-0be22fac1234",
    ),
    recovery_plan="rp-rcm",
    master_target_vm=MODERNIZED_APPLIANCE,
    master_target_guest="windows2019srv_64Guest",
    on_premises_vms=("Rcm-W2K19-152", "Rcm-W2K19-153"),
    on_premises_guest="windows2019srv_64Guest",
    datastore="SharedDS-84-85",
)


@contextmanager
def estate_world(
    estate: Estate, cluster: ControlPlane, vcsim: VcsimServer, workdir: Path, time_scale: float = TIME_SCALE
) -> Iterator[World]:
    """A World over `estate`: its own simulator, its VMs in vcsim, a plan named for the test."""
    estate.furnish(vcsim, workdir / "vcsim")
    with SimulatorThread(estate.scenario(), time_scale=time_scale) as simulator:
        built = World(
            cluster, simulator, vcsim, workdir, plan=f"plan-{uuid.uuid4().hex[:6]}", setup=estate.setup
        )
        try:
            yield built
        finally:
            # A plan left active would claim the items of the next test's plan.
            built.delete_plan()


# --- a plan of several groups: two recovery plans and single machines without one ----------------

# Group app1-group (rp-app1) is the recorded pair; app2-group (rp-app2) and the single machines are
# modelled on them: Windows Server 2019 VMs failed over and committed in Azure.
SECOND_GROUP = ("V2A-W2K19-301-new", "V2A-W2K19-302-new")
SINGLE_MACHINES = ("V2A-W2K19-305-new", "V2A-W2K19-306-new")


def _windows_item(name: str, group: str | None, recovery_plan: str | None, host: int) -> ProtectedItemSpec:
    vm = name.removesuffix("-new")
    return ProtectedItemSpec(
        name=name,
        vm_name=vm,
        on_premises_vm_name=vm,
        os_type="Windows",
        os_version="Microsoft Windows Server 2019 Datacenter",
        ip_address=f"10.150.108.{host}",
        disks=[Disk(name="Disk0", size_gib=64, os_disk=True)],
        replication_group=group,
        recovery_plan=recovery_plan,
    )


def groups_scenario(single_machines: tuple[str, ...] = SINGLE_MACHINES) -> Scenario:
    """The classic e2e scenario with a second recovery plan and machines that fail back alone."""
    base = e2e_scenario()
    extra = [_windows_item(n, "app2-group", "rp-app2", 40 + i) for i, n in enumerate(SECOND_GROUP)]
    extra += [_windows_item(n, None, None, 50 + i) for i, n in enumerate(single_machines)]
    return base.model_copy(update={"items": [*base.items, *extra]})


def groups_setup(sim: AsrSimulator, vcsim: VcsimServer) -> Setup:
    """The classic plan with groups app1 (rp-app1), app2 (rp-app2) and one group per single machine."""
    setup = classic_setup(sim, vcsim, master_target_vm=MASTER_TARGET)
    setup.plans[0]["spec"]["groups"] = [
        {"name": "app1-group", "recoveryPlan": RECOVERY_PLAN, "items": [{"name": i} for i in ITEMS]},
        {"name": "app2-group", "recoveryPlan": "rp-app2", "items": [{"name": i} for i in SECOND_GROUP]},
        *({"name": name.removesuffix("-new").lower(), "items": [{"name": name}]} for name in SINGLE_MACHINES),
    ]
    return setup


CLASSIC_GROUPS = Estate(
    scenario=groups_scenario,
    setup=groups_setup,
    items=(*ITEMS, *SECOND_GROUP, *SINGLE_MACHINES),
    recovery_plan=RECOVERY_PLAN,
    master_target_vm=MASTER_TARGET,
    master_target_guest="windows2019srv_64Guest",
    on_premises_vms=tuple(n.removesuffix("-new") for n in (*ITEMS, *SECOND_GROUP, *SINGLE_MACHINES)),
    on_premises_guest="windows2019srv_64Guest",
    datastore=DATASTORE,
)
