"""A vault that cannot even be signed in to (no workload identity) is a reason, never a traceback.

And what a plan's facts source reads afresh for a plan blocked by a finding.
"""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.azure import ClientSecret, VaultConfig, WorkloadIdentity
from failback_operator.facts.vsphere import VCenterFacts
from failback_operator.gathering.sources import SourceResolver
from failback_operator.gathering.vault_reads import SharedVaultReads
from failback_operator.services.plan_facts import GatheringFactsSource
from failback_operator.services.plan_index import PlanIndex
from failback_operator.services.vault_poller import PollPace, VaultPoller
from failback_operator.storage.kube import NotFoundError
from failback_operator.vsphere import SharedInventory, VCenterEndpoint, VCenterReading

REPO = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)


def _example(name: str) -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((REPO / "examples" / name).read_text())
    return found


class WorkloadIdentityVaultStore:
    """A RecoveryVault set to workload identity; no VCenter; a plan to wake."""

    def __init__(self) -> None:
        vault = _example("20-recoveryvault.yaml")
        vault["spec"]["credentials"] = {"type": "WorkloadIdentity"}
        self.vault = vault

    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        if plural == "recoveryvaults":
            return copy.deepcopy(self.vault)
        raise NotFoundError(f"{plural} {name} not found")

    async def list(self, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return []


def _no_workload_identity(config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> Any:
    # What azure-identity raises where the pod has no federated token configured.
    raise ValueError("WorkloadIdentityCredential authentication unavailable: missing tenant_id, client_id")


def _reads() -> SharedVaultReads:
    return SharedVaultReads(
        ttl_seconds=1, jobs_since=lambda: NOW - timedelta(days=1), connect=_no_workload_identity
    )


async def test_a_plan_on_a_vault_without_workload_identity_gets_the_reason() -> None:
    store = WorkloadIdentityVaultStore()
    source = GatheringFactsSource(store, lambda: NOW, _reads(), SourceResolver(store))  # type: ignore[arg-type]
    plan = _example("40-failbackplan-windows.yaml")
    master_target = _example("30-mastertarget-windows.yaml")

    read = await source.read(
        "team-apps", "windows-apps", ApiPlanSpec.model_validate(plan["spec"]), 1, master_target, []
    )

    assert read.site_recovery is None
    assert read.facts.vault is None
    assert any("WorkloadIdentityCredential" in problem for problem in read.problems), read.problems


async def _no_plans() -> list[dict[str, Any]]:
    return []


async def test_the_vault_poller_says_a_lasting_failure_once_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    store = WorkloadIdentityVaultStore()
    poller = VaultPoller(
        store=store,  # type: ignore[arg-type]
        sources=SourceResolver(store),  # type: ignore[arg-type]
        reads=_reads(),
        wake=lambda namespace, name: None,
        clock=lambda: NOW,
        pace=PollPace(interval=timedelta(seconds=10)),
        index=PlanIndex(_no_plans),
    )
    for _ in range(3):
        assert await poller.poll("pwstestvault") == timedelta(seconds=10)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "WorkloadIdentityCredential" in warnings[0].getMessage()
    assert warnings[0].exc_info is None


class VCenterStore(WorkloadIdentityVaultStore):
    """The same vault, and the example VCenter with its login Secret."""

    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        if plural == "vcenters":
            return _example("21-vcenter.yaml")
        return await super().get(plural, name, namespace)

    async def secret_data(self, name: str, namespace: str | None = None) -> dict[str, str]:
        return {"username": "failback-operator@vsphere.local", "password": "secret-value"}


class SettledSpy(SharedInventory):
    def __init__(self) -> None:
        super().__init__(10, settled_seconds=300)
        self.expired: list[str] = []

    def expire_settled(self, endpoint: VCenterEndpoint) -> None:
        self.expired.append(endpoint.address)
        super().expire_settled(endpoint)


async def test_a_blocked_plan_has_the_vcenters_licences_and_privileges_read_again() -> None:
    store = VCenterStore()
    inventory = SettledSpy()
    source = GatheringFactsSource(
        store,  # type: ignore[arg-type]
        lambda: NOW,
        _reads(),
        SourceResolver(store),  # type: ignore[arg-type]
        inventory=inventory,
        vcenter_reader=lambda endpoint, query: VCenterReading(facts=VCenterFacts(vcenter=endpoint.address)),
    )
    plan = ApiPlanSpec.model_validate(_example("40-failbackplan-windows.yaml")["spec"])
    master_target = _example("30-mastertarget-windows.yaml")

    await source.read("team-apps", "windows-apps", plan, 1, master_target, [])
    assert inventory.expired == []
    await source.read("team-apps", "windows-apps", plan, 1, master_target, [], fresh_configuration=True)
    assert inventory.expired == [f"{_example('21-vcenter.yaml')['spec']['host']}:443"]
