"""One replica's side of the election: wait for the Lease, keep it renewed, give it back on shutdown."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from failback_operator.election.leadership import (
    ElectionSettings,
    LeaseRecord,
    Observation,
    StandBy,
    claim,
    held_by_another,
    observe,
    release_record,
    renewal_lost,
)
from failback_operator.storage.leases import LeaseConflict

__all__ = ["LeaderElector", "LeaseAccess"]

logger = logging.getLogger(__name__)


class LeaseAccess(Protocol):
    """Reads and conditional writes of the one Lease (storage.leases.LeaseStore in the operator)."""

    async def read(self) -> LeaseRecord | None: ...

    async def write(self, record: LeaseRecord) -> LeaseRecord: ...


def _wall_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class LeaderElector:
    """Client-go's leaderelection loop for one identity over one Lease, with every clock injectable."""

    leases: LeaseAccess
    identity: str
    settings: ElectionSettings
    monotonic: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], datetime] = _wall_now
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = random.random
    _observation: Observation | None = field(default=None, init=False)
    _renewal_started: float | None = field(default=None, init=False)
    _standing_by_for: str | None = field(default=None, init=False)

    @property
    def leading(self) -> bool:
        """Whether this replica holds the lease and its last renewal is within the renew deadline."""
        if self._renewal_started is None:
            return False
        return not renewal_lost(self._renewal_started, self.monotonic(), self.settings)

    @property
    def holder(self) -> str | None:
        """The holder as last read (this replica's identity while it leads)."""
        return self._observation.record.holder if self._observation else None

    async def try_acquire_or_renew(self) -> bool:
        """One round: read the Lease, then take or renew it with a conditional write; True if it is ours."""
        started = self.monotonic()
        current = await self.leases.read()
        self._observation = observe(self._observation, current, started) if current else None
        decision = claim(self._observation, self.identity, self.settings, self.wall_clock(), started)
        if isinstance(decision, StandBy):
            if decision.holder != self._standing_by_for:
                logger.info("Lease held by %s: %s stands by.", decision.holder, self.identity)
                self._standing_by_for = decision.holder
            return False
        try:
            written = await self.leases.write(decision.record)
        except LeaseConflict:
            # Another replica wrote between the read and the write: read again next round.
            return False
        if self._renewal_started is None:
            logger.info(
                "%s leads (lease %s/%s, transition %d).",
                self.identity,
                self.settings.namespace,
                self.settings.lease_name,
                written.transitions,
            )
        self._observation = Observation(record=written, seen_at=started)
        self._renewal_started = started
        self._standing_by_for = None
        return True

    async def _attempt(self, within: float) -> bool:
        """A round bounded in time; an unreachable API server counts as a failed round, not a crash."""
        try:
            async with asyncio.timeout(within):
                return await self.try_acquire_or_renew()
        except TimeoutError:
            logger.warning("The Lease could not be read or written within %.1f s.", within)
        except Exception as error:  # any failure of a round means: not ours this round
            logger.warning(
                "The Lease %s/%s could not be read or written: %s %s",
                self.settings.namespace,
                self.settings.lease_name,
                type(error).__name__,
                getattr(error, "status", "") or "",
            )
        return False

    async def acquire(self) -> None:
        """Return once this replica holds the lease; tries every retry period, with jitter."""
        while not await self._attempt(self.settings.renew_deadline):
            await self.sleep(self.settings.retry_period * (1.0 + 0.2 * self.jitter()))

    async def hold(self) -> None:
        """Renew every retry period; return the moment the lease is lost (deadline passed or taken)."""
        while True:
            await self.sleep(self.settings.retry_period)
            while True:
                assert self._renewal_started is not None
                remaining = self._renewal_started + self.settings.renew_deadline - self.monotonic()
                if remaining <= 0:
                    logger.error("%s could not renew its lease within the renew deadline.", self.identity)
                    self._renewal_started = None
                    return
                if await self._attempt(remaining):
                    break
                if self._observation is not None and held_by_another(
                    self._observation, self.identity, self.monotonic()
                ):
                    logger.error("%s lost its lease to %s.", self.identity, self._observation.record.holder)
                    self._renewal_started = None
                    return
                await self.sleep(min(self.settings.retry_period, max(remaining, 0.0)))

    async def release(self) -> bool:
        """Give the lease back if this replica still holds it, so a successor need not wait out the term."""
        self._renewal_started = None
        try:
            current = await asyncio.wait_for(self.leases.read(), self.settings.renew_deadline)
            if current is None or current.holder != self.identity:
                return False
            await asyncio.wait_for(
                self.leases.write(release_record(current, self.wall_clock())), self.settings.renew_deadline
            )
        except Exception as error:  # the lease then simply expires
            logger.warning("The lease was not released (%s); it expires on its own.", type(error).__name__)
            return False
        logger.info("%s released its lease.", self.identity)
        return True
