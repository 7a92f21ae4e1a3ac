"""Named points where a test can make the operator die at once, to prove what a restart does.

`FAILBACK_FAILPOINTS=after-intent,after-post` makes the process exit with status 137 (as if
killed) the first time it reaches one of those points. Unset in production: then `reach` only
reads one environment variable.
"""

from __future__ import annotations

import os

__all__ = ["ENVIRONMENT_VARIABLE", "KILLED_EXIT_STATUS", "POINTS", "reach"]

ENVIRONMENT_VARIABLE = "FAILBACK_FAILPOINTS"
KILLED_EXIT_STATUS = 137
POINTS = frozenset({"before-intent", "after-intent", "after-post", "after-record"})


def reach(point: str) -> None:
    """Exit immediately if `point` is armed; otherwise do nothing."""
    if point not in POINTS:
        raise ValueError(f"unknown failpoint {point!r}")
    armed = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if point in {p.strip() for p in armed.split(",") if p.strip()}:
        os._exit(KILLED_EXIT_STATUS)
