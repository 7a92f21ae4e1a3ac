"""Small helpers the rules rely on: ages, listings, items by name."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from failback_operator.facts.asr import ProtectedItem, RecoveryPlan, VaultFacts, index_vault
from failback_operator.rules.lookups import describe_age, fresh, listing
from tests.unit.rules.worlds import NOW


def test_describe_age() -> None:
    assert describe_age(None, NOW) == "never"
    assert describe_age(NOW - timedelta(minutes=12, seconds=59), NOW) == "2026-11-27T22:47:01Z (12 min ago)"
    assert describe_age(NOW + timedelta(minutes=30), NOW) == (
        "2026-11-27T23:30:00Z (30 min ahead of the operator's clock)"
    )


def test_fresh() -> None:
    assert fresh(NOW - timedelta(minutes=15), NOW, timedelta(minutes=15))
    assert not fresh(NOW - timedelta(minutes=15, seconds=1), NOW, timedelta(minutes=15))
    assert not fresh(None, NOW, timedelta(minutes=15))


def test_listing() -> None:
    assert listing(["a", "b"]) == "a, b"
    assert listing([str(n) for n in range(8)], limit=3) == "0, 1, 2 and 5 more"
    assert listing([]) == ""


def test_an_item_is_found_by_its_arm_or_friendly_name_first_in_the_vaults_order() -> None:
    earlier = ProtectedItem(name="V2A-W2K16-201-new", friendly_name="V2A-W2K16-201")
    # A later item whose ARM name is the earlier one's VM name: the vault's order decides.
    later = ProtectedItem(name="v2a-w2k16-201", friendly_name="other-vm")
    vault = VaultFacts(protected_items=(earlier, later))

    assert vault.item_named("v2a-w2k16-201-NEW") is earlier
    assert vault.item_named("V2A-W2K16-201") is earlier
    assert vault.item_named("OTHER-VM") is later
    assert vault.item_named("V2A-GONE-new") is None
    assert VaultFacts().item_named("V2A-W2K16-201") is None
    # The index is not part of what the facts are: equal facts stay equal, replaced facts re-index.
    assert vault == VaultFacts(protected_items=(earlier, later))
    assert dataclasses.replace(vault, protected_items=(later,)).item_named("V2A-W2K16-201") is later


def test_the_vault_index_handed_over_serves_only_the_tuples_it_indexes() -> None:
    items = (ProtectedItem(name="V2A-W2K16-201-new", friendly_name="V2A-W2K16-201"),)
    plans = (RecoveryPlan(name="RP-App1"),)
    index = index_vault(items, plans)
    vault = VaultFacts(protected_items=items, recovery_plans=plans, index=index)

    assert vault.item_named("v2a-w2k16-201") is items[0]
    assert vault.recovery_plan_named("rp-app1") is plans[0]
    assert vault.index is index  # the gathering's index was used, not built again
    # Facts replaced with other items or plans never answer from the index of the old ones.
    other = (ProtectedItem(name="V2A-OTHER-new"),)
    replaced = dataclasses.replace(vault, protected_items=other, recovery_plans=None)
    assert replaced.item_named("V2A-W2K16-201") is None
    assert replaced.item_named("v2a-other-new") is other[0]
    assert replaced.recovery_plan_named("RP-App1") is None
