"""One poller per vault: reads its items and jobs in one batch and wakes the plans that depend on them.

Plans look at their own pace (every active poll while jobs run); the poller makes them look as
soon as Site Recovery reports a change, so a finished job or a protected item is acted on at once
without every plan reading the vault more often.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from failback_operator.azure.errors import SiteRecoveryError
from failback_operator.facts.asr import Job, ProtectedItem
from failback_operator.services.kube import KubeStore, NotFoundError
from failback_operator.services.sources import SourceResolver
from failback_operator.services.vault_reads import SharedVaultReads

__all__ = ["VaultPoller", "vault_fingerprint"]

log = logging.getLogger(__name__)


def vault_fingerprint(items: Iterable[ProtectedItem], jobs: Iterable[Job]) -> str:
    """What a plan's next step depends on, condensed: item states and job states, in a stable order."""
    lines = sorted(
        "|".join(
            str(part)
            for part in (
                item.name,
                item.instance_type,
                item.protection_state,
                item.active_location,
                ",".join(sorted(item.allowed_operations)),
                item.current_scenario.name if item.current_scenario else "",
                item.replication_health,
            )
        )
        for item in items
    )
    lines += sorted(f"job|{job.id}|{job.state}" for job in jobs)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass
class VaultPoller:
    """Reads each vault once per poll through the shared reads and wakes its plans on a change."""

    store: KubeStore
    sources: SourceResolver
    reads: SharedVaultReads
    wake: Callable[[str, str], None]
    clock: Callable[[], datetime]
    interval: timedelta
    _seen: dict[str, str] = field(default_factory=dict)
    # Why each vault could not be polled last time, so that a lasting failure is logged once.
    _failing: dict[str, str] = field(default_factory=dict)

    async def poll(self, vault: str) -> timedelta:
        """One batched read of the vault; plans naming it are woken when anything changed.

        A vault that cannot be read (a bad Secret, no workload identity, no answer) is logged in one
        line when the reason changes, never as a traceback per poll: the RecoveryVault's Connected
        condition and each plan's Ready condition say why, and the plans look at their own pace.
        """
        try:
            obj = await self.store.get("recoveryvaults", vault)
            _, source = await self.sources.site_recovery(obj)
            client = self.reads.connect(source.config, source.identity)
            items = await client.protected_items()
            jobs = await client.recent_jobs(self.clock() - timedelta(days=1))
        except (NotFoundError, ValueError, SiteRecoveryError, TimeoutError) as error:
            reason = str(error) or type(error).__name__
            if self._failing.get(vault) != reason:
                self._failing[vault] = reason
                log.warning("vault %s cannot be polled: %s", vault, reason)
            return self.interval
        if self._failing.pop(vault, None) is not None:
            log.info("vault %s is polled again", vault)
        fingerprint = vault_fingerprint(items, jobs)
        if self._seen.get(vault) != fingerprint:
            self._seen[vault] = fingerprint
            for plan in await self.store.list("failbackplans"):
                if _vault_of(plan) == vault:
                    self.wake(plan["metadata"]["namespace"], plan["metadata"]["name"])
        return self.interval


def _vault_of(plan: dict[str, Any]) -> str | None:
    ref = (plan.get("spec") or {}).get("vaultRef") or {}
    name: str | None = ref.get("name")
    return name
