"""The elector's loop over an in-memory Lease, on a clock the test moves: hold, lose, release."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from failback_operator.election.elector import LeaderElector
from failback_operator.election.leadership import ElectionSettings, LeaseRecord
from failback_operator.storage.leases import LeaseConflict

SETTINGS = ElectionSettings(lease_duration=15, renew_deadline=10, retry_period=2)


class Clock:
    """Monotonic seconds and wall time moved only by sleeps and the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return datetime(2026, 11, 28, tzinfo=UTC) + timedelta(seconds=self.now)

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class MemoryLease:
    """One Lease with resourceVersions and conditional writes, as the API server keeps it."""

    def __init__(self) -> None:
        self.record: LeaseRecord | None = None
        self.version = 0
        self.failing = False
        self.writes = 0

    async def read(self) -> LeaseRecord | None:
        if self.failing:
            raise ConnectionError("API server unreachable")
        return self.record

    async def write(self, record: LeaseRecord) -> LeaseRecord:
        if self.failing:
            raise ConnectionError("API server unreachable")
        current = self.record.resource_version if self.record else None
        if record.resource_version != current:
            raise LeaseConflict("changed")
        self.version += 1
        self.writes += 1
        self.record = dataclasses.replace(record, resource_version=str(self.version))
        return self.record


def _elector(lease: MemoryLease, clock: Clock, identity: str) -> LeaderElector:
    return LeaderElector(
        lease,
        identity,
        SETTINGS,
        monotonic=clock.monotonic,
        wall_clock=clock.wall,
        sleep=clock.sleep,
        jitter=lambda: 0.0,
    )


async def test_the_first_candidate_creates_the_lease_and_leads() -> None:
    clock, lease = Clock(), MemoryLease()
    first = _elector(lease, clock, "a")
    await first.acquire()
    assert first.leading
    assert lease.record is not None
    assert (lease.record.holder, lease.record.transitions) == ("a", 0)


async def test_a_second_candidate_stands_by_while_the_leader_renews() -> None:
    clock, lease = Clock(), MemoryLease()
    leader, candidate = _elector(lease, clock, "a"), _elector(lease, clock, "b")
    await leader.acquire()
    for _ in range(20):  # 40 s of renewals, each followed by the candidate's try
        clock.now += 2
        assert await leader.try_acquire_or_renew()
        assert not await candidate.try_acquire_or_renew()
    assert candidate.holder == "a"
    assert not candidate.leading


async def test_a_leader_that_stops_renewing_is_replaced_after_the_lease_duration() -> None:
    clock, lease = Clock(), MemoryLease()
    leader, candidate = _elector(lease, clock, "a"), _elector(lease, clock, "b")
    await leader.acquire()
    assert not await candidate.try_acquire_or_renew()  # first sight of the term at t=1000
    clock.now += 14.9
    assert not await candidate.try_acquire_or_renew()
    clock.now += 0.1
    assert await candidate.try_acquire_or_renew()
    assert lease.record is not None
    assert (lease.record.holder, lease.record.transitions) == ("b", 1)


async def test_hold_returns_at_the_renew_deadline_when_the_api_server_is_gone() -> None:
    clock, lease = Clock(), MemoryLease()
    leader = _elector(lease, clock, "a")
    await leader.acquire()
    acquired_at = clock.now
    lease.failing = True
    await leader.hold()
    assert not leader.leading
    # Lost no later than the renew deadline, well before another replica's term could end.
    assert acquired_at + SETTINGS.renew_deadline <= clock.now < acquired_at + SETTINGS.lease_duration


async def test_hold_returns_at_once_when_another_replica_took_the_lease() -> None:
    clock, lease = Clock(), MemoryLease()
    leader = _elector(lease, clock, "a")
    await leader.acquire()
    assert lease.record is not None
    # Another replica wrote the Lease (e.g. after a pause of this process longer than the term).
    lease.record = dataclasses.replace(lease.record, holder="b", resource_version="99")
    started = clock.now
    await leader.hold()
    assert clock.now == started + SETTINGS.retry_period  # the first renewal round saw it
    assert not leader.leading
    assert lease.record.holder == "b"


async def test_a_conflicting_write_is_not_leadership() -> None:
    clock, lease = Clock(), MemoryLease()
    candidate = _elector(lease, clock, "b")

    class Racing(MemoryLease):
        async def write(self, record: LeaseRecord) -> LeaseRecord:
            raise LeaseConflict("another replica wrote first")

    racing = _elector(Racing(), clock, "b")
    assert not await racing.try_acquire_or_renew()
    assert not racing.leading
    assert await candidate.try_acquire_or_renew()


async def test_release_gives_the_lease_back_and_a_successor_takes_it_at_once() -> None:
    clock, lease = Clock(), MemoryLease()
    leader, successor = _elector(lease, clock, "a"), _elector(lease, clock, "b")
    await leader.acquire()
    assert not await successor.try_acquire_or_renew()
    assert await leader.release()
    assert lease.record is not None
    assert lease.record.holder is None
    assert not leader.leading
    assert await successor.try_acquire_or_renew()  # no term to wait out
    assert lease.record.holder == "b"
    assert lease.record.transitions == 1


async def test_release_leaves_a_lease_held_by_another_alone() -> None:
    clock, lease = Clock(), MemoryLease()
    leader = _elector(lease, clock, "a")
    await leader.acquire()
    assert lease.record is not None
    lease.record = dataclasses.replace(lease.record, holder="b", resource_version="99")
    assert not await leader.release()
    assert lease.record.holder == "b"


@pytest.mark.parametrize("rounds", [1, 3])
async def test_acquire_keeps_trying_while_the_api_server_is_unreachable(rounds: int) -> None:
    clock, lease = Clock(), MemoryLease()
    elector = _elector(lease, clock, "a")
    lease.failing = True
    calls = 0
    original = clock.sleep

    async def sleep(seconds: float) -> None:
        nonlocal calls
        calls += 1
        if calls == rounds:
            lease.failing = False
        await original(seconds)

    elector.sleep = sleep
    await elector.acquire()
    assert elector.leading
    assert calls == rounds


STEPS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # which replica acts
        # Seconds that pass first, around the retry period, renew deadline and term (2, 10, 15).
        st.sampled_from([0.0, 0.3, 1.0, 2.0, 4.5, 9.0, 9.9, 10.0, 10.1, 14.9, 15.0, 15.1, 30.0]),
        st.sampled_from(["try", "try", "try", "release"]),
    ),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(steps=STEPS)
def test_no_schedule_of_tries_pauses_and_releases_makes_two_leaders(
    steps: list[tuple[int, float, str]],
) -> None:
    """Three replicas, any order of tries, pauses (time passing) and releases: never two leaders."""

    async def run() -> None:
        clock, lease = Clock(), MemoryLease()
        replicas = [_elector(lease, clock, name) for name in ("a", "b", "c")]
        for index, pause, step in steps:
            clock.now += pause
            if step == "try":
                await replicas[index].try_acquire_or_renew()
            else:
                await replicas[index].release()
            leading = [r.identity for r in replicas if r.leading]
            assert len(leading) <= 1, (leading, clock.now)
            if leading:
                assert lease.record is not None
                assert lease.record.holder == leading[0]

    asyncio.run(run())
