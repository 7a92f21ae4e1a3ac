"""Recorded Site Recovery responses (../shared/asr-recordings) for the adapter's tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def _find_shared(name: str) -> Path:
    override = os.environ.get("FAILBACK_SHARED_DIR")
    candidates = [Path(override)] if override else []
    here = Path(__file__).resolve()
    candidates += [parent / "shared" for parent in here.parents]
    for candidate in candidates:
        if (candidate / name).is_dir():
            return candidate / name
    raise RuntimeError(f"cannot find shared/{name}; set FAILBACK_SHARED_DIR")


RECORDINGS = _find_shared("asr-recordings")
SPEC_EXAMPLES = _find_shared("asr-spec-examples")


def load_recording(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / name).read_text())
