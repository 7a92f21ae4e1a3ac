"""One look at a MasterTarget: read its vault and vCenter, judge its prerequisites, write status.

A classic master target's retention drives that Site Recovery does not list yet are waited for
(FB022): the wait is kept in status, the configuration server is refreshed at the first miss and
again every few minutes while it runs, and FB021 fails only when it is over. Each refresh is
written down as asked before it is sent.

When the MasterTarget opts in (`spec.remediation.enableDiskUuid`) and FB024 fails on facts
actually read, the operator sets `disk.EnableUUID=TRUE` once, says so in an Event, and reads
again, so the status shows the result of the fix rather than the state before it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from failback_operator.api.resources import MasterTargetSpec
from failback_operator.api.status import MasterTargetStatus
from failback_operator.api.vocabulary import EventReason, EventType
from failback_operator.azure import ClientSecret, Conflict, SiteRecovery, VaultConfig, WorkloadIdentity
from failback_operator.facts import Architecture, FailbackFacts
from failback_operator.gathering import (
    Gathered,
    SiteRecoverySource,
    VCenterSource,
    gather_failback_facts,
    master_target_declaration,
    read_vcenter,
)
from failback_operator.gathering.gather import SiteRecoveryConnector, VCenterReader
from failback_operator.gathering.sources import SourceResolver
from failback_operator.gathering.vault_joins import VaultJoins
from failback_operator.rules import Finding, RuleConfig
from failback_operator.rules.lookups import registered_master_target
from failback_operator.rules.retention import (
    RetentionWaitStep,
    duration_text,
    kept_waits,
    next_retention_waits,
    refresh_requested,
    wanted_retention_drives,
)
from failback_operator.services.plan_index import PlanIndex
from failback_operator.services.reconciling import (
    ReconcileSettings,
    post_events,
    redact,
    write_whole_status,
)
from failback_operator.status.master_targets import (
    build_master_target_status,
    master_target_findings,
    plan_retention_drives,
    retention_waits_from_status,
)
from failback_operator.storage.kube import KubeStore, NotFoundError
from failback_operator.vsphere import VCenterEndpoint, enable_disk_uuid, vcenter_session
from failback_operator.workflow import Event

__all__ = ["ConfigurationServerRefresher", "MasterTargetService", "remediate_enable_uuid"]

log = logging.getLogger(__name__)

PLURAL = "mastertargets"

DiskUuidFixer = Callable[[VCenterEndpoint, str], None]
# Starts Refresh server on a vault's configuration server and returns the Site Recovery job id.
ConfigurationServerRefresher = Callable[[SiteRecoverySource], Awaitable[str]]


def remediate_enable_uuid(endpoint: VCenterEndpoint, master_target_moref: str) -> None:
    """Log in and set `disk.EnableUUID=TRUE` on the master target VM (blocking: run it in a thread)."""
    with vcenter_session(endpoint) as session:
        enable_disk_uuid(session, master_target_moref)


def _fb024_fails_on_read_facts(findings: Sequence[Finding]) -> bool:
    return any(
        f.rule == "FB024" and f.blocking and not f.message.startswith("FB024 cannot be checked")
        for f in findings
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class _Sources:
    site_recovery: SiteRecoverySource | None
    vcenter: VCenterSource | None
    vcenter_host: str | None
    problems: tuple[str, ...]


@dataclass
class MasterTargetService:
    """Keeps each MasterTarget's status current; the Kopf daemon calls `look` in a loop."""

    store: KubeStore
    sources: SourceResolver
    clock: Callable[[], datetime]
    settings: ReconcileSettings = field(default_factory=ReconcileSettings)
    rules: RuleConfig = field(default_factory=RuleConfig)
    vcenter_reader: VCenterReader = read_vcenter
    # Shared vault reads (one reader per vault for every look); None reads directly.
    connect: SiteRecoveryConnector | None = None
    # The joins of those shared reads, per vault (made once per read for every look at the vault).
    joins: Callable[[VaultConfig, ClientSecret | WorkloadIdentity], VaultJoins] | None = None
    fix_disk_uuid: DiskUuidFixer = remediate_enable_uuid
    # Refresh server (FB022); None refreshes through the Site Recovery adapter.
    refresh: ConfigurationServerRefresher | None = None
    # The plans kept from watch events; without it, each look lists every plan (FB022's drives).
    index: PlanIndex | None = None
    # Has the vault's configuration server read afresh at the next look (shared reads keep it for
    # their slow configuration period): called while a retention drive is waited for (FB022).
    expire_configuration_server: Callable[[SiteRecoverySource], None] | None = None
    # The last failure announced per master target and topic (the FB024 fix, the FB022 refresh),
    # so that the same failure is announced once.
    _announced: dict[tuple[str, str], str] = field(default_factory=dict)

    async def refresh_configuration_server(self, site_recovery: SiteRecoverySource) -> str:
        """Refresh the configuration server (the injected way, else through the adapter); the job id."""
        return await (self.refresh or self._start_refresh)(site_recovery)

    async def look(self, name: str) -> timedelta:
        """Read, judge and write the master target's status; returns when to look again."""
        try:
            obj = await self.store.get(PLURAL, name)
        except NotFoundError:
            return self.settings.poll
        spec = MasterTargetSpec.model_validate(obj["spec"])
        sources = await self._sources(spec)
        if (
            self.expire_configuration_server is not None
            and sources.site_recovery is not None
            and retention_waits_from_status(name, MasterTargetStatus.model_validate(obj.get("status") or {}))
        ):
            # A drive awaited (FB022) is seen at the wait's own pace, not the configuration's.
            self.expire_configuration_server(sources.site_recovery)
        gathered = await self._gather(name, spec, sources)
        if spec.remediation.enable_disk_uuid and await self._remediate(obj, sources.vcenter, gathered):
            gathered = await self._gather(name, spec, sources)
        errors = (*sources.problems, *gathered.errors)
        now = self.clock()
        step = await self._retention_waits(obj, gathered.facts, now)
        refresh = step.refresh and sources.site_recovery is not None
        # Intent before call: the refresh is written down as asked before it is sent, so a restart
        # or a lost answer never sends another one before the refresh interval has passed.
        waits = refresh_requested(step.waits, step.refresh_drives, at=now) if refresh else step.waits
        await self._write(name, dataclasses.replace(gathered.facts, retention_waits=waits), errors, now)
        if refresh and sources.site_recovery is not None:
            job = await self._refresh(obj, sources.site_recovery, step.refresh_drives)
            if job is not None:
                waits = refresh_requested(waits, step.refresh_drives, at=now, job=job)
                await self._write(
                    name, dataclasses.replace(gathered.facts, retention_waits=waits), errors, now
                )
        again = self.settings.retry if errors else self.settings.poll
        if step.check_again_at is not None:
            # A retention drive being waited for is looked at again soon (FB022).
            again = min(again, max(step.check_again_at - now, timedelta(seconds=1)))
        return again

    async def _write(self, name: str, facts: FailbackFacts, errors: Sequence[str], now: datetime) -> None:
        """Build the whole status from the facts and write it over the fresh object."""

        def build(fresh: Mapping[str, Any]) -> tuple[Mapping[str, Any], Sequence[Event]]:
            previous = MasterTargetStatus.model_validate(fresh.get("status") or {})
            status, events = build_master_target_status(
                previous,
                facts=facts,
                errors=errors,
                generation=int(fresh["metadata"].get("generation", 1)),
                now=now,
                config=self.rules,
            )
            return status.to_status(), events

        await write_whole_status(self.store, PLURAL, name, build)

    async def _retention_waits(
        self, obj: Mapping[str, Any], facts: FailbackFacts, now: datetime
    ) -> RetentionWaitStep:
        """FB022: the waits for the drives the master target and its plans want and Site Recovery lacks."""
        name = obj["metadata"]["name"]
        previous = retention_waits_from_status(
            name, MasterTargetStatus.model_validate(obj.get("status") or {})
        )
        if facts.master_target.architecture is not Architecture.CLASSIC:
            return RetentionWaitStep(waits=())  # appliances have no retention volume
        try:
            listed = (
                await self.index.objects()
                if self.index is not None
                else await self.store.list("failbackplans")
            )
            plans = plan_retention_drives(listed, name)
        except Exception as error:
            # Without the plans, the drives only they want are unknown: keep every wait as it is.
            log.warning("FB022: listing FailbackPlans for %s failed: %s", name, error)
            return kept_waits(previous, name)
        registered = registered_master_target(facts) if facts.vault is not None else None
        return next_retention_waits(
            previous,
            master_target=name,
            wanted=wanted_retention_drives(facts.master_target, plans),
            volumes=registered.retention_volumes if registered is not None else None,
            os_type=facts.master_target.os_type,
            now=now,
            config=self.rules,
        )

    async def _refresh(
        self, obj: Mapping[str, Any], site_recovery: SiteRecoverySource, drives: Sequence[str]
    ) -> str | None:
        """Ask Site Recovery to refresh the configuration server; the job id, or None when it did not."""
        name = obj["metadata"]["name"]
        listed = ", ".join(drives)
        again = duration_text(self.rules.retention_volume_refresh_interval)
        try:
            job = await asyncio.wait_for(
                self.refresh_configuration_server(site_recovery),
                timeout=self.settings.read_timeout.total_seconds(),
            )
        except Conflict as error:
            # Most likely another refresh is running (another master target's wait, or the portal);
            # it lists the new volume just as well. Asked again after the interval all the same.
            text = redact(str(error) or type(error).__name__, site_recovery.secrets)
            event = Event(
                type=EventType.NORMAL,
                reason=EventReason.CONFIGURATION_SERVER_REFRESH_RUNNING,
                message=f"FB022: retention drive {listed} is not listed by master target {name}; Site "
                f"Recovery refused a refresh of the configuration server as conflicting, most likely with "
                f"one already running ({text}); asking again in {again}",
            )
            await self._announce_once(obj, "refresh", text, event)
            return None
        except Exception as error:
            text = redact(str(error) or type(error).__name__, site_recovery.secrets)
            log.warning("FB022: refreshing the configuration server for %s failed: %s", name, text)
            event = Event(
                type=EventType.WARNING,
                reason=EventReason.CONFIGURATION_SERVER_REFRESH_FAILED,
                message=f"FB022: retention drive {listed} is not listed by master target {name}; "
                f"refreshing the configuration server failed: {text}; asking again in {again}",
            )
            await self._announce_once(obj, "refresh", text, event)
            return None
        self._announced.pop((name, "refresh"), None)
        await post_events(
            self.store,
            obj,
            (
                Event(
                    type=EventType.NORMAL,
                    reason=EventReason.CONFIGURATION_SERVER_REFRESHED,
                    message=f"FB022: retention drive {listed} is not listed by master target {name}: "
                    f"refreshed the configuration server (job {job}); waiting up to "
                    f"{duration_text(self.rules.retention_volume_wait)} from the first miss",
                ),
            ),
        )
        return job

    async def _start_refresh(self, site_recovery: SiteRecoverySource) -> str:
        """Refresh server on the vault's configuration server; returns the job id without waiting."""
        client = (self.connect or SiteRecovery.connect)(site_recovery.config, site_recovery.identity)
        try:
            started = await client.start_refresh_configuration_server()
        finally:
            await client.close()  # a shared client's close does nothing
        return started.job_id

    async def _announce_once(self, obj: Mapping[str, Any], topic: str, failure: str, event: Event) -> None:
        """Post `event` unless the same failure was the last one announced on this topic for this object."""
        key = (obj["metadata"]["name"], topic)
        if self._announced.get(key) == failure:
            return
        self._announced[key] = failure
        await post_events(self.store, obj, (event,))

    async def _sources(self, spec: MasterTargetSpec) -> _Sources:
        problems: list[str] = []
        site_recovery = None
        try:
            _, site_recovery = await self.sources.site_recovery_named(spec.vault_ref.name)
        except (NotFoundError, ValueError) as error:
            problems.append(f"RecoveryVault {spec.vault_ref.name}: {error}")
        vcenter = None
        vcenter_host = None
        try:
            vcenter_spec, vcenter = await self.sources.vcenter_named(spec.v_center_ref.name)
            vcenter_host = vcenter_spec.host
        except (NotFoundError, ValueError) as error:
            problems.append(f"VCenter {spec.v_center_ref.name}: {error}")
        return _Sources(
            site_recovery=site_recovery, vcenter=vcenter, vcenter_host=vcenter_host, problems=tuple(problems)
        )

    async def _gather(self, name: str, spec: MasterTargetSpec, sources: _Sources) -> Gathered:
        declaration = master_target_declaration(name, spec, vcenter_host=sources.vcenter_host)
        return await gather_failback_facts(
            declaration,
            (),
            site_recovery=sources.site_recovery,
            vcenter=sources.vcenter,
            now=self.clock(),
            # The master target's rules read no jobs: list only the newest.
            jobs_since=timedelta(0),
            timeout_seconds=self.settings.read_timeout.total_seconds(),
            vcenter_reader=self.vcenter_reader,
            connect=self.connect,
            joins=(
                self.joins(sources.site_recovery.config, sources.site_recovery.identity)
                if self.joins and sources.site_recovery
                else None
            ),
        )

    async def _remediate(
        self, obj: Mapping[str, Any], vcenter: VCenterSource | None, gathered: Gathered
    ) -> bool:
        """FB024's opt-in fix, once per look; True when it was made and the facts are worth reading again."""
        facts = gathered.facts
        if vcenter is None:
            return False
        vm = facts.vcenter.master_target_vm if facts.vcenter else None
        if vm is None or vm.moref is None:
            return False
        if not _fb024_fails_on_read_facts(master_target_findings(facts, self.clock(), self.rules)):
            return False
        try:
            await asyncio.wait_for(
                asyncio.to_thread(self.fix_disk_uuid, vcenter.endpoint, vm.moref),
                timeout=self.settings.read_timeout.total_seconds(),
            )
        except Exception as error:
            text = redact(str(error) or type(error).__name__, (vcenter.endpoint.password,))
            log.warning("FB024: setting disk.EnableUUID on %s failed: %s", vm.name, text)
            # Tried again on each look; the same failure is announced once.
            await self._announce_once(
                obj,
                "fix",
                text,
                Event(
                    type=EventType.WARNING,
                    reason=EventReason.DISK_UUID_REMEDIATION_FAILED,
                    message=f"FB024: could not set disk.EnableUUID=TRUE on {vm.name}: {text}",
                ),
            )
            return False
        self._announced.pop((obj["metadata"]["name"], "fix"), None)
        await post_events(
            self.store,
            obj,
            (
                Event(
                    type=EventType.NORMAL,
                    reason=EventReason.DISK_UUID_ENABLED,
                    message=f"FB024: set disk.EnableUUID=TRUE on master target {vm.name} "
                    "(spec.remediation.enableDiskUuid); the guest sees disk UUIDs after its next power cycle",
                ),
            ),
        )
        return True
