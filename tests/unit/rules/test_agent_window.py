"""FB028: reprotect retries through the agent-not-installed window, with backoff, then the failure stands."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from failback_operator.rules.agent_window import (
    AgentRetryAction,
    agent_not_installed_decision,
    agent_registration_wait,
)
from failback_operator.rules.config import RuleConfig
from tests.unit.rules.worlds import NOW

CONFIG = RuleConfig()


def test_retries_soon_after_boot() -> None:
    decision = agent_not_installed_decision(
        booted_at=NOW - timedelta(minutes=2), first_failure_at=NOW, attempts=1, now=NOW, config=CONFIG
    )
    assert decision.action is AgentRetryAction.RETRY
    assert decision.retry_at == NOW + timedelta(seconds=30)


def test_backoff_doubles_and_is_capped() -> None:
    delays = [
        agent_not_installed_decision(
            booted_at=NOW, first_failure_at=NOW, attempts=attempts, now=NOW, config=CONFIG
        ).retry_at
        for attempts in (1, 2, 3, 4, 5, 6)
    ]
    assert [d - NOW for d in delays if d] == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=4),
        timedelta(minutes=4),
    ]


def test_last_retry_lands_on_the_deadline() -> None:
    booted = NOW - timedelta(minutes=14)
    decision = agent_not_installed_decision(
        booted_at=booted, first_failure_at=NOW, attempts=5, now=NOW, config=CONFIG
    )
    assert decision.retry_at == booted + timedelta(minutes=15)


def test_fails_after_the_window() -> None:
    decision = agent_not_installed_decision(
        booted_at=NOW - timedelta(minutes=16), first_failure_at=NOW, attempts=1, now=NOW, config=CONFIG
    )
    assert decision.action is AgentRetryAction.FAIL
    assert "15 min" in decision.reason


def test_window_counts_from_first_failure_when_boot_unknown() -> None:
    first = NOW - timedelta(minutes=10)
    decision = agent_not_installed_decision(
        booted_at=None, first_failure_at=first, attempts=3, now=NOW, config=CONFIG
    )
    assert decision.action is AgentRetryAction.RETRY
    late = agent_not_installed_decision(
        booted_at=None, first_failure_at=first, attempts=3, now=NOW + timedelta(minutes=6), config=CONFIG
    )
    assert late.action is AgentRetryAction.FAIL


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=30 * 60))
def test_retry_never_after_deadline_nor_before_now(attempts: int, seconds_since_boot: int) -> None:
    booted = NOW - timedelta(seconds=seconds_since_boot)
    decision = agent_not_installed_decision(
        booted_at=booted, first_failure_at=NOW, attempts=attempts, now=NOW, config=CONFIG
    )
    deadline = booted + CONFIG.agent_registration_window
    if deadline < NOW:
        assert decision.action is AgentRetryAction.FAIL
    else:
        assert decision.retry_at is not None
        assert NOW <= decision.retry_at <= deadline


# --- before the first reprotect: Site Recovery says the agent has not registered yet ------------


def test_waits_while_site_recovery_reports_the_agent_not_registered_inside_the_window() -> None:
    wait = agent_registration_wait(
        booted_at=NOW - timedelta(minutes=2), agent_registered=False, now=NOW, config=CONFIG
    )
    assert wait == NOW + CONFIG.agent_retry_initial


def test_the_wait_ends_with_the_window_from_the_failover() -> None:
    near_end = NOW - CONFIG.agent_registration_window + timedelta(seconds=10)
    assert agent_registration_wait(booted_at=near_end, agent_registered=False, now=NOW, config=CONFIG) == (
        near_end + CONFIG.agent_registration_window
    )
    past = NOW - CONFIG.agent_registration_window - timedelta(seconds=1)
    # Past the window the call is made: its refusal, if any, then stands with its remedy.
    assert agent_registration_wait(booted_at=past, agent_registered=False, now=NOW, config=CONFIG) is None


def test_no_wait_when_registered_unreported_or_the_failover_time_unknown() -> None:
    booted = NOW - timedelta(minutes=2)
    for registered in (True, None):
        assert (
            agent_registration_wait(booted_at=booted, agent_registered=registered, now=NOW, config=CONFIG)
            is None
        )
    assert agent_registration_wait(booted_at=None, agent_registered=False, now=NOW, config=CONFIG) is None


@given(
    booted_minutes_ago=st.floats(min_value=0, max_value=60),
    registered=st.sampled_from([True, False, None]),
)
def test_never_waits_past_the_window(booted_minutes_ago: float, registered: bool | None) -> None:
    booted = NOW - timedelta(minutes=booted_minutes_ago)
    wait = agent_registration_wait(booted_at=booted, agent_registered=registered, now=NOW, config=CONFIG)
    assert wait is None or NOW < wait <= booted + CONFIG.agent_registration_window
