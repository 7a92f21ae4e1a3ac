"""Named points where a test can make the operator die at once, to prove what a restart does.

`FAILBACK_FAILPOINTS=after-intent,after-post:Commit` makes the process exit with status 137 (as
if killed) when it reaches one of those points; a point may name the operation it applies to
(`Reprotect`, `Failover`, `Commit`, `Cancel`). Unset in production: then `reach` only reads one
environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["ENVIRONMENT_VARIABLE", "KILLED_EXIT_STATUS", "POINTS", "reach"]

ENVIRONMENT_VARIABLE = "FAILBACK_FAILPOINTS"
KILLED_EXIT_STATUS = 137
POINTS = frozenset({"before-intent", "after-intent", "after-post", "after-record"})


def reach(point: str, operations: Iterable[str] = ()) -> None:
    """Exit immediately if `point` is armed, for any operation or one of `operations`."""
    if point not in POINTS:
        raise ValueError(f"unknown failpoint {point!r}")
    armed = {p.strip() for p in os.environ.get(ENVIRONMENT_VARIABLE, "").split(",") if p.strip()}
    if not armed:
        return
    if point in armed or any(f"{point}:{operation}" in armed for operation in operations):
        os._exit(KILLED_EXIT_STATUS)
