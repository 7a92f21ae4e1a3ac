"""The demo's on-premises site and Site Recovery vault: a Windows and a Linux replication group to bring home.

Built from the simulator's classic scenario files (examples/sim/classic-windows.yaml and
classic-linux.yaml share one vault and configuration server), with the vCenter side seeded in
vcsim to match: one ESXi host with VMFS datastores, a Windows and a Linux master target, and the
on-premises VMs powered off (FB031). The Windows master target carries a nightly backup snapshot,
so FB006 blocks its plan until the snapshot is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from failback_operator.sim.asr import AsrSimulator, Scenario, load_scenario
from failback_operator.testenv.vcsim import VcsimServer
from failback_operator.testenv.vcsim_inventory import MASTER_TARGET_HOST, Inventory
from failback_operator.vsphere import VCenterEndpoint, vcenter_session

__all__ = [
    "DATASTORE",
    "OPERATOR_NAMESPACE",
    "PLANS",
    "PLAN_NAMESPACE",
    "SNAPSHOT",
    "DemoPlan",
    "approval_document",
    "demo_scenario",
    "furnish_vcenter",
    "infrastructure_documents",
    "plan_documents",
    "remove_master_target_snapshots",
]

SCENARIOS = Path(__file__).resolve().parents[3] / "examples" / "sim"
OPERATOR_NAMESPACE = "failback-system"
PLAN_NAMESPACE = "team-apps"
VAULT = "pwstestvault"
VCENTER = "vcenter-onprem"
DATASTORE = "datastore1"
SECOND_DATASTORE = "DS-77"
PROCESS_SERVER = "V2A-PS-200"
SNAPSHOT = "nightly-backup"
RUN = "chg-0042"
WINDOWS_SERVER_2019 = "Microsoft Windows Server 2019 Datacenter"


@dataclass(frozen=True)
class MasterTargetVm:
    """A master target: its VM in vCenter and its name in Site Recovery."""

    object_name: str
    vm: str
    guest_id: str
    os_type: str
    os_version: str
    retention_drive: str


@dataclass(frozen=True)
class OnPremisesVm:
    """A machine's original VM on-premises, powered off while the machine runs in Azure."""

    name: str
    guest_id: str


@dataclass(frozen=True)
class DemoPlan:
    """One FailbackPlan of the demo: one replication group through one master target."""

    name: str
    master_target: MasterTargetVm
    group: str
    recovery_plan: str
    items: tuple[str, ...]
    on_premises: tuple[OnPremisesVm, ...]
    run_as_account: str
    approval_required: bool
    commit: str


WINDOWS_MASTER_TARGET = MasterTargetVm(
    "v2a-ps-200", "V2A-PS-200", "windows2019srv_64Guest", "Windows", WINDOWS_SERVER_2019, "F:"
)
LINUX_MASTER_TARGET = MasterTargetVm(
    "v2a-mt-lnx-210", "V2A-MT-LNX-210", "ubuntu64Guest", "Linux", "Ubuntu-20.04-64", "/mnt/retention"
)

PLANS = (
    DemoPlan(
        name="windows-apps",
        master_target=WINDOWS_MASTER_TARGET,
        group="app1-group",
        recovery_plan="rp-app1",
        items=("V2A-W2K16-201-new", "V2A-W2K19-202-new"),
        on_premises=(
            OnPremisesVm("V2A-W2K16-201", "windows9Server64Guest"),
            OnPremisesVm("V2A-W2K19-202", "windows2019srv_64Guest"),
        ),
        run_as_account="windowsuser",
        approval_required=True,
        commit="Manual",
    ),
    DemoPlan(
        name="linux-web",
        master_target=LINUX_MASTER_TARGET,
        group="web-group",
        recovery_plan="rp-web",
        items=("V2A-RHEL8-301-new", "V2A-UBU20-302-new"),
        on_premises=(
            OnPremisesVm("V2A-RHEL8-301", "rhel8_64Guest"),
            OnPremisesVm("V2A-UBU20-302", "ubuntu64Guest"),
        ),
        run_as_account="linuxuser",
        approval_required=False,
        commit="Auto",
    ),
)


def demo_scenario() -> Scenario:
    """The classic Windows and Linux scenarios in one vault, the vCenter at vcsim's address.

    The Windows master target runs the items' newest OS (FB009), and the agents have re-registered
    since the machines booted in Azure, so reprotect is not refused (FB028).
    """
    windows = load_scenario(SCENARIOS / "classic-windows.yaml")
    linux = load_scenario(SCENARIOS / "classic-linux.yaml")
    master_targets = [
        mt.model_copy(update={"os_version": WINDOWS_SERVER_2019})
        if mt.name == WINDOWS_MASTER_TARGET.vm
        else mt
        for mt in windows.master_targets
    ] + list(linux.master_targets)
    accounts = {
        a.id: a
        for a in [*windows.configuration_server.run_as_accounts, *linux.configuration_server.run_as_accounts]
    }
    server = windows.configuration_server.model_copy(update={"run_as_accounts": list(accounts.values())})
    return windows.model_copy(
        update={
            "master_targets": master_targets,
            "configuration_server": server,
            "items": [*windows.items, *linux.items],
            "vcenter_host": "127.0.0.1",
            "faults": windows.faults.model_copy(update={"agent_not_installed_minutes": 0}),
        }
    )


def _endpoint(server: VcsimServer) -> VCenterEndpoint:
    return server.endpoint


