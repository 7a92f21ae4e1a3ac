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

What the operator frees inside glibc's heap stays resident until it is given back: glibc returns
only the heap's free top, and only beyond a threshold that rises with the largest block once freed.
A thread gives the free pages back every `FAILBACK_MALLOC_TRIM_SECONDS` (`malloc_trim`, which
releases free pages anywhere in the heaps); measured at a thousand plans, about 35 MiB of the
resident size was such pages at any moment of a run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["limit_malloc_arenas", "start_giving_back_freed_memory"]

# mallopt's parameter numbers (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def _libc_function(function: str) -> Any | None:
    """A glibc malloc function, or None where the C library has none of that name."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), function)
    except (OSError, AttributeError):
        return None


def limit_malloc_arenas(environ: Mapping[str, str]) -> int | None:
    """Limit glibc's malloc arenas before any thread starts; the limit set, or None if left alone.

    `FAILBACK_MALLOC_ARENAS` (default 2; 0 leaves glibc's own limit). glibc's `MALLOC_ARENA_MAX`,
    when set, is left to govern. Elsewhere than glibc nothing is done. Large blocks get mappings of
    their own from `FAILBACK_MALLOC_MMAP_KIB` KiB (default 0: glibc's own sliding threshold).
    """
    mallopt = _libc_function("mallopt")
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


def start_giving_back_freed_memory(environ: Mapping[str, str]) -> threading.Thread | None:
    """Give freed memory back every `FAILBACK_MALLOC_TRIM_SECONDS` (default 10; 0: never), in a thread.

    A thread of its own, so that the event loop never waits on it: ctypes lets go of the
    interpreter lock while `malloc_trim` walks the heaps (a few milliseconds, 20 at most measured).
    """
    period = float(environ.get("FAILBACK_MALLOC_TRIM_SECONDS", "10"))
    malloc_trim = _libc_function("malloc_trim")
    if period <= 0 or malloc_trim is None:
        return None

    def give_back_forever() -> None:
        while True:
            time.sleep(period)
            malloc_trim(0)

    thread = threading.Thread(target=give_back_forever, name="give-back-freed-memory", daemon=True)
    thread.start()
    return thread
