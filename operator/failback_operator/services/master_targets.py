"""One look at a MasterTarget: read its vault and vCenter, judge its prerequisites, write status.

When the MasterTarget opts in (`spec.remediation.enableDiskUuid`) and FB024 fails on facts
actually read, the operator sets `disk.EnableUUID=TRUE` once, says so in an Event, and reads
again, so the status shows the result of the fix rather than the state before it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from failback_operator.api.resources import MasterTargetSpec
from failback_operator.api.status import MasterTargetStatus
from failback_operator.api.vocabulary import EventType
from failback_operator.gathering import (
    Gathered,
    SiteRecoverySource,
    VCenterSource,
    gather_failback_facts,
    master_target_declaration,
    read_vcenter,
)
from failback_operator.gathering.gather import SiteRecoveryConnector, VCenterReader
from failback_operator.rules import Finding, RuleConfig
from failback_operator.services.kube import KubeStore, NotFoundError
from failback_operator.services.master_target_status import (
    build_master_target_status,
    master_target_findings,
)
from failback_operator.services.reconciling import (
    ReconcileSettings,
    post_events,
    redact,
    write_whole_status,
)
from failback_operator.services.sources import SourceResolver
from failback_operator.vsphere.connection import VCenterEndpoint, vcenter_session
from failback_operator.vsphere.remediation import enable_disk_uuid
from failback_operator.workflow import Event

__all__ = ["MasterTargetService", "remediate_enable_uuid"]

log = logging.getLogger(__name__)

PLURAL = "mastertargets"

DiskUuidFixer = Callable[[VCenterEndpoint, str], None]


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
    fix_disk_uuid: DiskUuidFixer = remediate_enable_uuid
    # The last failed fix per master target, so that the same failure is announced once.
    _failed_fixes: dict[str, str] = field(default_factory=dict)

    async def look(self, name: str) -> timedelta:
        """Read, judge and write the master target's status; returns when to look again."""
        try:
            obj = await self.store.get(PLURAL, name)
        except NotFoundError:
            return self.settings.poll
        spec = MasterTargetSpec.model_validate(obj["spec"])
        sources = await self._sources(spec)
        gathered = await self._gather(name, spec, sources)
        if spec.remediation.enable_disk_uuid and await self._remediate(obj, sources.vcenter, gathered):
            gathered = await self._gather(name, spec, sources)
        errors = (*sources.problems, *gathered.errors)
        now = self.clock()

        def build(fresh: Mapping[str, Any]) -> tuple[Mapping[str, Any], Sequence[Event]]:
            previous = MasterTargetStatus.model_validate(fresh.get("status") or {})
            status, events = build_master_target_status(
                previous,
                facts=gathered.facts,
                errors=errors,
                generation=int(fresh["metadata"].get("generation", 1)),
                now=now,
                config=self.rules,
            )
            return status.to_status(), events

        await write_whole_status(self.store, PLURAL, name, build)
        return self.settings.retry if errors else self.settings.poll

    async def _sources(self, spec: MasterTargetSpec) -> _Sources:
        problems: list[str] = []
        site_recovery = None
        try:
            _, site_recovery = await self.sources.site_recovery(
                await self.store.get("recoveryvaults", spec.vault_ref.name)
            )
        except (NotFoundError, ValueError) as error:
            problems.append(f"RecoveryVault {spec.vault_ref.name}: {error}")
        vcenter = None
        vcenter_host = None
        try:
            vcenter_spec, vcenter = await self.sources.vcenter(
                await self.store.get("vcenters", spec.v_center_ref.name)
            )
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
            name = obj["metadata"]["name"]
            if self._failed_fixes.get(name) == text:
                return False  # tried again; the same failure was already announced
            self._failed_fixes[name] = text
            await post_events(
                self.store,
                obj,
                (
                    Event(
                        type=EventType.WARNING,
                        reason="DiskUuidRemediationFailed",
                        message=f"FB024: could not set disk.EnableUUID=TRUE on {vm.name}: {text}",
                    ),
                ),
            )
            return False
        self._failed_fixes.pop(obj["metadata"]["name"], None)
        await post_events(
            self.store,
            obj,
            (
                Event(
                    type=EventType.NORMAL,
                    reason="DiskUuidEnabled",
                    message=f"FB024: set disk.EnableUUID=TRUE on master target {vm.name} "
                    "(spec.remediation.enableDiskUuid); the guest sees disk UUIDs after its next power cycle",
                ),
            ),
        )
        return True
