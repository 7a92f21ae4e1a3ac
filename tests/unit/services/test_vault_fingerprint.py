"""The vault poller wakes plans exactly when something a plan's next step depends on has changed."""

from __future__ import annotations

from dataclasses import replace

from failback_operator.facts import CurrentScenario, Job, ProtectedItem
from failback_operator.services.vault_poller import vault_fingerprint

ITEMS = (
    ProtectedItem(
        name="vm-a",
        instance_type="InMage",
        protection_state="Protected",
        allowed_operations=("UnplannedFailover",),
    ),
    ProtectedItem(name="vm-b", instance_type="InMage", protection_state="ProtectionInitiated"),
)
JOBS = (Job(id="job-1", scenario="SwitchReplicationGroupProtection", state="InProgress"),)


def test_the_same_facts_in_any_order_give_the_same_fingerprint() -> None:
    assert vault_fingerprint(ITEMS, JOBS) == vault_fingerprint(tuple(reversed(ITEMS)), JOBS)


def test_a_change_a_plan_acts_on_changes_the_fingerprint() -> None:
    before = vault_fingerprint(ITEMS, JOBS)
    protected = (ITEMS[0], replace(ITEMS[1], protection_state="Protected"))
    assert vault_fingerprint(protected, JOBS) != before
    finished = (replace(JOBS[0], state="Succeeded"),)
    assert vault_fingerprint(ITEMS, finished) != before
    failing_over = (replace(ITEMS[0], current_scenario=CurrentScenario(name="UnplannedFailover")), ITEMS[1])
    assert vault_fingerprint(failing_over, JOBS) != before
    new_job = (*JOBS, Job(id="job-2", scenario="CommitFailover", state="InProgress"))
    assert vault_fingerprint(ITEMS, new_job) != before


def test_a_fact_no_step_depends_on_does_not_wake_plans() -> None:
    heartbeat_only = (replace(ITEMS[0], rpo_seconds=42), ITEMS[1])
    assert vault_fingerprint(heartbeat_only, JOBS) == vault_fingerprint(ITEMS, JOBS)
