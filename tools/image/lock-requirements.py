"""Writes requirements.lock: the operator's runtime dependencies, closed over and pinned as tested.

Run with the project's virtualenv (`make lock`); it reads the installed distributions' metadata, so it
needs no network. The Dockerfile installs exactly these versions.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(project: str = "failback-operator") -> dict[str, str]:
    """Every distribution the project needs at run time (no extras), with its installed version."""
    pinned: dict[str, str] = {}
    pending = [r for r in (metadata.requires(project) or []) if _applies(Requirement(r))]
    while pending:
        requirement = Requirement(pending.pop())
        name = _canonical(requirement.name)
        if name in pinned:
            continue
        distribution = metadata.distribution(requirement.name)
        pinned[name] = distribution.version
        for extra in [None, *sorted(requirement.extras)]:
            for nested in distribution.requires or []:
                if _applies(Requirement(nested), extra):
                    pending.append(nested)
    return dict(sorted(pinned.items()))


def _applies(requirement: Requirement, extra: str | None = None) -> bool:
    if requirement.marker is None:
        return extra is None
    return requirement.marker.evaluate({"extra": extra or ""})


def main() -> int:
    lines = [
        "# The operator's runtime dependencies, pinned to the versions its tests ran with.",
        "# Written by tools/image/lock-requirements.py (`make lock`); the Dockerfile installs these.",
        *(f"{name}=={version}" for name, version in runtime_closure().items()),
    ]
    (ROOT / "requirements.lock").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
