"""The FailbackPlan state machine: pure functions of (request, status, facts, now)."""

from failback_operator.workflow.actions import (
    CallOutcome,
    Decision,
    Event,
    ReleaseDiskSlots,
    ReserveDiskSlots,
    StartOperation,
)
from failback_operator.workflow.inputs import Observation, PlanRequest, WorkflowSettings
from failback_operator.workflow.machine import decide, record_outcome
from failback_operator.workflow.stages import ItemStage, item_stage
from failback_operator.workflow.status import ItemStatus, PlanStatus
from failback_operator.workflow.vocabulary import ConditionType, Operation, Phase, Progression, Reason

__all__ = [
    "CallOutcome",
    "ConditionType",
    "Decision",
    "Event",
    "ItemStage",
    "ItemStatus",
    "Observation",
    "Operation",
    "Phase",
    "PlanRequest",
    "PlanStatus",
    "Progression",
    "Reason",
    "ReleaseDiskSlots",
    "ReserveDiskSlots",
    "StartOperation",
    "WorkflowSettings",
    "decide",
    "item_stage",
    "record_outcome",
]
