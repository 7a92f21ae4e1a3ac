"""The estate a benchmark brings home: P plans of N classic Windows machines for each contender.

One simulator serves every contender, each on machines of its own (prefixes `op`, `par`, `seq`),
so that they meet the same Site Recovery: the same job lengths drawn from the scenario, the same
process server concurrency and the same throttling.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from failback_operator.sim.asr import Scenario, load_scenario
from failback_operator.sim.asr.scenario import MasterTarget

__all__ = ["BenchParams", "Contender", "bench_scenario", "cluster_objects", "master_target_names"]

REPO_ROOT = Path(__file__).resolve().parents[1]
BASE_SCENARIO = REPO_ROOT / "examples" / "sim" / "classic-windows.yaml"
NAMESPACE = "bench"
VAULT = "bench-vault"
DATASTORE = "datastore1"
# The master target of the example scenario; more are made alike when the disk slots ask for them.
FIRST_MASTER_TARGET = "V2A-PS-200"
MASTER_TARGET_OS = "Microsoft Windows Server 2019 Datacenter"
# A master target takes 60 disks (FB027), its own included.
DISK_SLOTS = 60


@dataclass(frozen=True, kw_only=True)
class BenchParams:
    """What a run brings home, how fast the simulated clock runs, and what is modelled."""

    plans: int = 4
    items: int = 2  # per plan, one replication group each
    time_scale: float = 60.0
    spread: float = 0.2  # job and resync lengths drawn within +/- this fraction
    # Every job and resync length of the scenario times this: 5 makes the resync five hours.
    job_length_factor: float = 1.0
    seed: int = 1
    # Items one process server replicates back at once (None: unlimited).
    process_server_resyncs: int | None = None
    # Master targets to share the plans; 0: as many as the 60 disk slots require.
    master_targets: int = 0
    script_poll_seconds: float = 30.0
    # The one-machine-after-another script runs this many times faster on the simulated clock,
    # polling this many times more often: the same run in simulated time, reported in real seconds.
    sequential_speedup: float = 10.0
    scripts: bool = True
    timeout_seconds: float = 1800.0
    # Debug logging in the operator's log (costs CPU: off for measuring).
    operator_verbose: bool = False

    @property
    def machines(self) -> int:
        return self.plans * self.items


@dataclass(frozen=True)
class Contender:
    """Who brings a set of machines home: the operator or one of the scripts."""

    prefix: str
    label: str

    def item(self, plan: int, index: int) -> str:
        return f"{self.vm(plan, index)}-new"

    def vm(self, plan: int, index: int) -> str:
        return f"{self.prefix}-p{plan:04d}-vm{index:03d}"

    def recovery_plan(self, plan: int) -> str:
        return f"{self.prefix}-rp{plan:04d}"

    def plan_name(self, plan: int) -> str:
        return f"{self.prefix}-plan-{plan:04d}"


OPERATOR = Contender("op", "operator")
PARALLEL = Contender("par", "script, all machines in parallel")
SEQUENTIAL = Contender("seq", "script, one machine after another")


def _disks_per_item(scenario: Scenario) -> int:
    return len(scenario.items[0].disks)


def master_target_names(params: BenchParams, disks_per_item: int = 2, own_disks: int = 3) -> list[str]:
    """The master targets the operator's plans share: enough for every plan's disks, unless fixed.

    A plan's group goes to one master target whole, so they are counted in plans per master
    target: two plans of 25 two-disk machines do not fit in one master target's 57 free slots.
    """
    plans_per_master_target = max(1, (DISK_SLOTS - own_disks) // (params.items * disks_per_item))
    wanted = params.master_targets or max(1, math.ceil(params.plans / plans_per_master_target))
    return [FIRST_MASTER_TARGET, *(f"BENCH-MT-{n:03d}" for n in range(1, wanted))]


def bench_scenario(params: BenchParams) -> Scenario:
    """The classic Windows example grown to P x N machines per contender, with the run's job model."""
    base = load_scenario(BASE_SCENARIO)
    template = base.items[0]
    contenders = [OPERATOR, PARALLEL, SEQUENTIAL] if params.scripts else [OPERATOR]
    items = [
        template.model_copy(
            update={
                "name": contender.item(plan, index),
                "vm_name": contender.vm(plan, index),
                "on_premises_vm_name": contender.vm(plan, index),
                "replication_group": f"{contender.prefix}-g{plan:04d}",
                "recovery_plan": contender.recovery_plan(plan),
            }
        )
        for contender in contenders
        for plan in range(params.plans)
        for index in range(params.items)
    ]
    first = next(mt for mt in base.master_targets if mt.name == FIRST_MASTER_TARGET)
    master_targets: list[MasterTarget] = []
    for name in master_target_names(params, len(template.disks), first.disk_count):
        master_id = (
            first.id if name == FIRST_MASTER_TARGET else str(uuid.uuid5(uuid.NAMESPACE_DNS, name)).upper()
        )
        master_targets.append(
            first.model_copy(update={"name": name, "id": master_id, "os_version": MASTER_TARGET_OS})
        )
    master_targets += [mt for mt in base.master_targets if mt.name != FIRST_MASTER_TARGET]
    lengths = base.job_durations
    factor = params.job_length_factor
    durations = lengths.model_copy(
        update={
            "reprotect_minutes": lengths.reprotect_minutes * factor,
            "resync_minutes": lengths.resync_minutes * factor,
            "failover_minutes": lengths.failover_minutes * factor,
            "commit_minutes": lengths.commit_minutes * factor,
            "cancel_minutes": lengths.cancel_minutes * factor,
            "refresh_minutes": lengths.refresh_minutes * factor,
            "spread": params.spread,
            "seed": params.seed,
            "process_server_resyncs": params.process_server_resyncs,
        }
    )
    faults = base.faults.model_copy(update={"agent_not_installed_minutes": 0})
    return base.model_copy(
        update={
            "items": items,
            "master_targets": master_targets,
            "vcenter_host": "127.0.0.1",
            "job_durations": durations,
            "faults": faults,
        }
    )


