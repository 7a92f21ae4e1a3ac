"""Reads Site Recovery and vCenter concurrently into the rule catalogue's input, FailbackFacts.

The one place that turns live adapters into facts, for the preflight command and the operator
alike. Site Recovery is read in batches (one paged list of protected items, one of recent jobs,
the configuration server, the failback policies and the recovery plans); vCenter is read through
the blocking pyvmomi reader in a worker thread once the items' on-premises VM names are known,
while the rest of Site Recovery is still being read. A side that cannot be read becomes `None`
with a message saying why: the rules then report "cannot be checked" instead of passing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from failback_operator.azure import (
    ClientSecret,
    SiteRecovery,
    VaultConfig,
    WorkloadIdentity,
)
from failback_operator.facts import FAILBACK_POLICY_PROVIDERS, FORWARD_POLICY_PROVIDERS, FailbackFacts
from failback_operator.facts.asr import (
    ConfigurationServer,
    FailbackPolicy,
    Job,
    ProtectedItem,
    RecoveryPlan,
    VaultFacts,
)
from failback_operator.facts.reservations import DiskReservation
from failback_operator.facts.spec import MasterTargetDeclaration, PlanDeclaration, RunApproval
from failback_operator.facts.vsphere import DiskPlacement
from failback_operator.gathering.vault_joins import VaultJoins
from failback_operator.vsphere import (
    PlanItemVm,
    SharedInventory,
    VCenterEndpoint,
    VCenterError,
    VCenterQuery,
    VCenterReading,
    VCenterSession,
    VCenterSessions,
    VmRef,
    read_vcenter_facts,
    vcenter_session,
)

__all__ = [
    "Gathered",
    "SiteRecoverySource",
    "VCenterSource",
    "gather_failback_facts",
    "kept_session_reader",
    "read_vcenter",
    "vcenter_query",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

VCenterReader = Callable[[VCenterEndpoint, VCenterQuery], VCenterReading]
SiteRecoveryConnector = Callable[[VaultConfig, ClientSecret | WorkloadIdentity], SiteRecovery]


@dataclass(frozen=True, kw_only=True)
class SiteRecoverySource:
    """A vault to read and the identity to read it with (the identity never shows in a repr)."""

    config: VaultConfig
    identity: ClientSecret | WorkloadIdentity = field(repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never show in a message, log or status: the client secret, if there is one."""
        identity = self.identity
        return (identity.client_secret.get_secret_value(),) if isinstance(identity, ClientSecret) else ()


@dataclass(frozen=True, kw_only=True)
class VCenterSource:
    """A vCenter to read, the name the configuration server knows it by, and the run-as account's user."""

    endpoint: VCenterEndpoint
    # The host name or IP the configuration server discovers this vCenter under (FB002, FB005).
    name: str
    # The vCenter user behind the configuration server's run-as account (FB005); Site Recovery
    # does not report it, so it is declared by whoever asks.
    run_as_user: str | None = None


@dataclass(frozen=True, kw_only=True)
class Gathered:
    """The facts for the catalogue, why a side is missing, and the cleared facts to keep for next time."""

    facts: FailbackFacts
    site_recovery_error: str | None = None
    vcenter_error: str | None = None
    vcenter_reading: VCenterReading | None = None
    # Items as read, completed with earlier reads: pass back as `kept_items` on the next gathering.
    kept_items: Mapping[str, ProtectedItem] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[str, ...]:
        """Why a side could not be read, one message per side."""
        return tuple(e for e in (self.site_recovery_error, self.vcenter_error) if e)


@dataclass(frozen=True, kw_only=True, slots=True)
class _VaultRest:
    configuration_server: ConfigurationServer
    failback_policies: tuple[FailbackPolicy, ...]
    forward_policies: tuple[FailbackPolicy, ...]
    jobs: tuple[Job, ...]


def read_vcenter(endpoint: VCenterEndpoint, query: VCenterQuery) -> VCenterReading:
    """Log in, read everything the query names, log out (blocking: run it in a thread)."""
    with vcenter_session(endpoint) as session:
        return read_vcenter_facts(session, query)


