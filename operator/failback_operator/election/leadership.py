"""Leader election over a Lease, the pure decisions: take it, renew it, or stand by.

The rules are client-go's leaderelection: a lease held by another replica is respected until it
has stayed unchanged, as this replica watched it, for the holder's `leaseDurationSeconds`. The
holder's own timestamps are written for people and never trusted for timing, so a clock that
runs ahead or behind on another node cannot make two replicas lead together. Times called `now`
here are this process's monotonic seconds; `wall_now` only fills `acquireTime` and `renewTime`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The Lease as stored; the decisions below only read it.
from failback_operator.storage.leases import LeaseRecord

__all__ = [
    "ElectionSettings",
    "LeaseRecord",
    "Observation",
    "StandBy",
    "Take",
    "claim",
    "held_by_another",
    "observe",
    "release_record",
    "renewal_lost",
]


@dataclass(frozen=True)
class ElectionSettings:
    """Which Lease is contested and how fast: a term, the time to renew within it, the pause between tries."""

    namespace: str = "failback-system"
    lease_name: str = "failback-operator"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def __post_init__(self) -> None:
        # The gap between the two is the time a leader that lost its lease has to stop acting.
        if not self.lease_duration > self.renew_deadline > self.retry_period > 0:
            raise ValueError(
                "leader election needs lease duration > renew deadline > retry period > 0, got "
                f"{self.lease_duration:g} s, {self.renew_deadline:g} s, {self.retry_period:g} s"
            )

    @property
    def lease_duration_seconds(self) -> int:
        """The whole seconds written to the Lease (its field is an integer), never rounded down."""
        return max(1, -int(-self.lease_duration // 1))


@dataclass(frozen=True)
class Observation:
    """The lease as last read, and when (monotonic seconds) it was first read in that form."""

    record: LeaseRecord
    seen_at: float


@dataclass(frozen=True)
class Take:
    """Write this record: create the Lease (no resourceVersion) or update it at the version read."""

    record: LeaseRecord


@dataclass(frozen=True)
class StandBy:
    """Another replica holds the lease; it is free at `until` (monotonic) unless renewed before."""

    holder: str
    until: float


def observe(previous: Observation | None, record: LeaseRecord, now: float) -> Observation:
    """Start the holder's term again only when the record changed since it was last read."""
    if previous is not None and previous.record.same_term(record):
        return Observation(record=record, seen_at=previous.seen_at)
    return Observation(record=record, seen_at=now)


def held_by_another(observation: Observation, identity: str, now: float) -> bool:
    """Whether another replica holds the lease and its term, as watched from here, has not run out."""
    record = observation.record
    if not record.holder or record.holder == identity:
        return False
    return now < observation.seen_at + record.lease_duration_seconds


def claim(
    observation: Observation | None,
    identity: str,
    settings: ElectionSettings,
    wall_now: datetime,
    now: float,
) -> Take | StandBy:
    """The next step for `identity`: take a missing, free or expired lease, renew its own, or stand by."""
    if observation is None:
        return Take(
            LeaseRecord(
                holder=identity,
                lease_duration_seconds=settings.lease_duration_seconds,
                acquire_time=wall_now,
                renew_time=wall_now,
                transitions=0,
            )
        )
    current = observation.record
    if held_by_another(observation, identity, now):
        assert current.holder is not None
        return StandBy(holder=current.holder, until=observation.seen_at + current.lease_duration_seconds)
    ours = current.holder == identity
    return Take(
        LeaseRecord(
            holder=identity,
            lease_duration_seconds=settings.lease_duration_seconds,
            acquire_time=current.acquire_time if ours and current.acquire_time else wall_now,
            renew_time=wall_now,
            transitions=current.transitions if ours else current.transitions + 1,
            resource_version=current.resource_version,
        )
    )


def release_record(current: LeaseRecord, wall_now: datetime) -> LeaseRecord:
    """What a clean shutdown writes: no holder and a one-second term, so a successor takes over at once."""
    return LeaseRecord(
        holder=None,
        lease_duration_seconds=1,
        acquire_time=wall_now,
        renew_time=wall_now,
        transitions=current.transitions,
        resource_version=current.resource_version,
    )


def renewal_lost(last_renewal_started: float, now: float, settings: ElectionSettings) -> bool:
    """Whether the leader must stop: no renewal that started within the renew deadline has succeeded.

    Counting from when the last successful renewal was sent (not answered) keeps the leader's own
    deadline earlier than any other replica's view of the term, which starts when it reads the
    renewed record, after the write.
    """
    return now >= last_renewal_started + settings.renew_deadline
