"""Blocking reads get enough threads: a dozen waiting on the network at once do not queue."""

from __future__ import annotations

import asyncio
import threading

import pytest

from failback_operator.handlers.startup import widen_blocking_threads


async def test_a_dozen_blocking_reads_wait_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAILBACK_BLOCKING_THREADS", raising=False)
    await widen_blocking_threads()
    together = threading.Barrier(12, timeout=5)  # each read waits until all twelve are running
    await asyncio.gather(*(asyncio.to_thread(together.wait) for _ in range(12)))
