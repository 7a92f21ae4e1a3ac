"""The loop every infrastructure daemon runs: look, sleep until the next look or a wake-up, repeat."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import kopf

__all__ = ["look_until_stopped"]


async def look_until_stopped(
    look: Callable[[], Awaitable[timedelta]],
    *,
    wake: asyncio.Event,
    stopped: kopf.DaemonStopped,
    retry: timedelta,
    logger: Any,
    what: str,
) -> None:
    """Never a crash loop: a look that raises is logged and tried again after `retry`."""
    while not stopped:
        wake.clear()
        try:
            delay = await look()
        except Exception:
            logger.exception("looking at %s failed; looking again in %s", what, retry)
            delay = retry
        sleeper = asyncio.ensure_future(wake.wait())
        stopper = asyncio.ensure_future(stopped.wait())
        try:
            await asyncio.wait(
                {sleeper, stopper}, timeout=delay.total_seconds(), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            sleeper.cancel()
            stopper.cancel()
