"""The operator process's allocator: a few malloc arenas shared by all threads, not one per thread.

glibc gives each thread that allocates an arena of its own, up to eight per core. The operator's
blocking threads (the Kubernetes client, pyVmomi) each allocate while they parse answers, and the
memory freed in one arena is not reused by another: the resident size then follows the number of
threads and the largest answer each once parsed, rather than what the plans need. A few shared
arenas keep it in proportion to what is in use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Mapping

__all__ = ["limit_malloc_arenas"]

# mallopt's parameter number for the arena limit (glibc malloc.h).
_M_ARENA_MAX = -8


def limit_malloc_arenas(environ: Mapping[str, str]) -> int | None:
    """Limit glibc's malloc arenas before any thread starts; the limit set, or None if left alone.

    `FAILBACK_MALLOC_ARENAS` (default 2; 0 leaves glibc's own limit). glibc's `MALLOC_ARENA_MAX`,
    when set, is left to govern. Elsewhere than glibc nothing is done.
    """
    arenas = int(environ.get("FAILBACK_MALLOC_ARENAS", "2"))
    if arenas <= 0 or "MALLOC_ARENA_MAX" in environ:
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    return arenas if mallopt(_M_ARENA_MAX, arenas) == 1 else None
