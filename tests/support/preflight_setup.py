"""Builds the preflight command's input files for a simulator scenario and a vcsim master target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from failback_operator.sim.asr import AsrSimulator
from failback_operator.testenv.vcsim import VcsimServer

REPO_ROOT = Path(__file__).resolve().parents[2]
# Supplies the two facts vcsim cannot model (see vcsim_gaps.py), then runs the real command.
GAPS_SHIM = Path(__file__).with_name("vcsim_gaps.py")


@dataclass
class Setup:
    """The objects a user would apply, as dicts, each changeable by a test before it is written."""

    secrets: list[dict[str, Any]]
    vault: dict[str, Any]
    vcenter: dict[str, Any]
    master_target: dict[str, Any]
    plans: list[dict[str, Any]]
    approvals: list[dict[str, Any]]

    def documents(self) -> list[dict[str, Any]]:
        return [*self.secrets, self.vault, self.vcenter, self.master_target, *self.plans, *self.approvals]

    def write(self, directory: Path) -> Path:
        """All objects in one multi-document file, as `kubectl apply -f` would take them."""
        path = directory / "failback.yaml"
        path.write_text(yaml.safe_dump_all(self.documents(), sort_keys=False), encoding="utf-8")
        return path


def _object(kind: str, name: str, spec: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "failback.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}


def _secrets(sim: AsrSimulator, vcsim: VcsimServer) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "vault-sp", "namespace": "failback-system"},
            "type": "Opaque",
            "stringData": {
                "tenantId": sim.tenant,
                "clientId": sim.client_id,
                "clientSecret": sim.client_secret,
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "vcenter-login", "namespace": "failback-system"},
            "type": "Opaque",
            "stringData": {"username": vcsim.user, "password": vcsim.password},
        },
    ]


def _vault(sim: AsrSimulator, name: str) -> dict[str, Any]:
    """The simulator's vault, reached through the RecoveryVault's cloud settings."""
    scenario = sim.runtime.scenario
    return _object(
        "RecoveryVault",
        name,
        {
            "subscriptionId": scenario.vault.subscription,
            "resourceGroup": scenario.vault.resource_group,
            "vaultName": scenario.vault.name,
            "configurationServer": scenario.configuration_server.fabric_name,
            "connectivity": "SiteToSiteVpn",
            "credentials": {"type": "ServicePrincipal", "secretRef": {"name": "vault-sp"}},
            "cloud": {
                "resourceManager": sim.base_url,
                "authority": sim.base_url,
                "caBundle": Path(sim.ca_file).read_text(encoding="utf-8"),
            },
        },
    )


def _vcenter(vcsim: VcsimServer) -> dict[str, Any]:
    return _object(
        "VCenter",
        "vcenter-onprem",
        {
            "host": vcsim.host,
            "port": vcsim.port,
            "credentialsSecretRef": {"name": "vcenter-login"},
            "tls": {"caBundle": vcsim.ca_file.read_text(encoding="utf-8")},
        },
    )


def classic_setup(sim: AsrSimulator, vcsim: VcsimServer, *, master_target_vm: str) -> Setup:
    """The classic Windows scenario: its vault, the vcsim vCenter, master target V2A-PS-200, one plan."""
    master_target = _object(
        "MasterTarget",
        "v2a-ps-200",
        {
            "architecture": "Classic",
            "vaultRef": {"name": "pwstestvault"},
            "vCenterRef": {"name": "vcenter-onprem"},
            "vm": {"name": master_target_vm},
            "siteRecoveryName": "V2A-PS-200",
            "os": {"type": "Windows", "version": "Microsoft Windows Server 2019 Datacenter"},
            "retentionDrive": "F:",
        },
    )
    plan = _object(
        "FailbackPlan",
        "windows-apps",
        {
            "action": "Reprotect",
            "run": "run-1",
            "vaultRef": {"name": "pwstestvault"},
            "masterTargetRef": {"name": "v2a-ps-200"},
            "processServer": "V2A-PS-200",
            "runAsAccount": "windowsuser",
            "datastore": "datastore1",
            "groups": [
                {
                    "name": "app1-group",
                    "recoveryPlan": "rp-app1",
                    "items": [{"name": "V2A-W2K16-201-new"}, {"name": "V2A-W2K19-202-new"}],
                }
            ],
        },
        namespace="team-apps",
    )
    return Setup(
        _secrets(sim, vcsim), _vault(sim, "pwstestvault"), _vcenter(vcsim), master_target, [plan], []
    )


def modernized_setup(sim: AsrSimulator, vcsim: VcsimServer, *, master_target_vm: str) -> Setup:
    """The modernized scenario: appliance Rcm-App-150 in the master target's role, one plan."""
    scenario = sim.runtime.scenario
    storage = (
        f"/subscriptions/{scenario.vault.subscription}/resourceGroups/{scenario.vault.resource_group}"
        f"/providers/Microsoft.Storage/storageAccounts/{scenario.log_storage_account}"
    )
    master_target = _object(
        "MasterTarget",
        "rcm-app-150",
        {
            "architecture": "Modernized",
            "vaultRef": {"name": "rcm-vault-150"},
            "vCenterRef": {"name": "vcenter-onprem"},
            "vm": {"name": master_target_vm},
            "siteRecoveryName": "Rcm-App-150",
            "os": {"type": "Windows", "version": "Microsoft Windows Server 2019 Datacenter"},
            "modernized": {"reprotectAgent": "Rcm-App-150", "logStorageAccountId": storage},
        },
    )
    plan = _object(
        "FailbackPlan",
        "modernized-windows",
        {
            "action": "Reprotect",
            "run": "chg-0043",
            "vaultRef": {"name": "rcm-vault-150"},
            "masterTargetRef": {"name": "rcm-app-150"},
            "datastore": "SharedDS-84-85",
            "approval": {"policy": "None"},
            "recoveryPoint": "LatestApplicationConsistent",
            "groups": [
                {
                    "name": "rcm-group",
                    "recoveryPlan": "rp-rcm",
                    "items": [{"name": item.name} for item in scenario.items],
                }
            ],
        },
        namespace="team-apps",
    )
    return Setup(
        _secrets(sim, vcsim), _vault(sim, "rcm-vault-150"), _vcenter(vcsim), master_target, [plan], []
    )


@dataclass
class Outcome:
    """What the command did: exit status, stdout (JSON when asked for), stderr."""

    status: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.stdout)
        return loaded

    def failing(self, outcome: str = "block") -> set[str]:
        """Rule IDs with a finding of this outcome."""
        return {f["rule"] for f in self.report["findings"] if f["outcome"] == outcome}


def run_preflight(*files: Path, args: tuple[str, ...] = ("--output", "json"), shim: bool = True) -> Outcome:
    """`failback-operator preflight -f FILE...` in a subprocess (through the vcsim gaps shim by default)."""
    entry = [str(GAPS_SHIM)] if shim else ["-m", "failback_operator"]
    command = [sys.executable, *entry, "preflight", *(a for f in files for a in ("-f", str(f))), *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    env["PYTHONPATH"] = str(REPO_ROOT / "operator")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=REPO_ROOT)
    return Outcome(done.returncode, done.stdout, done.stderr)
