"""The infrastructure daemons' loop: a failing look is retried later, a wake-up looks at once."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from failback_operator.handlers.polling import look_until_stopped


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

    await asyncio.wait_for(
        look_until_stopped(
            look,
            wake=asyncio.Event(),
            stopped=stopped,  # type: ignore[arg-type]
            retry=timedelta(seconds=0.01),
            logger=logging.getLogger("test"),
            what="RecoveryVault v",
        ),
        timeout=5,
    )

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
