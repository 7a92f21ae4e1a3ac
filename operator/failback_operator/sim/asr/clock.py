"""Simulated time: an injectable clock that runs faster than the wall clock by a time scale."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["SimClock"]


class SimClock:
    """Scenario time = start + real elapsed seconds * time scale + manual advances.

    A time scale of 600 makes a two-hour failback take twelve real seconds; `advance` jumps ahead
    without waiting at all, which is what unit tests use.
    """

    def __init__(
        self,
        start: datetime | None = None,
        time_scale: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time scale must be positive")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base = start or datetime.now(UTC).replace(microsecond=0)
        self._real_base = monotonic()
        self._scale = time_scale

    @property
    def time_scale(self) -> float:
        """How many simulated seconds pass per real second."""
        return self._scale

    def now(self) -> datetime:
        """The current simulated time (timezone-aware UTC)."""
        with self._lock:
            elapsed = (self._monotonic() - self._real_base) * self._scale
            return self._base + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        """Jump simulated time forward without waiting; returns the new time."""
        if seconds < 0:
            raise ValueError("simulated time only moves forward")
        with self._lock:
            self._base += timedelta(seconds=seconds)
        return self.now()

    def set_time_scale(self, time_scale: float) -> None:
        """Change the speed from now on, keeping the current simulated time."""
        if time_scale <= 0:
            raise ValueError("time scale must be positive")
        current = self.now()
        with self._lock:
            self._base = current
            self._real_base = self._monotonic()
            self._scale = time_scale

    def real_seconds(self, simulated_seconds: float) -> float:
        """How long `simulated_seconds` take on the wall clock at the current scale."""
        return simulated_seconds / self._scale
