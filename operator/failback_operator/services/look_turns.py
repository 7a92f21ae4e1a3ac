"""Turns for the plans' looks: a few at once, and a plan's first look before other plans' later ones.

A thousand plans applied together each need a first look (their status: accepted, or blocked and
why) while the first of them already move on. With one queue, every later look of a moving plan
took a turn among the first looks, and the last plans waited for their first status as long as
the others' steps took. A first look runs once per plan and operator start, so preferring it
delays the others' steps by at most one wave.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

__all__ = ["LookTurns"]


class LookTurns:
    """At most `limit` looks at once; waiting first looks get the next free turn before later looks."""

    def __init__(self, limit: int) -> None:
        self._free = max(1, limit)
        self._first: deque[asyncio.Future[None]] = deque()
        self._later: deque[asyncio.Future[None]] = deque()
        # Waiters not yet handed a turn nor cancelled (the queues may still hold cancelled ones).
        self._waiting = 0

    @property
    def waiting(self) -> tuple[int, int]:
        """First and later looks waiting for a turn."""
        return (
            sum(1 for f in self._first if not f.done()),
            sum(1 for f in self._later if not f.done()),
        )

    @contextlib.asynccontextmanager
    async def turn(self, *, first: bool) -> AsyncIterator[None]:
        """Hold a turn for the body of the `async with`."""
        if self._free > 0 and not self._waiting:
            self._free -= 1
        else:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            (self._first if first else self._later).append(granted)
            self._waiting += 1
            try:
                await granted
            except asyncio.CancelledError:
                if granted.cancelled():
                    self._waiting -= 1
                else:
                    self._release()  # the turn was handed over as the waiter was cancelled
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        for queue in (self._first, self._later):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    self._waiting -= 1
                    return
        self._free += 1
