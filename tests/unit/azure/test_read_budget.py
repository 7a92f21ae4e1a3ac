"""A vault client's GETs held to a token bucket, as Resource Manager holds a principal's reads."""

from __future__ import annotations

import pytest
from scripted_arm import IDENTITY, SUBSCRIPTION, Answer, vault_config
from test_azure_pipeline import ITEM_BODY, JOB_BODY

from failback_operator.azure import SiteRecovery
from failback_operator.azure.read_budget import ReadBudget
from failback_operator.metrics import METRICS


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_a_burst_is_read_at_once_and_the_rest_at_the_refill_rate() -> None:
    waited_before = METRICS.read_budget_wait._value.get()
    clock = FakeTime()
    budget = ReadBudget(per_second=4, burst=3, monotonic=clock, sleep=clock.sleep)
    for _ in range(3):
        await budget.take()
    assert clock.slept == []
    await budget.take()
    await budget.take()
    assert clock.slept == [0.25, 0.25]
    clock.now += 10  # a quiet while refills the bucket, never beyond its size
    for _ in range(3):
        await budget.take()
    assert clock.slept == [0.25, 0.25]
    await budget.take()
    assert clock.slept == [0.25, 0.25, 0.25]
    assert budget.taken == 9
    assert budget.waited_seconds == pytest.approx(0.75)
    assert METRICS.read_budget_wait._value.get() - waited_before == pytest.approx(0.75)  # /metrics too


def test_a_budget_without_room_is_refused() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        ReadBudget(per_second=0)
    with pytest.raises(ValueError, match="at least one read"):
        ReadBudget(burst=0.5)


async def test_every_get_of_the_client_takes_a_token_and_posts_do_not(arm) -> None:
    """Each page of a list and each job read by name is a read; a reprotect is not."""
    budget = ReadBudget(per_second=1000, burst=1000)
    adapter = SiteRecovery.connect(vault_config(arm), IDENTITY, read_budget=budget)
    try:
        next_link = (
            f"{arm.base_url}/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-dr/providers/"
            "Microsoft.RecoveryServices/vaults/vault-dr/replicationProtectedItems"
            "?api-version=2025-08-01&skipToken=page2"
        )
        arm.answers += [
            Answer(body={"value": [ITEM_BODY], "nextLink": next_link}),
            Answer(body={"value": [dict(ITEM_BODY, name="second-item")]}),
            Answer(body=JOB_BODY),
        ]
        await adapter.protected_items()
        await adapter.job(JOB_BODY["name"])
        gets = arm.arm_requests("GET")
        assert len(gets) == 3
        assert budget.taken == 3
    finally:
        await adapter.close()


async def test_reads_beyond_the_budget_wait_for_the_refill(arm) -> None:
    # The budget's own clock: how long a read takes on a busy machine does not refill it.
    clock = FakeTime()
    budget = ReadBudget(per_second=20, burst=1, monotonic=clock, sleep=clock.sleep)
    adapter = SiteRecovery.connect(vault_config(arm), IDENTITY, read_budget=budget)
    try:
        arm.answers += [Answer(body={"value": []}) for _ in range(3)]
        for _ in range(3):
            await adapter.protected_items()
        assert budget.taken == 3
        assert clock.slept == [pytest.approx(0.05), pytest.approx(0.05)]  # two reads waited 1/20 s each
        assert budget.waited_seconds == pytest.approx(0.1)
    finally:
        await adapter.close()
