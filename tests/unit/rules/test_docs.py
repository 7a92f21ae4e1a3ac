"""docs/rules.md has one row per rule of the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from failback_operator.rules import CATALOGUE

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules.md"


def test_one_row_per_rule() -> None:
    rows = re.findall(r"^\| (FB\d{3}) \|", DOC.read_text(), flags=re.MULTILINE)
    assert rows == [entry.id for entry in CATALOGUE]


def test_vcsim_limits_are_stated() -> None:
    text = DOC.read_text()
    for rule in ("FB005", "FB035"):
        row = next(line for line in text.splitlines() if line.startswith(f"| {rule} |"))
        assert "hand-built facts only" in row


def test_job_error_table_documented() -> None:
    from failback_operator.rules.job_errors import JOB_ERRORS

    text = DOC.read_text()
    for code, entry in JOB_ERRORS.items():
        assert f"| {code} | {entry.rule} |" in text
    assert '"agent not installed" (by message) | FB028' in text
