"""Operator start-up: Kopf settings that make restarts and multiple replicas safe."""

from __future__ import annotations

from typing import Any

import kopf

from failback_operator.runtime import build_runtime

__all__ = ["configure"]

ANNOTATION_PREFIX = "failback.io"


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    """Keep Kopf's own progress in annotations of our group, and post only warnings as Kopf events."""
    # An electing replica hands its Lease check over in the memo (handlers/runner.py, election/replica.py).
    memo.runtime = build_runtime(may_act=getattr(memo, "may_act", None))
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration"
    )
    settings.posting.level = 30  # logging.WARNING: our own Events say what happened
    # Kopf keeps nothing in status: the status schema would prune it, and one writer owns status.
    settings.persistence.finalizer = f"{ANNOTATION_PREFIX}/finalizer"
