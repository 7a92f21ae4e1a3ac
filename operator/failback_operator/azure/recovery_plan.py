"""Recovery plans: how a replication group fails over and commits at one point in time (FB030)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.facts.asr import ProtectedItem, RecoveryPlan

__all__ = ["RecoveryPlan", "recovery_plan_from_sdk", "with_recovery_plans"]


def recovery_plan_from_sdk(plan: models.RecoveryPlan) -> RecoveryPlan:
    """A RecoveryPlan fact from the SDK model."""
    props = plan.properties or models.RecoveryPlanProperties()
    scenario = props.current_scenario
    scenario_name = scenario.scenario_name if scenario else None
    return RecoveryPlan(
        name=plan.name or "",
        id=plan.id,
        friendly_name=props.friendly_name,
        allowed_operations=tuple(props.allowed_operations or ()),
        replication_providers=tuple(props.replication_providers or ()),
        current_scenario=None if scenario_name in (None, "", "None") else scenario_name,
        current_scenario_status=props.current_scenario_status,
        item_ids=tuple(
            item.id
            for group in props.groups or ()
            for item in group.replication_protected_items or ()
            if item.id
        ),
    )


def with_recovery_plans(
    items: Iterable[ProtectedItem], plans: Iterable[RecoveryPlan]
) -> tuple[ProtectedItem, ...]:
    """Items with `recovery_plan` set from the plans that list them (ARM ids compare case-insensitively)."""
    plan_of: dict[str, str] = {}
    for plan in plans:
        for item_id in plan.item_ids:
            plan_of.setdefault(item_id.lower(), plan.name)
    return tuple(
        dataclasses.replace(item, recovery_plan=plan_of[item.id.lower()])
        if item.id and item.id.lower() in plan_of
        else item
        for item in items
    )
