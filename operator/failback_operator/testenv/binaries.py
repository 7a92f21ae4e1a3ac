"""Finds the binaries that tools/testenv/build-tools.sh builds and caches outside the repository."""

from __future__ import annotations

import os
from pathlib import Path

from failback_operator.errors import FailbackOperatorError

__all__ = ["MissingBinaryError", "cache_dir", "find_binary"]


class MissingBinaryError(FailbackOperatorError, RuntimeError):
    """A test-environment binary has not been built yet."""


def cache_dir() -> Path:
    """The per-user cache that holds the virtualenv and the Go-built tools."""
    configured = os.environ.get("FAILBACK_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "failback-operator"


def find_binary(name: str) -> Path:
    """Path of a Go-built tool (`kube-apiserver`, `etcd`, `kubectl`, `vcsim`, `helm`)."""
    path = cache_dir() / "bin" / name
    if not (path.exists() and os.access(path, os.X_OK)):
        raise MissingBinaryError(
            f"{name} is not built: run `make tools` (tools/testenv/build-tools.sh), looked in {path}"
        )
    return path.resolve()
