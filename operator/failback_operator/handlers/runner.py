"""Runs Kopf with this operator's handlers, the way `failback-operator run` starts it.

By default the replica first wins the operator's Lease (election/leading.py); `standalone` skips
the election, for a single process run by hand.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import kopf

from failback_operator.election.elector import LeaderElector

__all__ = ["RetriesAreWarnings", "leader_memo", "run_operator"]


class RetriesAreWarnings(logging.Filter):
    """Kopf logs every retried API request at ERROR: a retry that may still succeed is a warning.

    A short kube-apiserver restart would otherwise leave a trail of ERROR lines; the request that
    finally gives up ("escalating") stays an ERROR.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno == logging.ERROR
            and record.name.startswith("kopf.")
            and "failed; will retry" in record.getMessage()
        ):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def run_operator(
    namespaces: list[str],
    standalone: bool,
    verbose: bool,
    liveness: str | None = None,
    metrics: str | None = None,
    log_format: str = "text",
) -> int:
    """Start the operator and block until it stops; returns the process exit status."""
    import failback_operator.handlers  # noqa: F401  (registers the handlers)
    from failback_operator.handlers.quiet_logs import quiet_watch_successes
    from failback_operator.metrics import METRICS, serve_metrics

    kopf.configure(
        verbose=verbose, log_format=kopf.LogFormat.JSON if log_format == "json" else kopf.LogFormat.FULL
    )
    logging.getLogger("azure").setLevel(logging.WARNING)
    quiet_watch_successes()
    for handler in logging.getLogger().handlers:
        handler.addFilter(RetriesAreWarnings())
    if metrics:
        serve_metrics(metrics)
    try:
        if standalone:
            METRICS.leader.set(1)  # a single process acts without an election
            asyncio.run(_run_kopf(namespaces, liveness=liveness, stop_flag=None))
            return 0
        status: int = asyncio.run(_run_elected(namespaces, liveness))
    except KeyboardInterrupt:
        return 130
    return status


async def _run_kopf(
    namespaces: list[str],
    liveness: str | None,
    stop_flag: asyncio.Event | None,
    memo: kopf.Memo | None = None,
    ready_flag: asyncio.Event | None = None,
) -> None:
    await kopf.operator(
        # The Lease, not Kopf's peering, keeps replicas apart.
        standalone=True,
        clusterwide=not namespaces,
        namespaces=namespaces,
        liveness_endpoint=liveness,
        stop_flag=stop_flag,
        ready_flag=ready_flag,
        memo=memo,
    )


def leader_memo(elector: LeaderElector) -> kopf.Memo:
    """Kopf's memo for an elected replica: the handlers' services ask it whether they may still act."""
    return kopf.Memo(may_act=lambda: elector.leading)


def _on_signals(shutdown: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, _shut_down, shutdown, number)


def _shut_down(shutdown: asyncio.Event, number: signal.Signals) -> None:
    logging.getLogger(__name__).info("Signal %s: stopping, then giving the lease back.", number.name)
    shutdown.set()


async def _run_elected(namespaces: list[str], liveness: str | None) -> int:
    from failback_operator.election.leading import lead_while_elected
    from failback_operator.election.liveness import replica_ready, serving_liveness
    from failback_operator.metrics import METRICS
    from failback_operator.runtime import election_settings_from_environment, replica_identity
    from failback_operator.storage.kube import load_api_client
    from failback_operator.storage.leases import LeaseStore

    settings = election_settings_from_environment()
    shutdown = asyncio.Event()
    _on_signals(shutdown)
    leases = LeaseStore(
        load_api_client(), settings.namespace, settings.lease_name, request_timeout=settings.renew_deadline
    )
    elector = LeaderElector(leases, replica_identity(), settings)
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
            # Kopf's liveness endpoint would collide with the one served for the replica's whole life.
            await _run_kopf(
                namespaces, liveness=None, stop_flag=stop_flag, memo=leader_memo(elector), ready_flag=ready
            )
        finally:
            kopf_running = False
            taking.cancel()
            _on_signals(shutdown)

    def report() -> dict[str, object]:
        return {"identity": elector.identity, "leading": elector.leading, "holder": elector.holder}

    def ready() -> bool:
        return replica_ready(leading=elector.leading, kopf_running=kopf_running, holder=elector.holder)

    logging.getLogger(__name__).info(
        "%s stands for election on Lease %s/%s.", elector.identity, settings.namespace, settings.lease_name
    )
    try:
        async with serving_liveness(liveness, report, ready):
            return await lead_while_elected(elector, run_kopf, shutdown)
    finally:
        leases.close()
