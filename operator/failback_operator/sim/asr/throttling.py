"""ARM-style request throttling: token buckets per principal and subscription, reads and writes apart."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Throttle", "TokenBucket"]


@dataclass
class TokenBucket:
    """A bucket of `capacity` requests refilled at `refill_per_second` (wall-clock time, as ARM does)."""

    capacity: int
    refill_per_second: float
    tokens: float
    updated: float

    def take(self, now: float) -> float | None:
        """Spend one token; None when granted, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.refill_per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.refill_per_second

    def remaining(self) -> int:
        """Whole requests left, as x-ms-ratelimit-remaining-* reports them."""
        return int(self.tokens)


class Throttle:
    """Buckets keyed by (principal, subscription, reads|writes)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def reset(self) -> None:
        """Forget all buckets (after a scenario reload or a change of limits)."""
        with self._lock:
            self._buckets.clear()

    def take(
        self, principal: str, subscription: str, kind: str, capacity: int, refill_per_second: float
    ) -> tuple[int | None, int]:
        """Spend one request; returns (Retry-After seconds when throttled, remaining requests)."""
        now = self._monotonic()
        key = (principal, subscription.lower(), kind)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.capacity != capacity or bucket.refill_per_second != refill_per_second:
                bucket = TokenBucket(capacity, refill_per_second, float(capacity), now)
                self._buckets[key] = bucket
            wait = bucket.take(now)
            retry_after = None if wait is None else max(1, math.ceil(wait))
            return retry_after, bucket.remaining()
