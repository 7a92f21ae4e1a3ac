"""`failback-operator rules` prints the catalogue as a table or as JSON."""

from __future__ import annotations

import json

import pytest

from failback_operator.cli import main


def test_json_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--output", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    rules = document["rules"]
    assert [rule["id"] for rule in rules] == [f"FB{n:03d}" for n in range(1, 47)]
    fb014 = rules[13]
    assert fb014["architectures"] == ["Classic"]
    assert fb014["severity"] == "block / warn"
    assert fb014["wording"].startswith("(classic only) A process server")
    assert rules[21]["kind"] == "behaviour"
    assert rules[21]["helper"] == "failback_operator.rules.retention:retention_volume_wait"


def test_table_groups_by_section(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for text in ("FB001", "FB045", "Prerequisites", "Master target server", "classic only", "behaviour"):
        assert text in out
    assert "Article" not in out


def test_wide_table_shows_the_wording(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["rules", "-o", "wide"]) == 0
    out = capsys.readouterr().out
    assert "Article" in out
    assert "RPO threshold 15" in out
