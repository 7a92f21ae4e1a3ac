"""Failpoints exit only where armed, for any operation or the one they name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from failback_operator import failpoints

PROGRAM = (
    "from failback_operator import failpoints; failpoints.reach({point!r}, {operations!r}); print('passed')"
)


def _run(point: str, operations: list[str], armed: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM.format(point=point, operations=operations)],
        env={
            "PYTHONPATH": failpoints.__file__.rsplit("/failback_operator/", 1)[0],
            failpoints.ENVIRONMENT_VARIABLE: armed,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("point", "operations", "armed", "killed"),
    [
        ("after-post", ["Reprotect"], "after-post", True),
        ("after-post", ["Reprotect"], "after-post:Reprotect", True),
        ("after-post", ["Failover"], "after-post:Reprotect", False),
        ("after-intent", ["Commit"], "after-post:Commit", False),
        ("after-intent", ["Reprotect", "Commit"], "before-intent,after-intent:Commit", True),
        ("after-record", [], "", False),
    ],
)
def test_failpoint_exits_only_where_armed(
    point: str, operations: list[str], armed: str, killed: bool
) -> None:
    completed = _run(point, operations, armed)
    if killed:
        assert completed.returncode == failpoints.KILLED_EXIT_STATUS
        assert "passed" not in completed.stdout
    else:
        assert completed.returncode == 0, completed.stderr
        assert completed.stdout.strip() == "passed"


def test_unknown_failpoint_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown failpoint"):
        failpoints.reach("after-lunch")
