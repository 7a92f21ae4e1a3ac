"""What the running operator holds for its whole life: clients, services, settings, wake-ups."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from failback_operator.election.leadership import ElectionSettings
from failback_operator.gathering.vault_reads import (
    CONFIGURATION_SERVER_KINDS,
    SharedVaultReads,
    connect_within_budget,
)
from failback_operator.services.approval_index import ApprovalIndex
from failback_operator.services.approvals import ApprovalService
from failback_operator.services.master_targets import MasterTargetService
from failback_operator.services.plan_index import PlanIndex
from failback_operator.services.plans import PlanService
from failback_operator.services.reconciling import ReconcileSettings
from failback_operator.services.vault_poller import PollPace, VaultPoller
from failback_operator.services.vaults import VaultService
from failback_operator.services.vcenters import VCenterService
from failback_operator.storage.kube import KubeStore
from failback_operator.storage.reservations import DiskSlotLedger
from failback_operator.vsphere import SharedInventory, VCenterSessions
from failback_operator.workflow import WorkflowSettings

__all__ = [
    "OperatorRuntime",
    "build_runtime",
    "election_settings_from_environment",
    "reconcile_settings_from_environment",
    "replica_identity",
    "settings_from_environment",
    "utc_now",
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _seconds(environ: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    value = environ.get(name)
    return timedelta(seconds=float(value)) if value else default


def _optional_float(environ: Mapping[str, str], name: str) -> float | None:
    value = environ.get(name)
    return float(value) if value else None


def blocking_threads(environ: Mapping[str, str]) -> int:
    """Threads for blocking calls (the Kubernetes client, pyVmomi), and as many API server connections."""
    return int(environ.get("FAILBACK_BLOCKING_THREADS", "32"))


def settings_from_environment(environ: Mapping[str, str] = os.environ) -> WorkflowSettings:
    """Waits can be shortened for tests and the demo without changing behaviour."""
    defaults = WorkflowSettings()

    def seconds(name: str, default: timedelta) -> timedelta:
        return _seconds(environ, name, default)

    return WorkflowSettings(
        intent_grace=seconds("FAILBACK_INTENT_GRACE_SECONDS", defaults.intent_grace),
        active_poll=seconds("FAILBACK_ACTIVE_POLL_SECONDS", defaults.active_poll),
        idle_poll=seconds("FAILBACK_IDLE_POLL_SECONDS", defaults.idle_poll),
        clock_skew=seconds("FAILBACK_CLOCK_SKEW_SECONDS", defaults.clock_skew),
        rules=dataclasses.replace(
            defaults.rules,
            agent_registration_window=seconds(
                "FAILBACK_AGENT_WINDOW_SECONDS", defaults.rules.agent_registration_window
            ),
            agent_retry_initial=seconds("FAILBACK_AGENT_RETRY_SECONDS", defaults.rules.agent_retry_initial),
            retention_volume_wait=seconds(
                "FAILBACK_RETENTION_VOLUME_WAIT_SECONDS", defaults.rules.retention_volume_wait
            ),
            retention_volume_poll=seconds(
                "FAILBACK_RETENTION_VOLUME_POLL_SECONDS", defaults.rules.retention_volume_poll
            ),
            retention_volume_refresh_interval=seconds(
                "FAILBACK_RETENTION_VOLUME_REFRESH_SECONDS", defaults.rules.retention_volume_refresh_interval
            ),
        ),
    )


def reconcile_settings_from_environment(environ: Mapping[str, str] = os.environ) -> ReconcileSettings:
    """How often RecoveryVaults, VCenters and MasterTargets are read again, from the environment."""
    defaults = ReconcileSettings()
    return ReconcileSettings(
        poll=_seconds(environ, "FAILBACK_RECONCILE_POLL_SECONDS", defaults.poll),
        retry=_seconds(environ, "FAILBACK_RECONCILE_RETRY_SECONDS", defaults.retry),
        read_timeout=_seconds(environ, "FAILBACK_READ_TIMEOUT_SECONDS", defaults.read_timeout),
    )


def election_settings_from_environment(environ: Mapping[str, str] = os.environ) -> ElectionSettings:
    """The Lease contested by the replicas (in the operator's namespace) and its timing."""
    defaults = ElectionSettings()

    def seconds(name: str, default: float) -> float:
        return _seconds(environ, name, timedelta(seconds=default)).total_seconds()

    return ElectionSettings(
        namespace=environ.get("FAILBACK_OPERATOR_NAMESPACE", defaults.namespace),
        lease_name=environ.get("FAILBACK_LEASE_NAME", defaults.lease_name),
        lease_duration=seconds("FAILBACK_LEASE_DURATION_SECONDS", defaults.lease_duration),
        renew_deadline=seconds("FAILBACK_LEASE_RENEW_DEADLINE_SECONDS", defaults.renew_deadline),
        retry_period=seconds("FAILBACK_LEASE_RETRY_PERIOD_SECONDS", defaults.retry_period),
    )


def replica_identity(environ: Mapping[str, str] = os.environ) -> str:
    """The pod's name and a random suffix: a restarted container never passes for its predecessor."""
    pod = environ.get("POD_NAME") or environ.get("HOSTNAME") or socket.gethostname()
    return f"{pod}_{uuid.uuid4().hex[:8]}"


@dataclass
class OperatorRuntime:
    """Long-lived parts shared by the handlers through Kopf's memo."""

    store: KubeStore
    plans: PlanService
    ledger: DiskSlotLedger
    settings: WorkflowSettings
    vaults: VaultService
    vcenters: VCenterService
    master_targets: MasterTargetService
    reconcile: ReconcileSettings
    # Every plan, kept from the watch: looks and the vault poller read it instead of listing plans.
    plan_index: PlanIndex
    # Every approval, kept from the watch: looks read a plan's approvals from it.
    approval_index: ApprovalIndex | None = None
    vault_reads: SharedVaultReads | None = None
    # The FailbackApproval status writer; None only where a test builds a runtime without one.
    approvals: ApprovalService | None = None
    # Set once the runtime exists, since it wakes the runtime's plans.
    vault_poller: VaultPoller | None = None
    clock: Callable[[], datetime] = utc_now
    _wake: dict[tuple[str, str], asyncio.Event] = field(default_factory=dict)

    def wake_event(self, namespace: str, name: str) -> asyncio.Event:
        return self._wake.setdefault((namespace, name), asyncio.Event())

    def wake(self, namespace: str, name: str) -> None:
        """Make the plan's daemon look now instead of at its next scheduled look."""
        self.wake_event(namespace, name).set()

    def forget(self, namespace: str, name: str) -> None:
        self._wake.pop((namespace, name), None)
        self.plans.forget(namespace, name)

    def infrastructure_wake_event(self, plural: str, name: str) -> asyncio.Event:
        """The wake-up of a cluster-scoped object's daemon (its plural keeps it apart from plans)."""
        return self._wake.setdefault((f"/{plural}", name), asyncio.Event())


def build_runtime(
    environ: Mapping[str, str] = os.environ, may_act: Callable[[], bool] | None = None
) -> OperatorRuntime:
    """Everything the handlers share, from the pod's (or the kubeconfig's) credentials.

    `may_act` says whether this replica still holds the operator's Lease (always, when standalone).
    """
    from failback_operator.gathering import kept_session_reader
    from failback_operator.gathering.sources import SourceResolver
    from failback_operator.services.plan_facts import GatheringFactsSource
    from failback_operator.storage.kube import load_api_client

    store = KubeStore(
        load_api_client(connections=blocking_threads(environ)),
        operator_namespace=environ.get("FAILBACK_OPERATOR_NAMESPACE", "failback-system"),
    )
    settings = settings_from_environment(environ)
    ledger = DiskSlotLedger(store, utc_now, capacity=settings.rules.master_target_disk_slots)
    vault_poll = timedelta(seconds=float(environ.get("FAILBACK_VAULT_POLL_SECONDS", "10")))
    pace = PollPace(
        interval=vault_poll,
        fast=min(vault_poll, timedelta(seconds=float(environ.get("FAILBACK_VAULT_FAST_POLL_SECONDS", "1")))),
        reads_per_second=float(environ.get("FAILBACK_VAULT_READS_PER_SECOND", "4")),
        quiet=max(
            vault_poll, timedelta(seconds=float(environ.get("FAILBACK_VAULT_QUIET_POLL_SECONDS", "60")))
        ),
    )
    plan_index = PlanIndex(lambda: store.list_pages("failbackplans"))
    approval_index = ApprovalIndex(lambda: store.list("failbackapprovals"))
    reads = SharedVaultReads(
        # The vault poller reads the items and jobs afresh at its paces and wakes the plans a change
        # concerns with them: looks use its reads, and list only what is older than their own pace
        # (a failed reprotect, which no step awaits, is seen so at the active pace).
        ttl_seconds=float(
            environ.get(
                "FAILBACK_VAULT_READ_TTL_SECONDS",
                min(settings.active_poll.total_seconds(), pace.quiet.total_seconds()),
            )
        ),
        # One jobs list a day back serves every plan's job tracking and adoption.
        jobs_since=lambda: utc_now() - timedelta(days=1),
        # The configuration changes rarely; a retention volume awaited (FB022) has the configuration
        # server read at the wait's own pace (the master target's looks expire it).
        configuration_ttl_seconds=float(environ.get("FAILBACK_VAULT_CONFIGURATION_SECONDS", "300")),
        # Every GET of a vault's shared client (list pages, jobs read by name) within its budget.
        connect=connect_within_budget(
            per_second=_optional_float(environ, "FAILBACK_VAULT_READ_BUDGET_PER_SECOND"),
            burst=_optional_float(environ, "FAILBACK_VAULT_READ_BURST"),
        ),
    )
    # Looks share a vault's or vCenter's object and Secret for a few seconds; a change shows after.
    sources = SourceResolver(store, settled_seconds=float(environ.get("FAILBACK_SOURCE_SECONDS", "5")))
    reconcile = reconcile_settings_from_environment(environ)
    # One logged-in session per vCenter for every look, renewed when vCenter drops it, and one
    # inventory index per vCenter shared by the looks of a short period (each look still reads its
    # own VMs in full).
    inventory = SharedInventory(
        ttl_seconds=float(
            environ.get(
                "FAILBACK_VCENTER_INVENTORY_SECONDS",
                min(settings.active_poll.total_seconds(), vault_poll.total_seconds()),
            )
        ),
        # Licences and privileges: settings a person changes, read again every five minutes, and at
        # each look of a plan blocked by a finding (it may be theirs).
        settled_seconds=float(environ.get("FAILBACK_VCENTER_SETTINGS_SECONDS", "300")),
    )
    vcenter_reader = kept_session_reader(VCenterSessions(), inventory)
    facts_source = GatheringFactsSource(
        store,
        utc_now,
        reads,
        sources,
        read_timeout=reconcile.read_timeout,
        vcenter_reader=vcenter_reader,
        inventory=inventory,
    )
    plans = PlanService(
        store=store,
        facts_source=facts_source,
        change_stamp=facts_source.change_stamp,
        ledger=ledger,
        clock=utc_now,
        settings=settings,
        index=plan_index,
        approval_index=approval_index,
        concurrent_looks=int(environ.get("FAILBACK_CONCURRENT_LOOKS", "16")),
    )
    if may_act is not None:
        plans.may_act = may_act
    runtime = OperatorRuntime(
        store=store,
        plans=plans,
        ledger=ledger,
        settings=settings,
        vaults=VaultService(
            store=store,
            sources=sources,
            clock=utc_now,
            settings=reconcile,
            rules=settings.rules,
            connect=reads.connect,
        ),
        vcenters=VCenterService(
            store=store, sources=sources, clock=utc_now, settings=reconcile, rules=settings.rules
        ),
        master_targets=MasterTargetService(
            store=store,
            sources=sources,
            clock=utc_now,
            settings=reconcile,
            rules=settings.rules,
            connect=reads.connect,
            joins=reads.joins,
            vcenter_reader=vcenter_reader,
            index=plan_index,
            expire_configuration_server=lambda source: reads.expire(
                source.config, source.identity, CONFIGURATION_SERVER_KINDS
            ),
        ),
        vault_reads=reads,
        reconcile=reconcile,
        approvals=ApprovalService(
            store=store,
            clock=utc_now,
            index=approval_index,
            **({"may_act": may_act} if may_act is not None else {}),
        ),
        plan_index=plan_index,
        approval_index=approval_index,
    )
    runtime.vault_poller = VaultPoller(
        store=store,
        sources=sources,
        reads=reads,
        wake=runtime.wake,
        clock=utc_now,
        pace=pace,
        index=plan_index,
    )
    return runtime
