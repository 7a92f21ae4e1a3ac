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
from failback_operator.workflow.stages import item_stage

__all__ = [
    "CallOutcome",
    "Decision",
    "Event",
    "Observation",
    "PlanRequest",
    "ReleaseDiskSlots",
    "ReserveDiskSlots",
    "StartOperation",
    "WorkflowSettings",
    "decide",
    "item_stage",
    "record_outcome",
]