def furnish_vcenter(server: VcsimServer, workdir: Path) -> list[str]:
    """The on-premises site in vcsim; returns what was built, one line each, for people to read."""
    built: list[str] = []
    with vcenter_session(_endpoint(server)) as session:
        inventory = Inventory(session=session, workdir=workdir)
        host = inventory.host(MASTER_TARGET_HOST)
        for datastore in (DATASTORE, SECOND_DATASTORE):
            inventory.nas_datastore(host, datastore, "VMFS")
        built.append(f"ESXi host {MASTER_TARGET_HOST} with VMFS datastores {DATASTORE}, {SECOND_DATASTORE}")
        for plan in PLANS:
            target = plan.master_target
            vm = inventory.create_vm(target.vm, host=host, datastore=DATASTORE, guest_id=target.guest_id)
            if target is WINDOWS_MASTER_TARGET:
                inventory.snapshot(vm, SNAPSHOT)
                built.append(f"{target.os_type} master target {target.vm}, running, with snapshot {SNAPSHOT}")
            else:
                built.append(f"{target.os_type} master target {target.vm}, running")
            for machine in plan.on_premises:
                inventory.create_vm(
                    machine.name, host=host, datastore=DATASTORE, guest_id=machine.guest_id, power_on=False
                )
            built.append(f"on-premises VMs {', '.join(m.name for m in plan.on_premises)}, powered off")
    return built


def remove_master_target_snapshots(server: VcsimServer, workdir: Path, vm_name: str) -> None:
    """What a vSphere admin does about FB006: delete the master target's snapshots."""
    with vcenter_session(_endpoint(server)) as session:
        inventory = Inventory(session=session, workdir=workdir)
        inventory.remove_snapshots(inventory.vm(vm_name))


def _object(kind: str, name: str, spec: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "failback.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}


def infrastructure_documents(simulator: AsrSimulator, vcsim: VcsimServer) -> list[dict[str, Any]]:
    """Credentials, the vault, the vCenter and both master targets, pointed at the local parts."""
    scenario = simulator.runtime.scenario
    secrets = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "pwstestvault-service-principal", "namespace": OPERATOR_NAMESPACE},
            "type": "Opaque",
            "stringData": {
                "tenantId": simulator.tenant,
                "clientId": simulator.client_id,
                "clientSecret": simulator.client_secret,
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "vcenter-onprem-credentials", "namespace": OPERATOR_NAMESPACE},
            "type": "Opaque",
            "stringData": {"username": vcsim.user, "password": vcsim.password},
        },
    ]
    vault = _object(
        "RecoveryVault",
        VAULT,
        {
            "subscriptionId": scenario.vault.subscription,
            "resourceGroup": scenario.vault.resource_group,
            "vaultName": scenario.vault.name,
            "configurationServer": scenario.configuration_server.name,
            "connectivity": "SiteToSiteVpn",
            "credentials": {
                "type": "ServicePrincipal",
                "secretRef": {"name": "pwstestvault-service-principal"},
            },
            # The simulator stands in for Azure Resource Manager and Entra ID.
            "cloud": {
                "resourceManager": simulator.base_url,
                "authority": simulator.base_url,
                "caBundle": Path(simulator.ca_file).read_text(encoding="utf-8"),
            },
        },
    )
    vcenter = _object(
        "VCenter",
        VCENTER,
        {
            "host": vcsim.host,
            "port": vcsim.port,
            "credentialsSecretRef": {"name": "vcenter-onprem-credentials"},
            "tls": {"caBundle": vcsim.ca_file.read_text(encoding="utf-8")},
            "runAsUser": "vcenteruser",
        },
    )
    master_targets = []
    for target in (WINDOWS_MASTER_TARGET, LINUX_MASTER_TARGET):
        os_spec: dict[str, Any] = {"type": target.os_type, "version": target.os_version}
        if target.os_type == "Linux":
            os_spec["rootVolumeLayout"] = "Standard"  # FB017
        master_targets.append(
            _object(
                "MasterTarget",
                target.object_name,
                {
                    "architecture": "Classic",
                    "vaultRef": {"name": VAULT},
                    "vCenterRef": {"name": VCENTER},
                    "vm": {"name": target.vm},
                    "siteRecoveryName": target.vm,
                    "os": os_spec,
                    "retentionDrive": target.retention_drive,
                },
            )
        )
    return [*secrets, vault, vcenter, *master_targets]


def plan_documents(now: datetime, action: str = "Preflight") -> list[dict[str, Any]]:
    """Both plans at `action`, their downtime window open now."""
    window = {
        "start": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (now + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return [
        _object(
            "FailbackPlan",
            plan.name,
            {
                "action": action,
                "run": RUN,
                "vaultRef": {"name": VAULT},
                "masterTargetRef": {"name": plan.master_target.object_name},
                "processServer": PROCESS_SERVER,
                "runAsAccount": plan.run_as_account,
                "datastore": DATASTORE,
                "groups": [
                    {
                        "name": plan.group,
                        "recoveryPlan": plan.recovery_plan,
                        "items": [{"name": item} for item in plan.items],
                    }
                ],
                "window": window,
                "approval": {"policy": "Required" if plan.approval_required else "None"},
                "commit": plan.commit,
            },
            namespace=PLAN_NAMESPACE,
        )
        for plan in PLANS
    ]


def approval_document(plan: str, approver: str = "ops-lead@example.com") -> dict[str, Any]:
    """A second person's go-ahead for the current run of `plan`."""
    return _object(
        "FailbackApproval",
        f"{plan}-{RUN}",
        {"planRef": {"name": plan}, "run": RUN, "approver": approver, "comment": "Change CHG0042"},
        namespace=PLAN_NAMESPACE,
    )
