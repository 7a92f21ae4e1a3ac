"""Who owns an item: the oldest active plan that names it; a completed plan lets it go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from failback_operator.api.vocabulary import Phase

__all__ = ["claims_on"]

# Phases in which a plan no longer holds its items.
_RELEASED = {Phase.COMPLETED.value}


def claims_on(plans: Sequence[Mapping[str, Any]], this: Mapping[str, Any]) -> dict[str, str]:
    """Items of `this` plan that an older active plan names: item -> "namespace/plan".

    The oldest active plan (creation time, then namespace/name) owns an item; a completed plan
    releases it.
    """
    mine = {item["name"] for group in this["spec"].get("groups", []) for item in group.get("items", [])}

    def key(plan: Mapping[str, Any]) -> tuple[str, str]:
        meta = plan["metadata"]
        return meta.get("creationTimestamp", ""), f"{meta.get('namespace')}/{meta['name']}"

    owners: dict[str, str] = {}
    for plan in sorted(plans, key=key):
        if (plan.get("status") or {}).get("phase") in _RELEASED:
            continue
        owner = f"{plan['metadata'].get('namespace')}/{plan['metadata']['name']}"
        for group in plan["spec"].get("groups", []):
            for item in group.get("items", []):
                owners.setdefault(item["name"], owner)
    me = f"{this['metadata'].get('namespace')}/{this['metadata']['name']}"
    return {name: owner for name, owner in owners.items() if name in mine and owner != me}
