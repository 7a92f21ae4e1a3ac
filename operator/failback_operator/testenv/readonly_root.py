"""Runs `failback-operator` as on a read-only root filesystem: writes succeed only under the given mounts.

The chart runs the operator with `readOnlyRootFilesystem: true` and an emptyDir for TMPDIR. Tests
cannot mount filesystems here, so this wrapper refuses, through a Python audit hook, every write
(file creation or opening for writing, mkdir, rename, removal) outside the directories listed in
FAILBACK_WRITABLE_DIRS (os.pathsep-separated), with the error a read-only filesystem gives (EROFS).
Run it as `python -m failback_operator.testenv.readonly_root COMMAND ...`.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["ENTRY", "WRITABLE_DIRS_ENV", "install", "is_write"]

ENTRY = ("-m", "failback_operator.testenv.readonly_root")
WRITABLE_DIRS_ENV = "FAILBACK_WRITABLE_DIRS"
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.symlink", "os.link"}
# Character devices a process may write to on any read-only root (e.g. /dev/null).
_ALWAYS_WRITABLE = (Path("/dev"),)


def is_write(event: str, args: tuple[Any, ...]) -> str | None:
    """The path an audit event writes to, or None when it writes nothing (or only to a descriptor)."""
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
        )
        return os.fsdecode(path) if writing and isinstance(path, (str, bytes, os.PathLike)) else None
    if event in _PATH_EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
        return os.fsdecode(args[0])
    return None


def install(writable: Sequence[Path]) -> None:
    """Refuse every write of this process outside `writable`, as a read-only root filesystem would."""
    allowed = [p.resolve() for p in (*writable, *_ALWAYS_WRITABLE)]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        path = is_write(event, args)
        if path is None:
            return
        resolved = Path(os.path.abspath(path))
        if not any(resolved == root or root in resolved.parents for root in allowed):
            raise OSError(errno.EROFS, "Read-only file system", path)

    sys.addaudithook(hook)


def main(argv: Sequence[str]) -> int:
    writable = [Path(p) for p in os.environ.get(WRITABLE_DIRS_ENV, "").split(os.pathsep) if p]
    install(writable)
    from failback_operator import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
