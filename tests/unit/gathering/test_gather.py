"""Gathering on fake adapters: both sides at once; a side that fails is None, with its reason."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from failback_operator.azure import AuthenticationFailed, ClientSecret, VaultConfig
from failback_operator.facts import RecoveryPlan
from failback_operator.facts.asr import ConfigurationServer, FailbackPolicy, Job, ProtectedItem
from failback_operator.facts.spec import MasterTargetDeclaration, OsType, PlanDeclaration, ReplicationGroup
from failback_operator.facts.vsphere import MasterTargetVm, VCenterFacts
from failback_operator.gathering.gather import (
    SiteRecoverySource,
    VCenterSource,
    gather_failback_facts,
    vcenter_query,
)
from failback_operator.gathering.vault_joins import VaultJoins
from failback_operator.vsphere import VCenterAuthError, VCenterEndpoint, VCenterQuery, VCenterReading

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
SECRET = "client-secret-value"
PASSWORD = "vcenter-password-value"
ITEM_ID = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v/replicationFabrics/f"
    "/replicationProtectionContainers/c/replicationProtectedItems/V2A-W2K16-201-new"
)

MASTER_TARGET = MasterTargetDeclaration(name="v2a-ps-200", os_type=OsType.WINDOWS, vm_name="V2A-PS-200")
PLAN = PlanDeclaration(
    name="windows-apps",
    namespace="team-apps",
    master_target="v2a-ps-200",
    groups=(
        ReplicationGroup(name="app1", items=("V2A-W2K16-201-new", "V2A-GONE-new"), recovery_plan="rp-app1"),
    ),
)
SOURCE = SiteRecoverySource(
    config=VaultConfig(subscription_id="s", resource_group="rg", vault="v", fabric="f"),
    identity=ClientSecret(tenant_id="t", client_id="c", client_secret=SecretStr(SECRET)),
)
VCENTER = VCenterSource(
    endpoint=VCenterEndpoint(host="vcenter.example.internal", user="reader", password=PASSWORD),
    name="vcenter.example.internal",
    run_as_user="svc-asr",
)


@dataclass
class FakeSiteRecovery:
    """The SiteRecovery reads gathering uses, answering from memory (or failing on demand)."""

    items: tuple[ProtectedItem, ...] = (
        ProtectedItem(name="V2A-W2K16-201-new", id=ITEM_ID, friendly_name="V2A-W2K16-201", os_version=None),
    )
    plans: tuple[RecoveryPlan, ...] = (RecoveryPlan(name="rp-app1", item_ids=(ITEM_ID.upper(),)),)
    fail_items: BaseException | None = None
    fail_rest: BaseException | None = None
    calls: list[str] = field(default_factory=list)
    closed: bool = False
    jobs_since: datetime | None = None

    async def protected_items(self) -> tuple[ProtectedItem, ...]:
        self.calls.append("protected_items")
        if self.fail_items:
            raise self.fail_items
        return self.items

    async def recovery_plans(self) -> tuple[RecoveryPlan, ...]:
        self.calls.append("recovery_plans")
        return self.plans

    async def configuration_server(self) -> ConfigurationServer:
        self.calls.append("configuration_server")
        if self.fail_rest:
            raise self.fail_rest
        return ConfigurationServer(name="PwsTestCS", last_heartbeat=NOW)

    async def replication_policies(self) -> tuple[FailbackPolicy, ...]:
        self.calls.append("replication_policies")
        return (
            FailbackPolicy(id="p", name="Ploicyv2a-failback", provider="InMage"),
            FailbackPolicy(id="f", name="Policyv2a", provider="InMageAzureV2"),
        )

    async def recent_jobs(self, since: datetime) -> tuple[Job, ...]:
        self.calls.append("recent_jobs")
        self.jobs_since = since
        return (Job(id="j1", scenario="UnplannedFailover"),)

    async def close(self) -> None:
        self.closed = True


class FakeVCenter:
    """A blocking vCenter reader that records the query and the thread it ran on."""

    def __init__(self, fail: BaseException | None = None, delay: float = 0.0) -> None:
        self.fail = fail
        self.delay = delay
        self.query: VCenterQuery | None = None
        self.thread: threading.Thread | None = None

    def __call__(self, endpoint: VCenterEndpoint, query: VCenterQuery) -> VCenterReading:
        self.query = query
        self.thread = threading.current_thread()
        time.sleep(self.delay)
        if self.fail:
            raise self.fail
        facts = VCenterFacts(vcenter=endpoint.address, master_target_vm=MasterTargetVm(name="V2A-PS-200"))
        return VCenterReading(facts=facts)


async def gather(fake: FakeSiteRecovery, reader: FakeVCenter, **options: Any) -> Any:
    return await gather_failback_facts(
        MASTER_TARGET,
        [PLAN],
        site_recovery=options.pop("site_recovery", SOURCE),
        vcenter=options.pop("vcenter", VCENTER),
        now=NOW,
        connect=lambda config, identity: fake,
        vcenter_reader=reader,
        **options,
    )


async def test_both_sides_read() -> None:
    fake, reader = FakeSiteRecovery(), FakeVCenter()

    gathered = await gather(fake, reader)

    facts = gathered.facts
    assert gathered.errors == ()
    assert facts.vault is not None
    assert facts.vault.configuration_server is not None
    assert facts.vault.configuration_server.name == "PwsTestCS"
    assert [p.name for p in facts.vault.failback_policies] == ["Ploicyv2a-failback"]
    assert [p.name for p in facts.vault.forward_policies] == ["Policyv2a"]
    assert [j.id for j in facts.vault.jobs] == ["j1"]
    # The recovery plan holding an item is filled in from the plans list (ids compare case-insensitively).
    assert facts.vault.protected_items[0].recovery_plan == "rp-app1"
    assert facts.vcenter is not None
    # Named as the configuration server knows it, not host:port.
    assert facts.vcenter.vcenter == "vcenter.example.internal"
    assert facts.plans == (PLAN,)
    assert fake.closed
    assert fake.jobs_since == NOW - timedelta(days=1)
    assert sorted(fake.calls) == sorted(
        ["protected_items", "recovery_plans", "configuration_server", "replication_policies", "recent_jobs"]
    )
    # pyvmomi blocks: it ran in a worker thread, not on the event loop's.
    assert reader.thread is not threading.main_thread()


async def test_vcenter_query_names_on_premises_vms_from_site_recovery() -> None:
    fake, reader = FakeSiteRecovery(), FakeVCenter()

    await gather(fake, reader)

    assert reader.query is not None
    assert reader.query.master_target.name == "V2A-PS-200"
    assert reader.query.run_as_user == "svc-asr"
    # The known item by its VM's name; an item Site Recovery does not list by its own name.
    assert [(i.item, i.vm.name) for i in reader.query.items] == [
        ("V2A-W2K16-201-new", "V2A-W2K16-201"),
        ("V2A-GONE-new", "V2A-GONE-new"),
    ]


async def test_site_recovery_failure_leaves_vault_none_and_vcenter_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("WARNING")
    fake = FakeSiteRecovery(fail_items=AuthenticationFailed(f"token refused for secret {SECRET}"))
    reader = FakeVCenter()

    gathered = await gather(fake, reader)

    assert gathered.facts.vault is None
    assert gathered.facts.vcenter is not None
    assert gathered.site_recovery_error is not None
    assert gathered.site_recovery_error.startswith("Site Recovery vault v at https://management.azure.com: ")
    assert SECRET not in gathered.site_recovery_error
    assert "token refused" in caplog.text
    assert SECRET not in caplog.text
    assert gathered.vcenter_error is None
    # Without Site Recovery's names the items are looked up by their own.
    assert reader.query is not None
    assert reader.query.items[0].vm.name == "V2A-W2K16-201-new"


async def test_a_failing_later_read_also_leaves_vault_none() -> None:
    fake = FakeSiteRecovery(fail_rest=RuntimeError("boom"))

    gathered = await gather(fake, FakeVCenter())

    assert gathered.facts.vault is None
    assert gathered.site_recovery_error == "Site Recovery vault v at https://management.azure.com: boom"
    assert fake.closed


async def test_vcenter_failure_leaves_vcenter_none() -> None:
    reader = FakeVCenter(fail=VCenterAuthError(f"vCenter vcenter.example.internal:443 refused {PASSWORD}"))

    gathered = await gather(FakeSiteRecovery(), reader)

    assert gathered.facts.vcenter is None
    assert gathered.facts.vault is not None
    assert gathered.vcenter_error is not None
    assert PASSWORD not in gathered.vcenter_error
    assert "vcenter.example.internal:443" in gathered.vcenter_error


async def test_a_slow_side_times_out_into_a_message() -> None:
    gathered = await gather(FakeSiteRecovery(), FakeVCenter(delay=0.5), timeout_seconds=0.1)

    assert gathered.facts.vcenter is None
    assert gathered.vcenter_error == "vCenter vcenter.example.internal:443: no answer in time"
    assert gathered.facts.vault is not None


async def test_a_credential_that_cannot_be_built_is_one_side_only() -> None:
    def refuse(config: Any, identity: Any) -> Any:
        raise ValueError("authority is not a URL")

    gathered = await gather_failback_facts(
        MASTER_TARGET,
        [PLAN],
        site_recovery=SOURCE,
        vcenter=VCENTER,
        now=NOW,
        connect=refuse,
        vcenter_reader=FakeVCenter(),
    )

    assert gathered.facts.vault is None
    assert (
        gathered.site_recovery_error
        == "Site Recovery vault v at https://management.azure.com: authority is not a URL"
    )
    assert gathered.facts.vcenter is not None


async def test_nothing_configured_reads_nothing() -> None:
    gathered = await gather_failback_facts(MASTER_TARGET, [PLAN], site_recovery=None, vcenter=None, now=NOW)

    assert gathered.facts.vault is None
    assert gathered.facts.vcenter is None
    assert len(gathered.errors) == 2


async def test_reads_run_concurrently() -> None:
    """The vCenter read overlaps the rest of the vault's reads (it only waits for the items)."""
    started = asyncio.Event()

    class SlowServer(FakeSiteRecovery):
        async def configuration_server(self) -> ConfigurationServer:
            await asyncio.wait_for(started.wait(), timeout=5)
            return await super().configuration_server()

    class SignallingVCenter(FakeVCenter):
        def __call__(self, endpoint: VCenterEndpoint, query: VCenterQuery) -> VCenterReading:
            loop.call_soon_threadsafe(started.set)
            return super().__call__(endpoint, query)

    loop = asyncio.get_running_loop()
    gathered = await gather(SlowServer(), SignallingVCenter())

    assert gathered.errors == ()


