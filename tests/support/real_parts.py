"""The real parts a test needs: missing ones fail the test with the command that builds them.

CI builds every real part first (`make tools`), so a missing binary is a broken set-up, never a
reason to pass a test without running it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from failback_operator.testenv.binaries import MissingBinaryError, find_binary
from failback_operator.testenv.vcsim import find_vcsim

__all__ = ["MISSING_VCSIM", "require_binary", "require_vcsim"]

MISSING_VCSIM = "vcsim is not built: run `make tools` (tools/testenv/build-tools.sh vcsim)"


def require_binary(name: str) -> Path:
    """The path of a Go-built tool, or a failed test naming `make tools`."""
    try:
        return find_binary(name)
    except MissingBinaryError as missing:
        pytest.fail(str(missing), pytrace=False)


def require_vcsim() -> Path:
    """The path of vcsim, or a failed test naming the command that builds it."""
    path = find_vcsim()
    if path is None:
        pytest.fail(
            "vcsim is not built: run `make tools` (tools/testenv/build-tools.sh vcsim)", pytrace=False
        )
    return path
