"""A vault client's reads held to a budget, as Resource Manager holds a principal's reads.

ARM refills about 25 reads a second per principal into a bucket of about 250, and answers 429
beyond it, for this operator and every other client of the subscription alike. The vault poller
paces its lists and the looks share them, but nothing else bounded the sum: with a thousand plans
moving at once, list pages, jobs read by name and looks' own lists reached 29 reads a second. Every
GET of a vault client now takes a token from its own bucket first (the same model, smaller), and
waits for one when the bucket is empty; writes are not held (ARM's write limit answers with a
Retry-After, which the operator honours).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy

from failback_operator.metrics import METRICS

__all__ = ["DEFAULT_READS_PER_SECOND", "DEFAULT_READ_BURST", "ReadBudget", "ReadBudgetPolicy"]

# Three fifths of ARM's refill (25 a second) and a fifth of its bucket (250): any 10 seconds take at
# most 20 reads a second, any minute about 16, and the other clients of the principal keep the rest.
DEFAULT_READS_PER_SECOND = 15.0
DEFAULT_READ_BURST = 50.0


@dataclass
class ReadBudget:
    """A token bucket: `burst` reads at once, refilled at `per_second`."""

    per_second: float = DEFAULT_READS_PER_SECOND
    burst: float = DEFAULT_READ_BURST
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # Reads taken, and the seconds readers waited for a token in all (for tests and metrics).
    taken: int = 0
    waited_seconds: float = 0.0
    _tokens: float = field(init=False)
    _at: float = field(init=False)

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a read budget needs a positive rate and room for at least one read")
        self._tokens = self.burst
        self._at = self.monotonic()

    async def take(self) -> None:
        """One read's token, once there is one."""
        while True:
            now = self.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            # Within rounding of a whole token: a wait of a few ulps would not move the clock.
            if self._tokens >= 1 - 1e-9:
                self._tokens = max(0.0, self._tokens - 1)
                self.taken += 1
                return
            wait = (1 - self._tokens) / self.per_second
            self.waited_seconds += wait
            METRICS.read_budget_wait.inc(wait)
            await self.sleep(wait)


class ReadBudgetPolicy(AsyncHTTPPolicy[object, object]):
    """Each GET (each page of a list, each retry) waits for a token of the budget."""

    def __init__(self, budget: ReadBudget) -> None:
        super().__init__()
        self.budget = budget

    async def send(self, request: PipelineRequest[object]) -> PipelineResponse[object, object]:
        http_request = request.http_request
        if getattr(http_request, "method", "").upper() == "GET":
            await self.budget.take()
        return await self.next.send(request)
