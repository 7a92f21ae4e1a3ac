"""The election's decisions with an injected clock: take, renew, stand by, and clocks that disagree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from failback_operator.election.leadership import (
    ElectionSettings,
    LeaseRecord,
    Observation,
    StandBy,
    Take,
    claim,
    held_by_another,
    observe,
    release_record,
    renewal_lost,
)
from failback_operator.runtime import election_settings_from_environment, replica_identity

SETTINGS = ElectionSettings(lease_duration=15, renew_deadline=10, retry_period=2)
WALL = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
ME = "failback-operator-7d9f_aaaa1111"
OTHER = "failback-operator-5c2b_bbbb2222"


def _held_by(
    holder: str | None, renewed: datetime = WALL, version: str = "41", transitions: int = 3
) -> LeaseRecord:
    return LeaseRecord(
        holder=holder,
        lease_duration_seconds=15,
        acquire_time=renewed - timedelta(minutes=5),
        renew_time=renewed,
        transitions=transitions,
        resource_version=version,
    )


def test_no_lease_is_created_with_this_replica_as_holder() -> None:
    decision = claim(None, ME, SETTINGS, WALL, now=100.0)
    assert decision == Take(
        LeaseRecord(holder=ME, lease_duration_seconds=15, acquire_time=WALL, renew_time=WALL, transitions=0)
    )
    assert decision.record.resource_version is None  # a create, not an update


def test_a_lease_held_by_another_is_respected_for_its_whole_term() -> None:
    seen = observe(None, _held_by(OTHER), now=100.0)
    assert claim(seen, ME, SETTINGS, WALL, now=100.0) == StandBy(holder=OTHER, until=115.0)
    assert claim(seen, ME, SETTINGS, WALL, now=114.9) == StandBy(holder=OTHER, until=115.0)


def test_a_lease_unchanged_for_its_term_is_taken_over_with_one_more_transition() -> None:
    seen = observe(None, _held_by(OTHER), now=100.0)
    seen = observe(seen, _held_by(OTHER, version="41"), now=110.0)  # read again, not renewed
    decision = claim(seen, ME, SETTINGS, WALL + timedelta(seconds=15), now=115.0)
    assert isinstance(decision, Take)
    assert decision.record.holder == ME
    assert decision.record.transitions == 4
    assert decision.record.acquire_time == WALL + timedelta(seconds=15)
    assert decision.record.resource_version == "41"  # the update is conditional on what was read


def test_a_renewal_by_the_holder_starts_its_term_again() -> None:
    seen = observe(None, _held_by(OTHER), now=100.0)
    renewed = _held_by(OTHER, renewed=WALL + timedelta(seconds=2), version="42")
    seen = observe(seen, renewed, now=114.0)
    assert seen.seen_at == 114.0
    assert claim(seen, ME, SETTINGS, WALL, now=120.0) == StandBy(holder=OTHER, until=129.0)


def test_the_holder_renews_keeping_its_acquire_time_and_transitions() -> None:
    mine = _held_by(ME, version="50")
    seen = Observation(record=mine, seen_at=100.0)
    later = WALL + timedelta(seconds=2)
    decision = claim(seen, ME, SETTINGS, later, now=102.0)
    assert isinstance(decision, Take)
    assert decision.record.renew_time == later
    assert decision.record.acquire_time == mine.acquire_time
    assert decision.record.transitions == mine.transitions
    assert decision.record.resource_version == "50"


def test_a_released_lease_is_taken_at_once() -> None:
    released = release_record(_held_by(OTHER, version="60"), WALL)
    assert released.holder is None
    assert released.lease_duration_seconds == 1
    assert released.transitions == 3
    seen = observe(None, released, now=100.0)  # just read: no term to wait out
    decision = claim(seen, ME, SETTINGS, WALL, now=100.0)
    assert isinstance(decision, Take)
    assert decision.record.holder == ME
    assert decision.record.transitions == 4


@pytest.mark.parametrize("skew", [timedelta(hours=-3), timedelta(seconds=-40), timedelta(hours=2)])
def test_the_holders_clock_does_not_decide_its_term(skew: timedelta) -> None:
    """A holder whose clock is hours behind (or ahead) of ours keeps its lease while it renews."""
    seen = observe(None, _held_by(OTHER, renewed=WALL + skew, version="70"), now=100.0)
    seen = observe(seen, _held_by(OTHER, renewed=WALL + skew + timedelta(seconds=2), version="71"), now=102.0)
    assert claim(seen, ME, SETTINGS, WALL, now=110.0) == StandBy(holder=OTHER, until=117.0)
    # And when it stops renewing, its term ends by our clock, however its timestamps read.
    assert isinstance(claim(seen, ME, SETTINGS, WALL, now=117.0), Take)


def test_a_replica_that_starts_waits_out_a_full_term_even_for_an_old_lease() -> None:
    """The renewTime written long ago is not trusted: our clock may be the one that is wrong."""
    stale = _held_by(OTHER, renewed=WALL - timedelta(days=1))
    seen = observe(None, stale, now=5.0)
    assert held_by_another(seen, ME, now=19.9)
    assert not held_by_another(seen, ME, now=20.0)


def test_a_lease_held_by_this_identity_is_not_held_by_another() -> None:
    seen = observe(None, _held_by(ME), now=0.0)
    assert not held_by_another(seen, ME, now=1.0)
    assert held_by_another(seen, OTHER, now=1.0)


def test_renewal_is_lost_at_the_renew_deadline_counted_from_when_the_renewal_was_sent() -> None:
    assert not renewal_lost(last_renewal_started=100.0, now=109.9, settings=SETTINGS)
    assert renewal_lost(last_renewal_started=100.0, now=110.0, settings=SETTINGS)


@pytest.mark.parametrize(
    ("duration", "deadline", "retry"), [(10, 10, 2), (15, 2, 2), (15, 10, 0), (5, 10, 2)]
)
def test_settings_that_would_let_two_replicas_lead_are_refused(
    duration: float, deadline: float, retry: float
) -> None:
    with pytest.raises(ValueError, match="lease duration > renew deadline > retry period"):
        ElectionSettings(lease_duration=duration, renew_deadline=deadline, retry_period=retry)


def test_a_fractional_term_is_written_rounded_up() -> None:
    assert (
        ElectionSettings(lease_duration=2.5, renew_deadline=1.5, retry_period=0.5).lease_duration_seconds == 3
    )
    assert SETTINGS.lease_duration_seconds == 15


def test_settings_and_identity_from_the_environment() -> None:
    settings = election_settings_from_environment(
        {
            "FAILBACK_OPERATOR_NAMESPACE": "dr-system",
            "FAILBACK_LEASE_DURATION_SECONDS": "4",
            "FAILBACK_LEASE_RENEW_DEADLINE_SECONDS": "3",
            "FAILBACK_LEASE_RETRY_PERIOD_SECONDS": "0.5",
        }
    )
    assert (settings.namespace, settings.lease_name) == ("dr-system", "failback-operator")
    assert (settings.lease_duration, settings.renew_deadline, settings.retry_period) == (4, 3, 0.5)
    defaults = election_settings_from_environment({})
    assert (defaults.lease_duration, defaults.renew_deadline, defaults.retry_period) == (15, 10, 2)
    first = replica_identity({"POD_NAME": "failback-operator-7d9f"})
    second = replica_identity({"POD_NAME": "failback-operator-7d9f"})
    assert first.startswith("failback-operator-7d9f_")
    assert first != second  # a restarted container is a new candidate
    assert replica_identity({"HOSTNAME": "node-a"}).startswith("node-a_")
