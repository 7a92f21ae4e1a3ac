"""The loop every daemon runs: look, sleep until the next look or a wake-up, repeat; back off on failure."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import kopf

from failback_operator.services.failures import backoff, describe_failure, is_known_failure

__all__ = ["RETRY_CAP", "look_until_stopped"]

# The longest wait between two looks at an object whose looks keep failing.
RETRY_CAP = timedelta(minutes=5)


async def look_until_stopped(
    look: Callable[[], Awaitable[timedelta]],
    *,
    wake: asyncio.Event,
    stopped: kopf.DaemonStopped,
    retry: timedelta,
    logger: Any,
    what: str,
    retry_cap: timedelta = RETRY_CAP,
) -> None:
    """Never a crash loop: a look that raises is told once per change and tried again, ever later.

    The wait after a failure doubles from `retry` up to `retry_cap`; a wake-up (a person changed
    the object) still looks at once. A known failure (a system down, input refused) is told by its
    text; anything else once with its traceback. The same failure again is only logged at DEBUG.
    """
    failures = 0
    told: str | None = None
    # One wait on the stop for the daemon's life, one on the wake-up per wait; a cancelled wait is
    # let go at once (its task keeps its exception and frames while anything refers to it).
    stopper = asyncio.ensure_future(stopped.wait())
    try:
        while not stopped:
            wake.clear()
            try:
                delay = await look()
            except Exception as error:
                failures += 1
                delay = backoff(failures, retry, retry_cap)
                problem = describe_failure(error)
                if problem == told:
                    logger.debug("looking at %s failed again (%d in a row): %s", what, failures, problem)
                elif is_known_failure(error):
                    logger.warning("looking at %s failed: %s; looking again in %s", what, problem, delay)
                else:
                    logger.exception("looking at %s failed; looking again in %s", what, delay)
                told = problem
            else:
                if failures:
                    logger.info("looking at %s works again after %d failed looks", what, failures)
                failures, told = 0, None
            sleeper = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait(
                    {sleeper, stopper}, timeout=delay.total_seconds(), return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                sleeper.cancel()
                del sleeper
    finally:
        stopper.cancel()
