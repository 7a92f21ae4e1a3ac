"""Runs Kopf with this operator's handlers, the way `failback-operator run` starts it."""

from __future__ import annotations

import asyncio
import logging

import kopf

__all__ = ["run_operator"]


def run_operator(namespaces: list[str], standalone: bool, verbose: bool, liveness: str | None = None) -> int:
    """Start the operator and block until it stops; returns the process exit status."""
    import failback_operator.handlers  # noqa: F401  (registers the handlers)

    kopf.configure(verbose=verbose)
    logging.getLogger("azure").setLevel(logging.WARNING)
    try:
        asyncio.run(
            kopf.operator(
                standalone=standalone,
                clusterwide=not namespaces,
                namespaces=namespaces,
                liveness_endpoint=liveness,
            )
        )
    except KeyboardInterrupt:
        return 130
    return 0
