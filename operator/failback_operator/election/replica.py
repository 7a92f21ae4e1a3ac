"""An electing replica's life: stand for election, run Kopf while leading, serve liveness throughout.

Kopf itself is started by the caller (`handlers/runner.py`), the one place Kopf is imported: it
hands in `start_kopf`, which runs Kopf until the stop flag is set and sets the ready flag once Kopf
is up, with the elector whose Lease fences the handlers.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from failback_operator.election.elector import LeaderElector
from failback_operator.election.leadership import ElectionSettings
from failback_operator.election.leading import lead_while_elected
from failback_operator.election.liveness import replica_ready, serving_liveness
from failback_operator.metrics import METRICS
from failback_operator.storage.kube import load_api_client
from failback_operator.storage.leases import LeaseStore

__all__ = ["StartKopf", "run_elected"]

logger = logging.getLogger(__name__)

# Runs Kopf until the stop flag (first) is set, sets the ready flag (second) once Kopf is up.
StartKopf = Callable[[asyncio.Event, asyncio.Event, LeaderElector], Awaitable[None]]


def _on_signals(shutdown: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, _shut_down, shutdown, number)


def _shut_down(shutdown: asyncio.Event, number: signal.Signals) -> None:
    logger.info("Signal %s: stopping, then giving the lease back.", number.name)
    shutdown.set()


async def run_elected(
    start_kopf: StartKopf, liveness: str | None, settings: ElectionSettings, identity: str
) -> int:
    """Stand for election on the operator's Lease, run Kopf while leading; the process's exit status."""
    shutdown = asyncio.Event()
    _on_signals(shutdown)
    leases = LeaseStore(
        load_api_client(), settings.namespace, settings.lease_name, request_timeout=settings.renew_deadline
    )
    elector = LeaderElector(leases, identity, settings)
    METRICS.leader.set_function(lambda: 1.0 if elector.leading else 0.0)
    kopf_running = False

    async def run_kopf(stop_flag: asyncio.Event) -> None:
        nonlocal kopf_running
        ready = asyncio.Event()

        async def take_signals_back() -> None:
            # Kopf installs its own signal handlers at start. Once it is up, a signal goes through
            # `shutdown` and the stop flag again, which Kopf obeys without waiting out its own
            # stop-flag waiter (five seconds in which the lease would not be given back).
            await ready.wait()
            nonlocal kopf_running
            kopf_running = True
            _on_signals(shutdown)

        # Created before Kopf starts, so that Kopf's shutdown leaves it alone.
        taking = asyncio.create_task(take_signals_back(), name="signals back from Kopf")
        try:
            await start_kopf(stop_flag, ready, elector)
        finally:
            kopf_running = False
            taking.cancel()
            _on_signals(shutdown)

    def report() -> dict[str, object]:
        return {"identity": elector.identity, "leading": elector.leading, "holder": elector.holder}

    def ready() -> bool:
        return replica_ready(leading=elector.leading, kopf_running=kopf_running, holder=elector.holder)

    logger.info(
        "%s stands for election on Lease %s/%s.", elector.identity, settings.namespace, settings.lease_name
    )
    try:
        async with serving_liveness(liveness, report, ready):
            return await lead_while_elected(elector, run_kopf, shutdown)
    finally:
        leases.close()
