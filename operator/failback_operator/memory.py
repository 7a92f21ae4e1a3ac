"""The operator process's allocator: a few malloc arenas shared by all threads, and large blocks returned.

glibc gives each thread that allocates an arena of its own, up to eight per core. The operator's
blocking threads (the Kubernetes client, pyVmomi) each allocate while they parse answers, and the
memory freed in one arena is not reused by another: the resident size then follows the number of
threads and the largest answer each once parsed, rather than what the plans need. A few shared
arenas keep it in proportion to what is in use.

glibc also raises its threshold for giving a large block its own mapping each time such a block is
freed, up to 32 MiB: after the first pages of a jobs list, every later answer's buffers land in the
heap, which keeps what they once needed. A fixed threshold (`FAILBACK_MALLOC_MMAP_KIB`) keeps large
blocks in mappings of their own, returned as soon as they are freed. It is off by default: in one
run at a thousand plans it lowered the peak RSS from 342 to 310 MiB, but the first look at every
plan took 93 s against 71 s (each large answer then costs a mapping and its page faults); runs of
that size vary by tens of seconds, so it stays a setting until measured further.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Mapping
from typing import Any

__all__ = ["limit_malloc_arenas"]

# mallopt's parameter numbers (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def _mallopt() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return None


def limit_malloc_arenas(environ: Mapping[str, str]) -> int | None:
    """Limit glibc's malloc arenas before any thread starts; the limit set, or None if left alone.

    `FAILBACK_MALLOC_ARENAS` (default 2; 0 leaves glibc's own limit). glibc's `MALLOC_ARENA_MAX`,
    when set, is left to govern. Elsewhere than glibc nothing is done. Large blocks get mappings of
    their own from `FAILBACK_MALLOC_MMAP_KIB` KiB (default 0: glibc's own sliding threshold).
    """
    mallopt = _mallopt()
    if mallopt is None:
        return None
    mmap_kib = int(environ.get("FAILBACK_MALLOC_MMAP_KIB", "0"))
    if mmap_kib > 0 and "MALLOC_MMAP_THRESHOLD_" not in environ:
        mallopt(_M_MMAP_THRESHOLD, mmap_kib * 1024)
        mallopt(_M_TRIM_THRESHOLD, mmap_kib * 1024)
    arenas = int(environ.get("FAILBACK_MALLOC_ARENAS", "2"))
    if arenas <= 0 or "MALLOC_ARENA_MAX" in environ:
        return None
    return arenas if mallopt(_M_ARENA_MAX, arenas) == 1 else None