async def test_kept_facts_complete_the_items_and_come_back() -> None:
    kept = {
        "v2a-w2k16-201-new": ProtectedItem(
            name="V2A-W2K16-201-new", os_version="Windows Server 2016", disk_count=2
        )
    }

    gathered = await gather(FakeSiteRecovery(), FakeVCenter(), kept_items=kept)

    assert gathered.facts.vault is not None
    item = gathered.facts.vault.protected_items[0]
    assert item.os_version == "Windows Server 2016"
    assert item.disk_count == 2
    assert gathered.kept_items["v2a-w2k16-201-new"].disk_count == 2


async def test_looks_on_the_same_shared_reads_join_them_once() -> None:
    """The looks of a vault's plans get the same items and plans until they are read again.

    Joining them (recovery plans, kept facts) again per look made a thousand plans on a vault of a
    thousand items quadratic: the same reads give the very same joined objects.
    """
    kept = {"v2a-w2k16-201-new": ProtectedItem(name="V2A-W2K16-201-new", os_version="Windows Server 2016")}
    shared = FakeSiteRecovery()
    joins = VaultJoins()

    # The first look keeps what it completed; from the next on, the same reads give the same objects.
    first = await gather(shared, FakeVCenter(), kept_items=kept, joins=joins)
    second = await gather(shared, FakeVCenter(), kept_items=first.kept_items, joins=joins)
    third = await gather(shared, FakeVCenter(), kept_items=second.kept_items, joins=joins)

    assert second.facts.vault is not None
    assert third.facts.vault is not None
    assert third.facts.vault.protected_items is second.facts.vault.protected_items
    assert third.kept_items is second.kept_items
    # One index of the vault for the looks that share its reads.
    assert third.facts.vault.index is not None
    assert third.facts.vault.index is second.facts.vault.index
    assert third.facts.vault.protected_items[0].recovery_plan == "rp-app1"
    assert third.facts.vault.protected_items[0].os_version == "Windows Server 2016"

    read_again = FakeSiteRecovery(
        items=(dataclasses.replace(shared.items[0], protection_state="Protected"),), plans=shared.plans
    )
    fourth = await gather(read_again, FakeVCenter(), kept_items=third.kept_items, joins=joins)

    assert fourth.facts.vault is not None
    assert fourth.facts.vault.protected_items is not third.facts.vault.protected_items
    (item,) = fourth.facts.vault.protected_items
    assert (item.protection_state, item.recovery_plan, item.os_version) == (
        "Protected",
        "rp-app1",
        "Windows Server 2016",
    )


