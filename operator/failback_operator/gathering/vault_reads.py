"""One reader per vault: every plan and master target of a vault shares its batched reads.

ARM throttles reads per principal and subscription, so looks that happen close together share
one list of protected items, recovery plans, jobs, the configuration server and the policies
instead of reading them again. Items and jobs, which move with every step, are reused for a short
time only (the TTL); the configuration (fabric, configuration server with its vCenters, policies,
recovery plans), which rarely changes, is read once and refreshed on its own slower period. A
newer read always replaces an older one, so what a plan sees never goes back in time. Each vault
keeps a change stamp: how many reads found something other than the read of that kind before, so
that a look can tell whether the vault moved since its last decision without reading it.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from failback_operator.azure import (
    DEFAULT_READ_BURST,
    DEFAULT_READS_PER_SECOND,
    ClientSecret,
    ReadBudget,
    SiteRecovery,
    VaultConfig,
    WorkloadIdentity,
)
from failback_operator.facts import RecoveryPlan
from failback_operator.facts.asr import ConfigurationServer, FailbackPolicy, Job, ProtectedItem
from failback_operator.gathering.jobs_window import JobsWindow
from failback_operator.gathering.same_inputs import SameInputs
from failback_operator.gathering.vault_joins import VaultJoins

__all__ = [
    "CONFIGURATION_KINDS",
    "CONFIGURATION_SERVER_KINDS",
    "POLLED_KINDS",
    "SharedVaultReads",
    "connect_within_budget",
]

T = TypeVar("T")

# What the vault poller reads afresh at each poll, for every look to share.
POLLED_KINDS = ("items", "jobs")
# Entries per page of Site Recovery's items and jobs lists.
_PAGE_SIZE = 100
# The configuration server with or without its vCenters: where master targets list their retention
# volumes (FB022).
CONFIGURATION_SERVER_KINDS = ("configuration server True", "configuration server False")
# What a vault's configuration is made of: read on the configuration period, not the TTL.
CONFIGURATION_KINDS = frozenset({"fabric name", "recovery plans", "policies", *CONFIGURATION_SERVER_KINDS})


@dataclass
class _Entry:
    value: Any
    read_at: float


def _earliest(jobs: tuple[Job, ...]) -> datetime | None:
    return min((job.start for job in jobs if job.start is not None), default=None)


@dataclass
class _VaultCache:
    """The last answers of one vault, and one lock per kind of read so that bursts coalesce."""

    client: SiteRecovery
    entries: dict[str, _Entry] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # The last value read of each kind, kept when an entry is expired, to tell a change from a re-read.
    last: dict[str, Any] = field(default_factory=dict)
    changes: int = 0
    # The day of jobs kept between reads (gathering/jobs_window.py), and when it was last listed whole.
    jobs_window: JobsWindow | None = None
    jobs_whole_at: float = 0.0
    # The earliest start among the jobs, once per read of them, not once per look.
    earliest_start: SameInputs[datetime | None] = field(default_factory=lambda: SameInputs(_earliest, size=2))


def _key(config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> str:
    """Vault and identity: a changed Secret or endpoint gets a reader of its own."""
    secret = identity.client_secret.get_secret_value() if isinstance(identity, ClientSecret) else ""
    material = f"{config.model_dump_json()}|{identity.model_dump_json()}|{secret}"
    return hashlib.sha256(material.encode()).hexdigest()


class _SharedSiteRecovery(SiteRecovery):
    """The adapter with its batched reads served from the vault's shared cache; closing is a no-op."""

    def __init__(self, shared: SharedVaultReads, cache: _VaultCache) -> None:
        client = cache.client
        super().__init__(
            client.config, client._client, credential=None, secrets=client._secrets, known=client.known
        )
        self._shared = shared
        self._cache = cache

    async def close(self) -> None:
        """The shared client lives as long as the operator."""

    async def configuration_server_fabric(self) -> str:
        if self._fabric is None:
            self._fabric = await self._shared.read(
                self._cache, "fabric name", super().configuration_server_fabric
            )
        return self._fabric

    async def protected_items(self) -> tuple[ProtectedItem, ...]:
        return await self._shared.read(self._cache, "items", super().protected_items)

    async def recovery_plans(self) -> tuple[RecoveryPlan, ...]:
        return await self._shared.read(self._cache, "recovery plans", super().recovery_plans)

    async def configuration_server(self, *, with_vcenters: bool = True) -> ConfigurationServer:
        return await self._shared.read(
            self._cache,
            f"configuration server {with_vcenters}",
            lambda: super(_SharedSiteRecovery, self).configuration_server(with_vcenters=with_vcenters),
        )

    async def replication_policies(self) -> tuple[FailbackPolicy, ...]:
        # Failback and forward policies are both served from this one shared read.
        return await self._shared.read(self._cache, "policies", super().replication_policies)

    async def recent_jobs(self, since: datetime) -> tuple[Job, ...]:
        # Read a day back once and filter per caller, so that every look shares one jobs list.
        jobs: tuple[Job, ...] = await self._shared.read(self._cache, "jobs", self._list_jobs)
        earliest = self._cache.earliest_start(jobs)
        if earliest is None or earliest >= since:
            # The shared tuple itself: what each look builds from it (the jobs' index) is then shared.
            return jobs
        return tuple(j for j in jobs if j.start is None or j.start >= since)

    async def _list_jobs(self) -> tuple[Job, ...]:
        """The day of jobs: listed from where something can have changed, whole at its slow period."""
        cache, shared = self._cache, self._shared
        window_start = shared.jobs_since()
        now = shared.monotonic()
        kept = cache.jobs_window
        if kept is None or now - cache.jobs_whole_at >= shared.jobs_whole_read_seconds:
            window = JobsWindow.whole(await super().recent_jobs(window_start), window_start)
            cache.jobs_whole_at = now
        else:
            start = kept.next_start(window_start)
            window = kept.completed(await super().recent_jobs(start), start, window_start)
        cache.jobs_window = window
        return window.jobs


