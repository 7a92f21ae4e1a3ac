"""FB005 checks exactly the privileges of Site Recovery's documented vCenter role, no more, no fewer."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from failback_operator.rules.config import DEFAULT_RUN_AS_PRIVILEGES, SITE_RECOVERY_ROLE
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.model import CheckPhase
from failback_operator.rules.prerequisites import check_fb005
from tests.unit.rules.worlds import NOW, WORLDS

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules.md"
EVERYONE = frozenset({"System.Anonymous", "System.View", "System.Read"})


def _fb005(privileges: frozenset[str]) -> list[tuple[bool, str]]:
    world = WORLDS["before-reprotect"]()
    assert world.vcenter is not None
    grant = dataclasses.replace(world.vcenter.run_as_privileges[0], privileges=privileges)
    facts = dataclasses.replace(world, vcenter=dataclasses.replace(world.vcenter, run_as_privileges=(grant,)))
    findings = check_fb005(facts, CheckContext(phase=CheckPhase.PRE_REPROTECT, now=NOW))
    return [(f.passed, f.message) for f in findings]


def test_an_account_with_exactly_the_documented_role_passes() -> None:
    assert _fb005(DEFAULT_RUN_AS_PRIVILEGES | EVERYONE) == [
        (True, "run-as account VSPHERE.LOCAL\\asr-discovery holds the required privileges")
    ]


def test_the_documented_role_does_not_create_snapshots() -> None:
    """The role removes snapshots but has no Create snapshot: a correctly prepared account is not blocked."""
    assert "VirtualMachine.State.CreateSnapshot" not in DEFAULT_RUN_AS_PRIVILEGES
    assert "VirtualMachine.State.RemoveSnapshot" in DEFAULT_RUN_AS_PRIVILEGES


@pytest.mark.parametrize("privilege", sorted(DEFAULT_RUN_AS_PRIVILEGES))
def test_each_privilege_of_the_role_is_required(privilege: str) -> None:
    [(ok, message)] = _fb005((DEFAULT_RUN_AS_PRIVILEGES | EVERYONE) - {privilege})
    assert not ok
    assert "lacks 1 privilege(s)" in message
    assert privilege in message


def test_a_read_only_account_lacks_the_whole_role() -> None:
    [(ok, message)] = _fb005(EVERYONE)
    assert not ok
    assert f"lacks {len(DEFAULT_RUN_AS_PRIVILEGES)} privilege(s)" in message


def test_docs_list_the_role_as_checked() -> None:
    """docs/rules.md shows the same privilege ids, grouped as Microsoft's table groups them."""
    text = DOC.read_text()
    section = text[text.index("## FB005: the Site Recovery vCenter role") :]
    section = section[: section.index("\n## ", 3)]
    listed = set(re.findall(r"`((?:Datastore|Network|Resource|Task|VirtualMachine)\.[A-Za-z.]+)`", section))
    assert listed == set(DEFAULT_RUN_AS_PRIVILEGES)
    for group in SITE_RECOVERY_ROLE:
        assert group in section
    assert "vmware-azure-tutorial-prepare-on-premises" in section
