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
from failback_operator.workflow.machine import (
    decide,
    decide_following_call,
    decide_look_failed,
    decide_missing_reference,
    record_outcome,
)
from failback_operator.workflow.ownership import claims_on
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
    "claims_on",
    "decide",
    "decide_following_call",
    "decide_look_failed",
    "decide_missing_reference",
    "item_stage",
    "record_outcome",
]
