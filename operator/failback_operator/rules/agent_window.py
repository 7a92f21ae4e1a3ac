"""FB028: retry reprotect through the "agent not installed" window after the VM boots in Azure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from failback_operator.rules.config import RuleConfig


class AgentRetryAction(StrEnum):
    """Retry reprotect later, or give up because the window has passed."""

    RETRY = "Retry"
    FAIL = "Fail"


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentRetryDecision:
    """When to retry, or that the failure now stands."""

    action: AgentRetryAction
    retry_at: datetime | None = None
    reason: str = ""


def agent_not_installed_decision(
    *,
    booted_at: datetime | None,
    first_failure_at: datetime,
    attempts: int,
    now: datetime,
    config: RuleConfig,
    agent_registered: bool | None = None,
) -> AgentRetryDecision:
    """Retry with doubling backoff until the window after boot (or after the first failure) has passed.

    `booted_at` is when the item failed over (the VM booted in Azure then); only where Site Recovery
    does not say does the window run from the first refusal. `attempts` counts the reprotect
    attempts that already failed this way (1 after the first). Where Site Recovery reports the agent
    registered after the failover (`agent_registered`), the refusal is not the registration window.
    """
    if agent_registered is True:
        return AgentRetryDecision(
            action=AgentRetryAction.FAIL,
            reason="Site Recovery reports the agent registered after the failover, so this refusal is "
            "not the re-registration window",
        )
    start = booted_at or first_failure_at
    deadline = start + config.agent_registration_window
    if now > deadline:
        minutes = int(config.agent_registration_window.total_seconds() // 60)
        return AgentRetryDecision(
            action=AgentRetryAction.FAIL,
            reason=f"the agent has not registered {minutes} min after the VM booted in Azure",
        )
    exponent = min(max(attempts - 1, 0), 16)
    delay = min(config.agent_retry_initial * (2**exponent), config.agent_retry_max)
    retry_at = min(now + delay, deadline)
    return AgentRetryDecision(
        action=AgentRetryAction.RETRY,
        retry_at=retry_at,
        reason=f"the agent may still be re-registering; retrying at {retry_at:%Y-%m-%dT%H:%M:%SZ}",
    )


def agent_registration_wait(
    *,
    booted_at: datetime | None,
    agent_registered: bool | None,
    now: datetime,
    config: RuleConfig,
) -> datetime | None:
    """When to look again before reprotecting, while Site Recovery says the agent has not registered yet.

    A modernized item reports `isAgentRegistrationSuccessfulAfterFailover`; while it is false inside
    the window from the failover (`booted_at`), a reprotect would be refused "agent not installed",
    so none is sent. None means call now: registered, not reported, the failover time unknown, or
    the window passed (a refusal then stands, with its remedy).
    """
    if agent_registered is not False or booted_at is None:
        return None
    deadline = booted_at + config.agent_registration_window
    if now >= deadline:
        return None
    return min(now + config.agent_retry_initial, deadline)