def kept_session_reader(sessions: VCenterSessions, inventory: SharedInventory | None = None) -> VCenterReader:
    """A reader that reads through a kept, logged-in session instead of logging in per read.

    With `inventory`, the vCenter's inventory index is read once per its period and shared by
    every read of that vCenter, instead of once per read.
    """

    def use(endpoint: VCenterEndpoint, query: VCenterQuery, session: VCenterSession) -> VCenterReading:
        if inventory is None:
            return read_vcenter_facts(session, query)
        return read_vcenter_facts(
            session,
            query,
            index=inventory.index(endpoint, session),
            remember=lambda key, read: inventory.remembered(endpoint, key, read),
        )

    def read(endpoint: VCenterEndpoint, query: VCenterQuery) -> VCenterReading:
        return sessions.run(endpoint, lambda session: use(endpoint, query, session))

    return read


def _plan_item_names(plans: Iterable[PlanDeclaration]) -> list[str]:
    names: dict[str, None] = {}
    for plan in plans:
        names.update(dict.fromkeys(plan.all_items()))
    return list(names)


def vcenter_query(
    master_target: MasterTargetDeclaration,
    plans: Sequence[PlanDeclaration],
    items: Iterable[ProtectedItem],
    *,
    run_as_user: str | None = None,
) -> VCenterQuery:
    """What to read in vCenter: the master target and, per plan item, the on-premises VM it came from.

    An item's VM is looked up by the name Site Recovery gives it (`friendlyName`), else by the
    item's own name when Site Recovery could not be read.
    """
    by_name = {item.name.casefold(): item for item in items}
    plan_items = []
    for name in _plan_item_names(plans):
        known = by_name.get(name.casefold())
        vm_name = (known.friendly_name if known else None) or name
        plan_items.append(PlanItemVm(item=name, vm=VmRef(name=vm_name)))
    return VCenterQuery(
        master_target=VmRef(name=master_target.vm_name, instance_uuid=master_target.vm_instance_uuid),
        items=tuple(plan_items),
        run_as_user=run_as_user,
    )


def _describe(error: BaseException, secrets: Sequence[str]) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    text = str(error) or type(error).__name__
    # The adapters keep credentials out of their messages; this also covers anything unforeseen.
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


async def _bounded(call: Awaitable[T], timeout_seconds: float) -> T:
    # asyncio.timeout, not wait_for: wait_for swallows a cancellation that races the call's end.
    async with asyncio.timeout(timeout_seconds):
        return await call


