"""The operator tunes glibc's malloc at start (arenas, large blocks), unless told otherwise."""

from __future__ import annotations

import subprocess
import sys

from failback_operator.memory import limit_malloc_arenas


def test_the_arena_limit_is_set_on_glibc_and_can_be_left_alone() -> None:
    # In a process of its own: the limit stays for the rest of the process's life.
    code = (
        "from failback_operator.memory import limit_malloc_arenas;"
        "print(limit_malloc_arenas({}), limit_malloc_arenas({'FAILBACK_MALLOC_ARENAS': '4'}))"
    )
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert answer.stdout.split() == ["2", "4"]
    assert limit_malloc_arenas({"FAILBACK_MALLOC_ARENAS": "0"}) is None
    assert limit_malloc_arenas({"MALLOC_ARENA_MAX": "8"}) is None


_MAPPED_AFTER_A_LARGER_FREE = """
import ctypes, sys
from failback_operator.memory import limit_malloc_arenas

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
    )]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
limit_malloc_arenas(dict(arg.split("=") for arg in sys.argv[1:]))
largest = bytearray(8 << 20)  # glibc raises its mapping threshold when such a block is freed
del largest
before = libc.mallinfo2().hblkhd
answer = bytearray(1 << 20)  # the next large answer
print(libc.mallinfo2().hblkhd - before >= 1 << 20)
"""


def test_large_blocks_keep_mappings_of_their_own_after_a_larger_one_was_freed() -> None:
    def mapped(*settings: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", _MAPPED_AFTER_A_LARGER_FREE, *settings],
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout.strip()

    assert mapped("FAILBACK_MALLOC_MMAP_KIB=128") == "True"
    # glibc's own sliding threshold (the default) puts it in the heap, which keeps what it once held.
    assert mapped() == "False"


_FREED_IN_THE_HEAP = """
import sys, time
from failback_operator.memory import limit_malloc_arenas, start_giving_back_freed_memory

def rss_mib() -> int:
    line = next(l for l in open("/proc/self/status") if l.startswith("VmRSS"))
    return int(line.split()[1]) // 1024

settings = dict(arg.split("=") for arg in sys.argv[1:])
limit_malloc_arenas(settings)
# Blocks glibc keeps in its heap (below its mapping threshold), every other one freed: the heap
# cannot shrink from its top, so the freed pages stay resident unless given back.
blocks = [bytearray(20_000 + n % 7 * 1000) for n in range(6000)]
blocks[::2] = [None] * len(blocks[::2])
before = rss_mib()
started = start_giving_back_freed_memory(settings)
time.sleep(0.5)
print(started is not None, before - rss_mib())
"""


def test_freed_memory_is_given_back_periodically_unless_turned_off() -> None:
    def given_back(*settings: str) -> tuple[str, int]:
        run = subprocess.run(
            [sys.executable, "-c", _FREED_IN_THE_HEAP, *settings], capture_output=True, text=True, check=True
        )
        started, mib = run.stdout.split()
        return started, int(mib)

    started, mib = given_back("FAILBACK_MALLOC_TRIM_SECONDS=0.05")
    assert started == "True"
    assert mib >= 40  # about 60 MiB freed in the heap
    started, mib = given_back("FAILBACK_MALLOC_TRIM_SECONDS=0")
    assert started == "False"
    assert mib < 10
