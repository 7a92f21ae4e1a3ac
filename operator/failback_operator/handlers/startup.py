"""Operator start-up: Kopf settings that make restarts and multiple replicas safe."""

from __future__ import annotations

from typing import Any

import kopf

__all__ = ["configure"]

ANNOTATION_PREFIX = "failback.io"


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    """Keep Kopf's own progress in annotations of our group, and post only warnings as Kopf events."""
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration"
    )
    settings.posting.level = 30  # logging.WARNING: our own Events say what happened
    settings.peering.name = "failback-operator"
    settings.peering.clusterwide = True
