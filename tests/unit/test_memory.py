"""The operator limits glibc's malloc arenas at start, unless told otherwise."""

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
