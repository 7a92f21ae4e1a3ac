"""Kopf runs only while this replica holds the Lease; a lost lease ends the process at once.

Why the process ends instead of standing by again: a handler's blocking call runs in a thread that
no cancellation can stop, and Kopf's memory of handlers and daemons is not made to start twice in
one process. Ending the process is the one stop that leaves nothing acting; the kubelet then
starts a fresh replica, which stands by like any other. The operator is built to survive being
killed at any point (intent, call, record), so nothing is lost by it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn, Protocol

from failback_operator.election.leadership import ElectionSettings

__all__ = ["LEASE_LOST_EXIT_STATUS", "Elector", "lead_while_elected"]

logger = logging.getLogger(__name__)

# EX_TEMPFAIL: not an error of this replica; the kubelet restarts it and it stands by.
LEASE_LOST_EXIT_STATUS = 75


class Elector(Protocol):
    """What the gate needs from election.elector.LeaderElector."""

    settings: ElectionSettings

    async def acquire(self) -> None: ...

    async def hold(self) -> None: ...

    async def release(self) -> bool: ...


def _exit_now(status: int) -> NoReturn:
    """End the process and every thread in it, after writing out what was logged."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


async def _drain_default_executor(within: float) -> bool:
    """Wait for the handlers' blocking calls still running in threads; False if some still run."""
    try:
        async with asyncio.timeout(within):
            await asyncio.get_running_loop().shutdown_default_executor()
    except TimeoutError:
        return False
    return True


async def _forward(shutdown: asyncio.Event, stop_flag: asyncio.Event) -> None:
    await shutdown.wait()
    stop_flag.set()


async def lead_while_elected(
    elector: Elector,
    run_kopf: Callable[[asyncio.Event], Awaitable[object]],
    shutdown: asyncio.Event,
    exit_now: Callable[[int], NoReturn] = _exit_now,
) -> int:
    """Stand by until elected, run Kopf while leading, and return the process's exit status.

    `run_kopf` is given the stop flag it must obey. A clean stop (a signal, `shutdown`) releases
    the lease once every handler call has finished, so that a successor takes over at once; a lost
    lease ends the process at once, before the lease's term can pass for the other replicas.
    """
    acquiring = asyncio.create_task(elector.acquire(), name="lease acquisition")
    waiting = asyncio.create_task(shutdown.wait(), name="shutdown waiter")
    await asyncio.wait({acquiring, waiting}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if not acquiring.done() or acquiring.cancelled() or acquiring.exception() is not None:
        acquiring.cancel()
        await asyncio.gather(acquiring, return_exceptions=True)
        await elector.release()  # a write whose answer was lost may have made this replica the holder
        return 0

    stop_flag = asyncio.Event()
    # Created before Kopf starts: Kopf's shutdown then leaves these tasks alone.
    holding = asyncio.create_task(elector.hold(), name="lease renewal")
    forwarding = asyncio.create_task(_forward(shutdown, stop_flag), name="shutdown forwarding")
    running = asyncio.create_task(_as_coroutine(run_kopf(stop_flag)), name="kopf")
    await asyncio.wait({holding, running}, return_when=asyncio.FIRST_COMPLETED)
    forwarding.cancel()

    if holding.done():
        # No grace for Kopf to stop: every moment spent here is one in which a handler could act
        # while another replica may already lead. The process ends now, threads and all.
        stop_flag.set()
        logger.error("The lease is lost: this replica stops acting and exits.")
        exit_now(LEASE_LOST_EXIT_STATUS)

    failed = running.cancelled() or running.exception() is not None
    if failed:
        logger.error("Kopf stopped with an error; the lease is given back.", exc_info=_exception(running))
    # The lease stays renewed while the handlers' last calls finish; only then is it given back.
    drained = await _drain_default_executor(elector.settings.renew_deadline)
    holding.cancel()
    await asyncio.gather(holding, return_exceptions=True)
    if not drained:
        logger.warning("Handler calls still running at shutdown: the lease is left to expire.")
        exit_now(1 if failed else 0)
    await elector.release()
    return 1 if failed else 0


async def _as_coroutine(awaitable: Awaitable[object]) -> object:
    return await awaitable


def _exception(task: asyncio.Task[object]) -> BaseException | None:
    return None if task.cancelled() else task.exception()
