"""The infrastructure daemons' loop: a failing look is retried later, a wake-up looks at once."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from failback_operator.azure import SiteRecoveryError
from failback_operator.handlers.polling import look_until_stopped
from failback_operator.services.failures import backoff


class Stopped:
    """Stands in for Kopf's DaemonStopped: falsy until set, awaitable."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def __bool__(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()


async def _loop_quickly(
    look: Callable[[], Awaitable[timedelta]],
    stopped: Stopped,
    *,
    what: str,
    wake: asyncio.Event | None = None,
) -> None:
    """The loop with a short retry wait, until `look` sets `stopped` (5 s at most)."""
    await asyncio.wait_for(
        look_until_stopped(
            look,
            wake=wake or asyncio.Event(),
            stopped=stopped,  # type: ignore[arg-type]
            retry=timedelta(seconds=0.01),
            logger=logging.getLogger("test"),
            what=what,
        ),
        timeout=5,
    )


async def test_a_failing_look_is_logged_and_tried_again_after_the_retry_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stopped = Stopped()
    looks: list[float] = []

    async def look() -> timedelta:
        looks.append(asyncio.get_running_loop().time())
        if len(looks) == 1:
            raise RuntimeError("vault unreachable")
        if len(looks) == 3:
            stopped.set()
        return timedelta(seconds=0.05)

    await _loop_quickly(look, stopped, what="RecoveryVault v")

    assert len(looks) == 3
    assert "looking at RecoveryVault v failed" in caplog.text
    assert looks[1] - looks[0] < 0.04  # the retry wait, not the poll interval


async def test_a_wake_up_looks_at_once_and_stopping_ends_the_loop() -> None:
    stopped = Stopped()
    wake = asyncio.Event()
    looked = asyncio.Event()
    count = 0

    async def look() -> timedelta:
        nonlocal count
        count += 1
        looked.set()
        return timedelta(hours=1)

    task = asyncio.create_task(
        look_until_stopped(
            look,
            wake=wake,
            stopped=stopped,  # type: ignore[arg-type]
            retry=timedelta(hours=1),
            logger=logging.getLogger("test"),
            what="MasterTarget m",
        )
    )
    await asyncio.wait_for(looked.wait(), timeout=5)
    looked.clear()
    wake.set()
    await asyncio.wait_for(looked.wait(), timeout=5)
    assert count == 2
    stopped.set()
    await asyncio.wait_for(task, timeout=5)
    assert count == 2


async def test_a_look_that_keeps_failing_backs_off_and_is_told_once_per_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Never a hot loop: the waits double up to the cap; the same failure is logged once, no traceback."""
    stopped = Stopped()
    looks: list[float] = []
    failures = [
        SiteRecoveryError("vault unreachable"),
        SiteRecoveryError("vault unreachable"),
        SiteRecoveryError("vault unreachable"),
        SiteRecoveryError("vault unreachable"),
        SiteRecoveryError("signed out"),
    ]

    async def look() -> timedelta:
        looks.append(asyncio.get_running_loop().time())
        if failures:
            raise failures.pop(0)
        stopped.set()
        return timedelta(seconds=0.01)

    caplog.set_level(logging.DEBUG)
    await asyncio.wait_for(
        look_until_stopped(
            look,
            wake=asyncio.Event(),
            stopped=stopped,  # type: ignore[arg-type]
            retry=timedelta(seconds=0.02),
            retry_cap=timedelta(seconds=0.1),
            logger=logging.getLogger("test"),
            what="FailbackPlan team-apps/app1",
        ),
        timeout=5,
    )
    waits = [b - a for a, b in itertools.pairwise(looks)]
    # 0.02, 0.04, 0.08, then capped at 0.1
    assert all(w >= expected * 0.9 for w, expected in zip(waits, (0.02, 0.04, 0.08, 0.1, 0.1), strict=True))
    assert waits[4] < 0.3  # capped
    told = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(";")[0] for r in told] == [
        "looking at FailbackPlan team-apps/app1 failed: vault unreachable",
        "looking at FailbackPlan team-apps/app1 failed: signed out",
    ]
    assert all(r.exc_info is None for r in told)
    assert "works again after 5 failed looks" in caplog.text


async def test_a_defect_is_told_once_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    stopped = Stopped()
    count = 0

    async def look() -> timedelta:
        nonlocal count
        count += 1
        if count <= 3:
            raise ValueError("min() arg is an empty sequence")
        stopped.set()
        return timedelta(seconds=0.01)

    await _loop_quickly(look, stopped, what="FailbackPlan team-apps/app1")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None


def test_backoff_doubles_from_the_first_wait_up_to_the_cap() -> None:
    first, cap = timedelta(seconds=0.5), timedelta(minutes=5)
    assert [backoff(n, first, cap).total_seconds() for n in range(1, 6)] == [0.5, 1, 2, 4, 8]
    assert backoff(40, first, cap) == cap


async def test_the_waits_between_looks_keep_nothing_of_earlier_waits_alive() -> None:
    """A thousand plans' daemons each waiting: a cancelled wait keeps its exception and frames."""
    import gc

    stopped = Stopped()
    wake = asyncio.Event()
    kept: list[int] = []

    async def look() -> timedelta:
        for _ in range(3):
            await asyncio.sleep(0)  # the earlier wait's cancellation runs
        gc.collect()
        kept.append(sum(1 for o in gc.get_objects() if isinstance(o, asyncio.Task) and o.cancelled()))
        if len(kept) == 3:
            wake.set()  # a wait that ends by a wake-up, not its timeout
        if len(kept) == 6:
            stopped.set()
        return timedelta(seconds=0.01)

    await _loop_quickly(look, stopped, wake=wake, what="FailbackPlan apps/p")
    assert kept == [0] * 6