async def gather_failback_facts(
    master_target: MasterTargetDeclaration,
    plans: Sequence[PlanDeclaration],
    *,
    site_recovery: SiteRecoverySource | None,
    vcenter: VCenterSource | None,
    now: datetime,
    approvals: Sequence[RunApproval] = (),
    reservations: Sequence[DiskReservation] = (),
    kept_items: Mapping[str, ProtectedItem] | None = None,
    placements_at_reprotect: tuple[DiskPlacement, ...] | None = None,
    jobs_since: timedelta = timedelta(days=1),
    timeout_seconds: float = 300.0,
    connect: SiteRecoveryConnector | None = None,
    vcenter_reader: VCenterReader | None = None,
    joins: VaultJoins | None = None,
) -> Gathered:
    """FailbackFacts for one master target and its plans, read from both sides at once.

    Never raises for a side that cannot be read: that side is `None` in the facts and its reason
    is in `site_recovery_error` / `vcenter_error`. `joins`: the vault's remembered joins, for
    looks that share its reads.
    """
    joins = joins or VaultJoins()
    secrets = _secrets(site_recovery, vcenter)
    sr_error: str | None = None
    vc_error: str | None = None
    items: tuple[ProtectedItem, ...] | None = None
    recovery_plans: tuple[RecoveryPlan, ...] | None = None
    rest: _VaultRest | None = None
    reading: VCenterReading | None = None
    kept: Mapping[str, ProtectedItem] = kept_items or {}

    if site_recovery is None:
        sr_error = "Site Recovery was not read: no vault or no credentials for it"
    if vcenter is None:
        vc_error = "vCenter was not read: no vCenter or no login for it"

    client: SiteRecovery | None = None
    if site_recovery is not None:
        try:
            client = (connect or SiteRecovery.connect)(site_recovery.config, site_recovery.identity)
        except Exception as error:  # a credential that cannot even be built is still only one side
            sr_error = _vault_message(site_recovery, error, secrets)

    started: list[asyncio.Task[object]] = []
    try:
        items_task = (
            asyncio.create_task(_bounded(_read_items(client, joins), timeout_seconds)) if client else None
        )
        rest_task = (
            asyncio.create_task(_bounded(_read_rest(client, now - jobs_since), timeout_seconds))
            if client
            else None
        )
        started += [task for task in (items_task, rest_task) if task is not None]
        if items_task is not None:
            try:
                items_read, recovery_plans = await items_task
                items = joins.completed(items_read, kept)
            except Exception as error:
                sr_error = _vault_message(site_recovery, error, secrets)
        # The items name the on-premises VMs; the vCenter read runs while the rest of the vault is read.
        vcenter_task = None
        if vcenter is not None:
            query = vcenter_query(
                master_target, plans, items or tuple(kept.values()), run_as_user=vcenter.run_as_user
            )
            reader = vcenter_reader or read_vcenter
            vcenter_task = asyncio.create_task(
                _bounded(asyncio.to_thread(reader, vcenter.endpoint, query), timeout_seconds)
            )
            started.append(vcenter_task)
        if rest_task is not None:
            try:
                rest = await rest_task
            except Exception as error:
                sr_error = sr_error or _vault_message(site_recovery, error, secrets)
        if vcenter_task is not None and vcenter is not None:
            try:
                reading = await vcenter_task
            except Exception as error:
                # The adapter's errors already name the vCenter; others get its address here.
                text = _describe(error, secrets)
                vc_error = (
                    text if isinstance(error, VCenterError) else f"vCenter {vcenter.endpoint.address}: {text}"
                )
    finally:
        # Cancelled from outside: no read outlives the gathering (a vCenter thread ends on its own).
        pending = [task for task in started if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if client is not None:
            await client.close()

    vault = None
    if sr_error is None and items is not None and rest is not None:
        vault = VaultFacts(
            observed_at=now,
            configuration_server=rest.configuration_server,
            failback_policies=rest.failback_policies,
            forward_policies=rest.forward_policies,
            protected_items=items,
            jobs=rest.jobs,
            recovery_plans=recovery_plans,
            index=joins.indexed(items, recovery_plans),
        )
        kept = joins.kept_after(items, kept)
    vcenter_facts = None
    if reading is not None and vcenter is not None:
        # Named as the configuration server knows it (host or IP), not host:port.
        vcenter_facts = dataclasses.replace(reading.facts, vcenter=vcenter.name)
    for message in (sr_error, vc_error):
        if message:
            log.warning("%s", message)
    facts = FailbackFacts(
        master_target=master_target,
        vault=vault,
        vcenter=vcenter_facts,
        plans=tuple(plans),
        approvals=tuple(approvals),
        reservations=tuple(reservations),
        placements_at_reprotect=placements_at_reprotect,
    )
    return Gathered(
        facts=facts,
        site_recovery_error=None if vault is not None else sr_error,
        vcenter_error=None if vcenter_facts is not None else vc_error,
        vcenter_reading=reading,
        kept_items=kept,
    )


def _secrets(site_recovery: SiteRecoverySource | None, vcenter: VCenterSource | None) -> tuple[str, ...]:
    found = list(site_recovery.secrets) if site_recovery is not None else []
    if vcenter is not None:
        found.append(vcenter.endpoint.password)
    return tuple(found)


def _vault_message(source: SiteRecoverySource | None, error: BaseException, secrets: Sequence[str]) -> str:
    where = f"{source.config.vault} at {source.config.endpoint}" if source else "?"
    return f"Site Recovery vault {where}: {_describe(error, secrets)}"


async def _read_items(
    client: SiteRecovery, joins: VaultJoins
) -> tuple[tuple[ProtectedItem, ...], tuple[RecoveryPlan, ...]]:
    """Every protected item of the vault (one paged list) with the plan that holds it; the plans too."""
    items, plans = await asyncio.gather(client.protected_items(), client.recovery_plans())
    return joins.in_plans(items, plans), plans


async def _read_rest(client: SiteRecovery, jobs_since: datetime) -> _VaultRest:
    """The configuration server, the failback policies and the jobs started since `jobs_since`."""
    server, policies, jobs = await asyncio.gather(
        client.configuration_server(), client.replication_policies(), client.recent_jobs(jobs_since)
    )
    return _VaultRest(
        configuration_server=server,
        failback_policies=tuple(p for p in policies if p.provider in FAILBACK_POLICY_PROVIDERS),
        forward_policies=tuple(p for p in policies if p.provider in FORWARD_POLICY_PROVIDERS),
        jobs=jobs,
    )
