"""The FailbackPlan status as the workflow reads and writes it, shaped like the CRD's status schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from failback_operator.api.conditions import Condition
from failback_operator.workflow.stages import ItemStage
from failback_operator.workflow.vocabulary import Operation, Phase, Progression

__all__ = [
    "AgentRefusals",
    "DiskFact",
    "Intent",
    "ItemError",
    "ItemStatus",
    "JobRef",
    "PlanStatus",
]


class _StatusModel(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


class Intent(_StatusModel):
    """A mutating call the operator decided to make, written before the call (intent, call, record)."""

    operation: Operation
    attempt: int = Field(ge=1)
    time: str  # RFC 3339, when the intent was written
    # The recovery plan the call goes through, for a replication group; None for a single item.
    recovery_plan: str | None = Field(default=None, alias="recoveryPlan")
    # The Site Recovery job id, once the call answered (or once the job was found after a restart).
    job_name: str | None = Field(default=None, alias="jobName")
    # The run token the intent belongs to: a new run never inherits an old run's unresolved intent.
    run: str | None = None


class JobRef(_StatusModel):
    """The Site Recovery job currently working on an item."""

    name: str
    operation: str
    state: str
    start_time: str | None = Field(default=None, alias="startTime")
    end_time: str | None = Field(default=None, alias="endTime")


class ItemError(_StatusModel):
    """The last error of an item, with the rule it belongs to and what to do about it."""

    rule_id: str | None = Field(default=None, alias="ruleId")
    code: str | None = None
    message: str
    remedy: str | None = None
    time: str


class AgentRefusals(_StatusModel):
    """FB028: reprotect refused because the agent has not re-registered yet; retried with backoff."""

    count: int = Field(ge=1)
    first_at: str = Field(alias="firstAt")
    next_attempt_at: str = Field(alias="nextAttemptAt")


class DiskFact(_StatusModel):
    """A disk read before reprotect: Site Recovery clears the list afterwards."""

    id: str
    name: str | None = None
    capacity_bytes: int | None = Field(default=None, alias="capacityBytes")


class ItemStatus(_StatusModel):
    """One protected item of the plan: facts kept from before reprotect plus its live progress."""

    name: str
    group: str
    protected_item_id: str | None = Field(default=None, alias="protectedItemId")
    instance_type: str | None = Field(default=None, alias="instanceType")
    os_type: str | None = Field(default=None, alias="osType")
    os_version: str | None = Field(default=None, alias="osVersion")
    disk_count: int | None = Field(default=None, alias="diskCount")
    disks: tuple[DiskFact, ...] = ()
    stage: ItemStage | None = None
    protection_state: str | None = Field(default=None, alias="protectionState")
    replication_health: str | None = Field(default=None, alias="replicationHealth")
    allowed_operations: tuple[str, ...] = Field(default=(), alias="allowedOperations")
    intent: Intent | None = None
    current_job: JobRef | None = Field(default=None, alias="currentJob")
    last_error: ItemError | None = Field(default=None, alias="lastError")
    agent_refusals: AgentRefusals | None = Field(default=None, alias="agentRefusals")
    # FB042: the failover job shut the Azure VM down (True), skipped it (False), or not known yet.
    shutdown_confirmed: bool | None = Field(default=None, alias="shutdownConfirmed")
    # Committed and protected to Azure again: the round trip is over for this item.
    completed_round_trip: bool = Field(default=False, alias="completedRoundTrip")


class PlanStatus(_StatusModel):
    """The whole `status` of a FailbackPlan; always written as one value by one writer."""

    observed_generation: int | None = Field(default=None, alias="observedGeneration")
    observed_run: str | None = Field(default=None, alias="observedRun")
    phase: Phase = Phase.PENDING
    progression: Progression | None = None
    message: str | None = None
    items_ready: str | None = Field(default=None, alias="itemsReady")
    disk_slots_reserved: int | None = Field(default=None, alias="diskSlotsReserved")
    # Written by other parts of the operator; kept as they are when the workflow writes status.
    resolved: dict[str, Any] | None = None
    approval: dict[str, Any] | None = None
    items: tuple[ItemStatus, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def item(self, name: str) -> ItemStatus | None:
        return next((i for i in self.items if i.name == name), None)

    @classmethod
    def from_dict(cls, status: dict[str, Any] | None) -> PlanStatus:
        return cls.model_validate(status or {})
