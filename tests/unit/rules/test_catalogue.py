"""The catalogue lists every rule of RULES.md once, with the article's wording and a check or helper."""

from __future__ import annotations

import importlib

from failback_operator.facts import Architecture
from failback_operator.rules import CATALOGUE, RULES, CheckPhase, RuleKind, Section, Severity, applicable


def test_ids_fb001_to_fb046_in_order() -> None:
    assert [entry.id for entry in CATALOGUE] == [f"FB{n:03d}" for n in range(1, 47)]
    assert len(RULES) == 46


def test_behaviours_and_checks() -> None:
    behaviours = {entry.id for entry in CATALOGUE if entry.kind is RuleKind.BEHAVIOUR}
    assert behaviours == {"FB022", "FB028", "FB029", "FB030"}
    for entry in CATALOGUE:
        if entry.kind is RuleKind.CHECK:
            assert entry.check is not None, entry.id
            assert entry.severities, entry.id
            assert entry.id in (entry.check.__doc__ or ""), entry.id
        else:
            assert entry.check is None
            assert entry.helper is not None
            module, name = entry.helper.split(":")
            assert callable(getattr(importlib.import_module(module), name))


def test_wording_and_sections() -> None:
    assert RULES["FB003"].wording.startswith("A failback replication policy must exist")
    assert "15 min" in RULES["FB003"].wording
    assert RULES["FB014"].wording.startswith("(classic only)")
    assert RULES["FB043"].wording.startswith("(derived, job error 78052)")
    assert [s for s in Section] == list(dict.fromkeys(entry.section for entry in CATALOGUE))
    for entry in CATALOGUE:
        assert "*" not in entry.wording


def test_split_severities() -> None:
    assert RULES["FB003"].severities == (Severity.BLOCK, Severity.WARN)
    assert RULES["FB006"].severities == (Severity.BLOCK, Severity.INFO)
    assert RULES["FB020"].severities == (Severity.WARN, Severity.BLOCK)
    assert RULES["FB044"].severities == (Severity.WARN,)


def test_derived_rules() -> None:
    assert {entry.id for entry in CATALOGUE if entry.derived} == {"FB025", "FB043", "FB044", "FB045", "FB046"}


def test_applicable_by_phase_and_architecture() -> None:
    assert [e.id for e in applicable(CheckPhase.FAILBACK, Architecture.CLASSIC)] == ["FB042", "FB046"]
    assert [e.id for e in applicable(CheckPhase.POST_FAILBACK, Architecture.MODERNIZED)] == ["FB033", "FB034"]
    continuous_classic = [e.id for e in applicable(CheckPhase.CONTINUOUS, Architecture.CLASSIC)]
    assert continuous_classic == ["FB004", "FB006", "FB014", "FB020", "FB031"]
    assert "FB014" not in [e.id for e in applicable(CheckPhase.CONTINUOUS, Architecture.MODERNIZED)]
    assert applicable(CheckPhase.REPROTECT, Architecture.CLASSIC) == ()
