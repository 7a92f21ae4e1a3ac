"""Operator start-up: Kopf settings that make restarts and multiple replicas safe."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kopf

from failback_operator.handlers.essence import LeanDiffBaseStorage
from failback_operator.runtime import blocking_threads, build_runtime

__all__ = ["configure", "widen_blocking_threads"]

ANNOTATION_PREFIX = "failback.io"


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    """Keep Kopf's own progress in annotations of our group, and post only warnings as Kopf events."""
    # An electing replica hands its Lease check over in the memo (handlers/runner.py, election/replica.py).
    memo.runtime = build_runtime(may_act=getattr(memo, "may_act", None))
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    settings.persistence.diffbase_storage = LeanDiffBaseStorage(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration"
    )
    settings.posting.level = 30  # logging.WARNING: our own Events say what happened
    # Kopf keeps nothing in status: the status schema would prune it, and one writer owns status.
    settings.persistence.finalizer = f"{ANNOTATION_PREFIX}/finalizer"


@kopf.on.startup()
async def widen_blocking_threads(**_: Any) -> None:
    """Blocking reads (the Kubernetes client, pyVmomi) wait in threads: give them enough of them.

    Python's default is the CPU count plus four; with many plans, the Kubernetes reads and writes of
    the looks would queue behind a few slow vCenter reads although both only wait on the network.
    """
    threads = blocking_threads(os.environ)
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="blocking")
    )
