"""Turns for looks: a few at once, first looks before later ones, nothing lost to a cancellation."""

from __future__ import annotations

import asyncio

import pytest

from failback_operator.services.look_turns import LookTurns


async def _look(turns: LookTurns, name: str, first: bool, order: list[str], hold: asyncio.Event) -> None:
    async with turns.turn(first=first):
        order.append(name)
        await hold.wait()


async def test_no_more_looks_at_once_than_the_limit() -> None:
    turns = LookTurns(2)
    order: list[str] = []
    hold = asyncio.Event()
    tasks = [asyncio.create_task(_look(turns, f"p{i}", False, order, hold)) for i in range(5)]
    await asyncio.sleep(0)
    assert order == ["p0", "p1"]
    assert turns.waiting == (0, 3)
    hold.set()
    await asyncio.gather(*tasks)
    assert order == ["p0", "p1", "p2", "p3", "p4"]


async def test_waiting_first_looks_get_the_next_turns_before_later_looks() -> None:
    turns = LookTurns(1)
    order: list[str] = []
    hold = asyncio.Event()
    running = asyncio.create_task(_look(turns, "busy", False, order, hold))
    await asyncio.sleep(0)
    later = [asyncio.create_task(_look(turns, f"later{i}", False, order, hold)) for i in range(2)]
    await asyncio.sleep(0)
    first = [asyncio.create_task(_look(turns, f"first{i}", True, order, hold)) for i in range(2)]
    await asyncio.sleep(0)
    assert turns.waiting == (2, 2)
    hold.set()
    await asyncio.gather(running, *later, *first)
    assert order == ["busy", "first0", "first1", "later0", "later1"]


async def test_a_cancelled_waiter_gives_up_its_place_and_a_cancelled_holder_its_turn() -> None:
    turns = LookTurns(1)
    order: list[str] = []
    hold = asyncio.Event()
    holder = asyncio.create_task(_look(turns, "holder", True, order, hold))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(_look(turns, "waiter", True, order, hold))
    after = asyncio.create_task(_look(turns, "after", False, order, hold))
    await asyncio.sleep(0)
    waiter.cancel()
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    with pytest.raises(asyncio.CancelledError):
        await holder
    hold.set()
    await asyncio.wait_for(after, 1)
    assert order == ["holder", "after"]
    # Every turn came back: a new look gets one at once.
    assert turns.waiting == (0, 0)
    async with turns.turn(first=False):
        pass


async def test_a_turn_handed_to_a_waiter_cancelled_at_that_moment_is_passed_on() -> None:
    turns = LookTurns(1)
    order: list[str] = []
    hold = asyncio.Event()
    hold.set()
    gate = asyncio.Event()
    holder = asyncio.create_task(_look(turns, "holder", True, order, gate))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(_look(turns, "waiter", True, order, hold))
    next_one = asyncio.create_task(_look(turns, "next", False, order, hold))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.sleep(0)  # the holder ends and hands its turn to the waiter...
    waiter.cancel()  # ...which is cancelled before it runs
    await asyncio.wait_for(asyncio.gather(holder, next_one), 1)
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert "next" in order
