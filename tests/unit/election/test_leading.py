"""The gate around Kopf: it runs only once elected, stops when the lease is lost, hands over on shutdown."""

from __future__ import annotations

import asyncio
from typing import NoReturn

import pytest

from failback_operator.election.leadership import ElectionSettings
from failback_operator.election.leading import LEASE_LOST_EXIT_STATUS, lead_while_elected


class Exited(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def _exit_now(status: int) -> NoReturn:
    raise Exited(status)


class FakeElector:
    """Leads when `elected` is set, loses the lease when `lost` is set; records what it was asked."""

    settings = ElectionSettings(lease_duration=3, renew_deadline=2, retry_period=0.5)

    def __init__(self) -> None:
        self.elected = asyncio.Event()
        self.lost = asyncio.Event()
        self.log: list[str] = []

    async def acquire(self) -> None:
        await self.elected.wait()
        self.log.append("acquired")

    async def hold(self) -> None:
        await self.lost.wait()
        self.log.append("lost")

    async def release(self) -> bool:
        self.log.append("released")
        return True


class FakeKopf:
    """Runs until its stop flag is set (or fails when told to), noting when it started and stopped."""

    def __init__(self, elector: FakeElector, fail: bool = False) -> None:
        self.elector = elector
        self.fail = fail
        self.started = asyncio.Event()
        self.stop_flag: asyncio.Event | None = None

    async def __call__(self, stop_flag: asyncio.Event) -> None:
        self.stop_flag = stop_flag
        self.elector.log.append("kopf started")
        self.started.set()
        if self.fail:
            raise RuntimeError("the CRDs are missing")
        await stop_flag.wait()
        self.elector.log.append("kopf stopped")


async def test_a_standby_never_starts_kopf_and_exits_cleanly_on_shutdown() -> None:
    elector, shutdown = FakeElector(), asyncio.Event()
    kopf = FakeKopf(elector)
    gate = asyncio.create_task(lead_while_elected(elector, kopf, shutdown, exit_now=_exit_now))
    await asyncio.sleep(0.05)
    assert not kopf.started.is_set()
    shutdown.set()
    assert await asyncio.wait_for(gate, 5) == 0
    assert elector.log == ["released"]  # a write whose answer was lost cannot leave a holder behind


async def test_kopf_starts_once_elected_and_a_shutdown_releases_after_it_stopped() -> None:
    elector, shutdown = FakeElector(), asyncio.Event()
    kopf = FakeKopf(elector)
    gate = asyncio.create_task(lead_while_elected(elector, kopf, shutdown, exit_now=_exit_now))
    elector.elected.set()
    await asyncio.wait_for(kopf.started.wait(), 5)
    shutdown.set()
    assert await asyncio.wait_for(gate, 5) == 0
    assert elector.log == ["acquired", "kopf started", "kopf stopped", "released"]


async def test_a_lost_lease_stops_kopf_and_ends_the_process_without_releasing() -> None:
    elector, shutdown = FakeElector(), asyncio.Event()
    kopf = FakeKopf(elector)

    def exit_now(status: int) -> NoReturn:
        elector.log.append("exited")
        raise Exited(status)

    gate = asyncio.create_task(lead_while_elected(elector, kopf, shutdown, exit_now=exit_now))
    elector.elected.set()
    await asyncio.wait_for(kopf.started.wait(), 5)
    elector.lost.set()
    with pytest.raises(Exited) as exited:
        await asyncio.wait_for(gate, 5)
    assert exited.value.status == LEASE_LOST_EXIT_STATUS
    assert kopf.stop_flag is not None
    assert kopf.stop_flag.is_set()
    # No release, and no wait for Kopf to finish stopping: the process ends first.
    assert elector.log[:4] == ["acquired", "kopf started", "lost", "exited"]


async def test_a_lost_lease_ends_the_process_even_if_kopf_does_not_stop() -> None:
    elector, shutdown = FakeElector(), asyncio.Event()

    async def stubborn(stop_flag: asyncio.Event) -> None:
        await asyncio.Event().wait()  # ignores its stop flag

    gate = asyncio.create_task(lead_while_elected(elector, stubborn, shutdown, exit_now=_exit_now))
    elector.elected.set()
    await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    lost_at = loop.time()
    elector.lost.set()
    with pytest.raises(Exited):
        await asyncio.wait_for(gate, 5)
    margin = elector.settings.lease_duration - elector.settings.renew_deadline
    assert loop.time() - lost_at < margin  # gone before another replica may take the lease


async def test_kopf_failing_gives_the_lease_back_and_exits_non_zero() -> None:
    elector, shutdown = FakeElector(), asyncio.Event()
    kopf = FakeKopf(elector, fail=True)
    gate = asyncio.create_task(lead_while_elected(elector, kopf, shutdown, exit_now=_exit_now))
    elector.elected.set()
    assert await asyncio.wait_for(gate, 5) == 1
    assert elector.log == ["acquired", "kopf started", "released"]


async def test_the_elected_memo_fences_the_plans_on_the_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """What runner.py hands Kopf reaches the plan service built at start-up."""
    import kopf

    import failback_operator.storage.kube as kube
    from failback_operator.handlers.runner import leader_memo
    from failback_operator.handlers.startup import configure

    class Leading:
        leading = True

    monkeypatch.setattr(kube, "load_api_client", lambda **_: None)
    elector = Leading()
    memo = leader_memo(elector)  # type: ignore[arg-type]
    configure(settings=kopf.OperatorSettings(), memo=memo)
    assert memo.runtime.plans.may_act()
    elector.leading = False
    assert not memo.runtime.plans.may_act()
