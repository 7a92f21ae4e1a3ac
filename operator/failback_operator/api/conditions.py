"""metav1.Condition handling: one condition per type, transition time moving only on a status change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Condition",
    "ConditionStatus",
    "find_condition",
    "format_time",
    "is_current",
    "set_condition",
]


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with second precision, as the API server stores metav1.Time."""
    if moment.tzinfo is None:
        raise ValueError("condition times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class Condition(BaseModel):
    """One entry of `status.conditions`, shaped exactly like metav1.Condition."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: str = Field(min_length=1, max_length=316)
    status: ConditionStatus
    reason: str = Field(min_length=1, max_length=1024, pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    message: str = Field(default="", max_length=32768)
    last_transition_time: str = Field(alias="lastTransitionTime")
    observed_generation: int = Field(default=0, ge=0, alias="observedGeneration")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


def find_condition(conditions: Iterable[Condition], condition_type: str) -> Condition | None:
    return next((c for c in conditions if c.type == condition_type), None)


def set_condition(
    conditions: Sequence[Condition | Mapping[str, Any]],
    *,
    type: str,
    status: ConditionStatus | bool,
    reason: str,
    message: str,
    observed_generation: int,
    now: datetime,
) -> list[Condition]:
    """Return the list with `type` set; its transition time changes only when its status changes.

    The whole list is returned so that callers write conditions as one value, never piecemeal.
    """
    if isinstance(status, bool):
        status = ConditionStatus.TRUE if status else ConditionStatus.FALSE
    parsed = [c if isinstance(c, Condition) else Condition.model_validate(c) for c in conditions]
    previous = find_condition(parsed, type)
    transition = (
        previous.last_transition_time
        if previous is not None and previous.status == status
        else format_time(now)
    )
    updated = Condition(
        type=type,
        status=status,
        reason=reason,
        message=message,
        lastTransitionTime=transition,
        observedGeneration=observed_generation,
    )
    if previous is None:
        return [*parsed, updated]
    return [updated if c.type == type else c for c in parsed]


def is_current(condition: Condition | None, generation: int) -> bool:
    """A condition is trusted only when written for the object's current generation."""
    return condition is not None and condition.observed_generation == generation
