"""No rule passes on a missing fact: without a system it reads, a rule says it cannot be checked.

Derived from the catalogue: every check, in every phase it belongs to, is run on a clean world in
which one of the systems it reads (its `where`: Site Recovery or vCenter) could not be read. Not
one of its findings may pass.
"""

from __future__ import annotations

import dataclasses

import pytest

from failback_operator.rules import CATALOGUE
from failback_operator.rules.catalogue import RuleEntry
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.model import CheckPhase, Source
from tests.unit.rules.worlds import NOW, WORLDS

# A clean world in which the plan's items stand where each phase applies.
PHASE_WORLDS = {
    CheckPhase.PRE_REPROTECT: "before-reprotect",
    CheckPhase.PRE_FAILBACK: "reprotected",
    CheckPhase.CONTINUOUS: "reprotected",
    CheckPhase.FAILBACK: "failing-back",
    CheckPhase.POST_FAILBACK: "failing-back",
}
SIDES = {Source.SITE_RECOVERY: "vault", Source.VCENTER: "vcenter"}
# Where a rule reads a fact from one system or, failing that, the other, one side may be missing.
ALTERNATIVES = {
    ("FB005", Source.SITE_RECOVERY): "the run-as user declared on the VCenter (spec.runAsUser)",
    ("FB009", Source.VCENTER): "the master target's OS version as registered with the configuration server",
    ("FB017", Source.VCENTER): "with no Linux VM in the plan, the master target's layout does not matter",
    ("FB027", Source.VCENTER): "the master target's disk count as registered with the configuration server",
    ("FB041", Source.VCENTER): "the master target's OS type, declared or registered",
}

CASES = [
    pytest.param(entry, phase, source, id=f"{entry.id}-{phase}-without-{SIDES[source]}")
    for entry in CATALOGUE
    if entry.check is not None
    for phase in entry.when
    for source in entry.where
    if source in SIDES and (entry.id, source) not in ALTERNATIVES
]
BOTH_MISSING = [
    pytest.param(entry, phase, id=f"{entry.id}-{phase}")
    for entry in CATALOGUE
    if entry.check is not None and set(SIDES) & set(entry.where)
    for phase in entry.when
]


@pytest.mark.parametrize(("entry", "phase", "source"), CASES)
def test_a_rule_never_passes_without_a_system_it_reads(
    entry: RuleEntry, phase: CheckPhase, source: Source
) -> None:
    assert entry.check is not None
    world = WORLDS[PHASE_WORLDS[phase]]()
    facts = dataclasses.replace(world, **{SIDES[source]: None})
    findings = entry.check(facts, CheckContext(phase=phase, now=NOW))
    assert findings, f"{entry.id} said nothing"
    assert [f for f in findings if f.passed] == [], [f.message for f in findings]


@pytest.mark.parametrize(("entry", "phase"), BOTH_MISSING)
def test_a_rule_never_passes_with_neither_system_read(entry: RuleEntry, phase: CheckPhase) -> None:
    """Where one system stands in for the other (ALTERNATIVES), losing both still never passes."""
    assert entry.check is not None
    facts = dataclasses.replace(WORLDS[PHASE_WORLDS[phase]](), vault=None, vcenter=None)
    findings = entry.check(facts, CheckContext(phase=phase, now=NOW))
    assert findings
    assert [f for f in findings if f.passed] == [], [f.message for f in findings]


@pytest.mark.parametrize("rule", ["FB001", "FB018", "FB019", "FB031", "FB043", "FB044"])
def test_the_on_premises_vm_of_an_item_is_site_recoverys_fact(rule: str) -> None:
    """Which on-premises VM an item came from is read from Site Recovery, not guessed from its name."""
    entry = next(e for e in CATALOGUE if e.id == rule)
    assert Source.SITE_RECOVERY in entry.where
    world = WORLDS["reprotected" if rule == "FB031" else "before-reprotect"]()
    phase = entry.when[0]
    findings = entry.check(dataclasses.replace(world, vault=None), CheckContext(phase=phase, now=NOW))  # type: ignore[misc]
    assert [f.message for f in findings] == [
        f"{rule} cannot be checked: Site Recovery was not read, so which on-premises VM each item "
        "came from is unknown"
    ]
