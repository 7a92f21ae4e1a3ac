"""Recorded Site Recovery responses and REST examples (tests/data) for the adapter's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parents[2] / "data"
RECORDINGS = _DATA / "asr-recordings"
SPEC_EXAMPLES = _DATA / "asr-spec-examples"


def load_recording(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / name).read_text())