async def test_a_vaults_joins_remember_its_last_three_reads_only() -> None:
    """Each join is a copy of every item: remembering more reads kept more copies of the vault."""
    joins = VaultJoins()
    reads = [
        FakeSiteRecovery(items=(dataclasses.replace(FakeSiteRecovery.items[0], sync_progress_percent=p),))
        for p in (10, 20, 30, 40)
    ]
    # One kept mapping, as a vault's looks share theirs.
    kept = {"other": ProtectedItem(name="other", os_version="Windows Server 2016")}

    async def items_of(read: FakeSiteRecovery) -> tuple[ProtectedItem, ...]:
        gathered = await gather(read, FakeVCenter(), joins=joins, kept_items=kept)
        assert gathered.facts.vault is not None
        return gathered.facts.vault.protected_items

    first_looks = [await items_of(read) for read in reads]
    newest, previous, before, oldest = [await items_of(read) for read in reversed(reads)]

    assert newest is first_looks[3]
    assert previous is first_looks[2]
    assert before is first_looks[1]
    assert oldest is not first_looks[0]
    assert oldest == first_looks[0]


async def test_a_gathering_without_a_vaults_joins_joins_afresh() -> None:
    shared = FakeSiteRecovery()
    first = await gather(shared, FakeVCenter())
    second = await gather(shared, FakeVCenter())
    assert first.facts.vault is not None
    assert second.facts.vault is not None
    assert second.facts.vault.protected_items is not first.facts.vault.protected_items
    assert second.facts.vault.protected_items == first.facts.vault.protected_items


def test_vcenter_query_by_instance_uuid() -> None:
    declared = MasterTargetDeclaration(name="mt", vm_instance_uuid="5012-abcd")
    query = vcenter_query(declared, [], [])
    assert query.master_target.instance_uuid == "5012-abcd"
    assert query.items == ()


def test_sources_keep_credentials_out_of_repr() -> None:
    assert SECRET not in repr(SOURCE)
    assert PASSWORD not in repr(VCENTER)


async def test_cancelled_gathering_leaves_no_read_behind() -> None:
    cancelled, reading = asyncio.Event(), asyncio.Event()

    class HangingServer(FakeSiteRecovery):
        async def configuration_server(self) -> ConfigurationServer:
            reading.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancelled.set()
                raise
            raise AssertionError("not reached")

    fake = HangingServer()
    gathering = asyncio.create_task(gather(fake, FakeVCenter()))
    await asyncio.wait_for(reading.wait(), timeout=5)
    gathering.cancel()

    with pytest.raises(asyncio.CancelledError):
        await gathering
    assert cancelled.is_set()
    assert fake.closed