def _object(kind: str, name: str, spec: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "failback.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}


def cluster_objects(
    params: BenchParams,
    *,
    simulator_url: str,
    simulator_ca: str,
    scenario: Scenario,
    identity: tuple[str, str, str],
    vcenter: tuple[str, int, str, str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The shared objects (Secrets, vault, vCenter, master targets) and the operator's plans."""
    tenant, client_id, client_secret = identity
    host, port, user, password, vcenter_ca = vcenter
    shared: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "bench-vault-sp", "namespace": "failback-system"},
            "stringData": {"tenantId": tenant, "clientId": client_id, "clientSecret": client_secret},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "bench-vcenter-login", "namespace": "failback-system"},
            "stringData": {"username": user, "password": password},
        },
        _object(
            "RecoveryVault",
            VAULT,
            {
                "subscriptionId": scenario.vault.subscription,
                "resourceGroup": scenario.vault.resource_group,
                "vaultName": scenario.vault.name,
                "configurationServer": scenario.configuration_server.fabric_name,
                "connectivity": "SiteToSiteVpn",
                "credentials": {"type": "ServicePrincipal", "secretRef": {"name": "bench-vault-sp"}},
                "cloud": {
                    "resourceManager": simulator_url,
                    "authority": simulator_url,
                    "caBundle": simulator_ca,
                },
            },
        ),
        _object(
            "VCenter",
            "bench-vcenter",
            {
                "host": host,
                "port": port,
                "credentialsSecretRef": {"name": "bench-vcenter-login"},
                "runAsUser": "vcenteruser",
                "tls": {"caBundle": vcenter_ca},
            },
        ),
    ]
    names = master_target_names(params)
    for name in names:
        shared.append(
            _object(
                "MasterTarget",
                name.lower(),
                {
                    "architecture": "Classic",
                    "vaultRef": {"name": VAULT},
                    "vCenterRef": {"name": "bench-vcenter"},
                    "vm": {"name": name},
                    "siteRecoveryName": name,
                    "os": {"type": "Windows", "version": MASTER_TARGET_OS},
                    "retentionDrive": "F:",
                },
            )
        )
    now = datetime.now(UTC)
    plans = [
        _object(
            "FailbackPlan",
            OPERATOR.plan_name(plan),
            {
                "action": "Commit",
                "run": "bench",
                "vaultRef": {"name": VAULT},
                "masterTargetRef": {"name": names[plan % len(names)].lower()},
                "processServer": FIRST_MASTER_TARGET,
                "runAsAccount": "windowsuser",
                "datastore": DATASTORE,
                "groups": [
                    {
                        "name": f"group-{plan:04d}",
                        "recoveryPlan": OPERATOR.recovery_plan(plan),
                        "items": [{"name": OPERATOR.item(plan, i)} for i in range(params.items)],
                    }
                ],
                "window": {
                    "start": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                "approval": {"policy": "None"},
                "commit": "Auto",
                "afterCommit": "None",
            },
            namespace=NAMESPACE,
        )
        for plan in range(params.plans)
    ]
    return shared, plans