def connect_within_budget(
    per_second: float | None = None, burst: float | None = None
) -> Callable[[VaultConfig, ClientSecret | WorkloadIdentity], SiteRecovery]:
    """Vault clients whose GETs take tokens of a budget of their own (`azure/read_budget.py`);
    None keeps the default rate or burst."""

    def connect(config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> SiteRecovery:
        budget = ReadBudget(
            per_second=DEFAULT_READS_PER_SECOND if per_second is None else per_second,
            burst=DEFAULT_READ_BURST if burst is None else burst,
        )
        return SiteRecovery.connect(config, identity, read_budget=budget)

    return connect


class SharedVaultReads:
    """Hands out vault clients whose reads are shared; counts real reads for tests and the benchmark.

    Items and jobs are shared for `ttl_seconds`, the configuration for `configuration_ttl_seconds`.
    """

    def __init__(
        self,
        ttl_seconds: float,
        jobs_since: Callable[[], datetime],
        configuration_ttl_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        connect: Callable[
            [VaultConfig, ClientSecret | WorkloadIdentity], SiteRecovery
        ] = SiteRecovery.connect,
        list_pages_per_second: float = 2.0,
        jobs_whole_read_seconds: float = 900.0,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        # Looks list items or jobs again no more often than this many pages a second: a day of jobs
        # at a thousand plans is 66 pages, and listing it every 30 s for the looks' own pace was a
        # fifth of the vault's read budget. The poller reads the lists at its paces, within its
        # budget, and every look then shares its fresh reads.
        self.list_pages_per_second = list_pages_per_second
        self.configuration_ttl_seconds = configuration_ttl_seconds
        self.jobs_since = jobs_since
        # The jobs are listed from the earliest that can still change (gathering/jobs_window.py);
        # the whole day again at this period, for a job restarted or listed late.
        self.jobs_whole_read_seconds = jobs_whole_read_seconds
        self.monotonic = monotonic
        self._connect = connect
        self._vaults: dict[str, _VaultCache] = {}
        # The joins every look at a vault makes of its reads (recovery plans, kept facts, index).
        self._joins: dict[str, VaultJoins] = {}
        self.reads: dict[str, int] = {}

    @staticmethod
    def key(config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> str:
        """The vault's reader: its vault and identity, digested (no credential shows in it)."""
        return _key(config, identity)

    def changes(self, key: str) -> int:
        """How many reads of the vault found something new (0 before any read).

        Read before gathering: data read afterwards is at least as new as what this stamp counts.
        """
        cache = self._vaults.get(key)
        return 0 if cache is None else cache.changes

    def connect(self, config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> SiteRecovery:
        """A client for the vault whose reads are shared with every other look at it."""
        key = _key(config, identity)
        cache = self._vaults.get(key)
        if cache is None:
            cache = self._vaults[key] = _VaultCache(client=self._connect(config, identity))
        return _SharedSiteRecovery(self, cache)

    def joins(self, config: VaultConfig, identity: ClientSecret | WorkloadIdentity) -> VaultJoins:
        """The joins of the vault's shared reads, for every look at it (plans and master targets).

        Without connecting: a credential that cannot be built fails in the gathering, as one side.
        """
        return self._joins.setdefault(_key(config, identity), VaultJoins())

    def expire(
        self, config: VaultConfig, identity: ClientSecret | WorkloadIdentity, kinds: Iterable[str]
    ) -> None:
        """Read these kinds afresh at their next read (the vault poller's own reads must be new)."""
        cache = self._vaults.get(_key(config, identity))
        if cache is not None:
            for kind in kinds:
                cache.entries.pop(kind, None)

    async def read(self, cache: _VaultCache, kind: str, fetch: Callable[[], Awaitable[T]]) -> T:
        lock = cache.locks.setdefault(kind, asyncio.Lock())
        async with lock:  # a burst of looks waits for one read instead of sending many
            entry = cache.entries.get(kind)
            ttl = self._ttl(cache, kind, entry)
            if entry is not None and self.monotonic() - entry.read_at < ttl:
                value: T = entry.value
                return value
            fresh = await fetch()
            cache.entries[kind] = _Entry(value=fresh, read_at=self.monotonic())
            if kind in cache.last and cache.last[kind] != fresh:
                cache.changes += 1
            cache.last[kind] = fresh
            self.reads[kind] = self.reads.get(kind, 0) + 1
            return fresh

    def _ttl(self, cache: _VaultCache, kind: str, entry: _Entry | None) -> float:
        if kind in CONFIGURATION_KINDS:
            return self.configuration_ttl_seconds
        if kind in POLLED_KINDS and entry is not None and isinstance(entry.value, tuple):
            # What the list costs: the jobs are listed from where they can have changed.
            listed = cache.jobs_window.listed if kind == "jobs" and cache.jobs_window else len(entry.value)
            pages = math.ceil(listed / _PAGE_SIZE)
            return max(self.ttl_seconds, pages / self.list_pages_per_second)
        return self.ttl_seconds

    async def close(self) -> None:
        """Close every vault's client (at operator shutdown)."""
        for cache in self._vaults.values():
            await cache.client.close()
        self._vaults.clear()
