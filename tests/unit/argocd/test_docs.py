"""docs/argocd.md quotes what Argo CD really shows: each quoted plan message is a tested message."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from failback_operator.api.vocabulary import Phase

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "argocd.md").read_text()
CASES = yaml.safe_load(
    (
        ROOT / "argocd" / "resource_customizations" / "failback.io" / "FailbackPlan" / "health_test.yaml"
    ).read_text()
)["tests"]


def test_every_plan_message_the_doc_quotes_is_a_tested_message() -> None:
    phases = "|".join(Phase)
    quoted = re.findall(rf"(Healthy|Progressing|Suspended|Degraded) `((?:{phases}) \([A-Za-z]+\)[^`]*)`", DOC)
    assert len(quoted) >= 10
    for status, text in quoted:
        pieces = [p.strip(" ,") for p in text.split("…") if p.strip(" ,")]
        assert any(
            case["healthStatus"]["status"] == status
            and all(p in case["healthStatus"]["message"] for p in pieces)
            for case in CASES
        ), (status, text)


def test_the_doc_explains_every_phase() -> None:
    section = DOC[DOC.index("### FailbackPlan") : DOC.index("### MasterTarget")]
    for phase in Phase:
        assert phase in section, phase
