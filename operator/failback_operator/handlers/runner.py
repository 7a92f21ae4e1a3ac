"""Runs Kopf with this operator's handlers, the way `failback-operator run` starts it.

By default the replica first wins the operator's Lease (election/replica.py runs the election and
is handed the way to start Kopf); `standalone` skips the election, for a single process run by hand.
"""

from __future__ import annotations

import asyncio
import logging

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


async def _run_elected(namespaces: list[str], liveness: str | None) -> int:
    from failback_operator.election.replica import run_elected
    from failback_operator.runtime import election_settings_from_environment, replica_identity

    async def start_kopf(stop_flag: asyncio.Event, ready_flag: asyncio.Event, elector: LeaderElector) -> None:
        # Kopf's liveness endpoint would collide with the one served for the replica's whole life.
        await _run_kopf(
            namespaces, liveness=None, stop_flag=stop_flag, memo=leader_memo(elector), ready_flag=ready_flag
        )

    return await run_elected(start_kopf, liveness, election_settings_from_environment(), replica_identity())
