"""The simulator's state store: the vault's items, jobs and recovery plans, built from a scenario."""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from failback_operator.sim.asr.clock import SimClock
from failback_operator.sim.asr.errors import JobErrorText
from failback_operator.sim.asr.jobs import JobPlan, ServerOperation
from failback_operator.sim.asr.lifecycle import Operation
from failback_operator.sim.asr.scenario import (
    Architecture,
    Faults,
    ItemStage,
    ProtectedItemSpec,
    RetentionVolume,
    Scenario,
)

__all__ = ["ItemState", "JobState", "RecoveryPoint", "RetentionVolumeState", "SimState", "stable_id"]

_NAMESPACE = uuid.UUID("3f1c9f4e-5b0e-4a4e-9d8a-6a7f2f8e1b10")


def stable_id(*parts: str) -> str:
    """A GUID that is the same for the same names in every run (Site Recovery ids look like this)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(part.lower() for part in parts)))


@dataclass
class RecoveryPoint:
    """A recovery point the failover used; group failovers share one (multi-VM sync point)."""

    id: str
    time: datetime
    type: str


@dataclass
class ItemState:
    """One protected item as Site Recovery tracks it."""

    spec: ProtectedItemSpec
    stage: ItemStage
    booted_at: datetime
    current_job_id: str | None = None
    resync_started: datetime | None = None
    # The resync's drawn length, and when a process server slot let it start (concurrency limit).
    resync_minutes: float | None = None
    resync_slot_at: datetime | None = None
    protection_disabled: bool = False
    azure_vm_deleted: bool = False
    last_failover_time: datetime | None = None
    recovery_point: RecoveryPoint | None = None
    # When its last failover failed as recorded: "Failover couldn't be completed" (health error 78037).
    failover_failed_at: datetime | None = None
    reprotect_input: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The ARM name of the item."""
        return self.spec.name

    @property
    def vm_id(self) -> str:
        """The machine's id as Site Recovery reports it (targetObjectId of its jobs)."""
        return stable_id("vm", self.spec.name)


@dataclass
class RetentionVolumeState:
    """A retention volume of a master target and whether Site Recovery lists it yet (FB022)."""

    spec: RetentionVolume
    added_at: datetime | None = None  # None: there from the start
    listed: bool = True


@dataclass
class JobState:
    """A Site Recovery job and what it does to its items when it ends (server jobs have no items)."""

    id: str
    operation: Operation | ServerOperation
    plan: JobPlan
    scenario_name: str
    friendly_name: str
    custom_instance_type: str
    target_object_id: str
    target_object_name: str
    target_instance_type: str  # ProtectionEntity or RecoveryPlan
    item_names: list[str]
    targets: dict[str, ItemStage]  # item name -> stage when the job succeeds
    recovery_plan: str | None = None
    source_site_required: bool = False
    toward_on_premises: bool = True  # the recovery side of the operation is the on-premises site
    recovery_point: RecoveryPoint | None = None
    activity_id: str = ""
    settled: bool = False
    # A recovery-plan job is answered under a tracking id first (the 202's), then under its own id.
    tracking_id: str | None = None
    # A per-machine child job: the recovery-plan job (id) and group whose machine task runs it.
    child_of: str | None = None
    phase: str | None = None
    # Recovery-plan job: (phase, item name) -> id of the child job its machine task runs.
    child_jobs: dict[tuple[str, str], str] = field(default_factory=dict)
    # The machine a failing failover leaves "Failover couldn't be completed" (fault completion_failed).
    completion_failed_item: str | None = None

    @property
    def failure(self) -> JobErrorText | None:
        """The error the job ends with, if it fails."""
        return self.plan.failure


@dataclass
class SimState:
    """Everything the simulator serves, guarded by one lock (the server is one process)."""

    scenario: Scenario
    clock: SimClock
    items: dict[str, ItemState]
    jobs: dict[str, JobState] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    heartbeat_stopped: bool = False
    heartbeat_stopped_at: datetime | None = None
    job_failures_left: dict[int, int] = field(default_factory=dict)
    # Master target name (lowercase) -> its retention volumes, listed or still undiscovered.
    retention_volumes: dict[str, list[RetentionVolumeState]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Draws job and resync lengths (scenario `job_durations.spread`), seeded for repeatable runs.
    rng: random.Random = field(default_factory=random.Random)
    # When each process server resync slot is free again (scenario `process_server_resyncs`).
    resync_slots: list[datetime] = field(default_factory=list)

    @classmethod
    def from_scenario(cls, scenario: Scenario, clock: SimClock) -> SimState:
        """Seed the state at the scenario's starting stages, at the clock's current time."""
        now = clock.now()
        items = {}
        for spec in scenario.items:
            booted_at = now - timedelta(minutes=spec.booted_minutes_ago)
            # Items that start away from their original site got there by a failover when they booted.
            failed_over = spec.stage not in (ItemStage.SYNCING_TO_AZURE, ItemStage.PROTECTED_TO_AZURE)
            items[spec.name.lower()] = ItemState(
                spec=spec,
                stage=spec.stage,
                booted_at=booted_at,
                last_failover_time=booted_at if failed_over else None,
            )
        state = cls(
            scenario=scenario,
            clock=clock,
            items=items,
            faults=scenario.faults,
            rng=random.Random(scenario.job_durations.seed),
        )
        state.heartbeat_stopped = scenario.configuration_server.heartbeat_stopped
        if state.heartbeat_stopped:
            state.heartbeat_stopped_at = now - timedelta(hours=1)
        state.job_failures_left = {
            index: rule.times for index, rule in enumerate(scenario.faults.job_failures)
        }
        for master_target in scenario.master_targets:
            state.retention_volumes[master_target.name.lower()] = [
                RetentionVolumeState(volume)
                if volume.added_minutes_ago is None
                else RetentionVolumeState(
                    volume, now - timedelta(minutes=volume.added_minutes_ago), listed=False
                )
                for volume in master_target.retention_volumes
            ]
        return state

    @property
    def architecture(self) -> Architecture:
        """Classic or modernized, as the scenario says."""
        return self.scenario.architecture

    def draw_minutes(self, minutes: float) -> float:
        """A job's or resync's length: `minutes`, spread as the scenario says."""
        spread = self.scenario.job_durations.spread
        return minutes * self.rng.uniform(1 - spread, 1 + spread) if spread else minutes

    def resync_end(self, item: ItemState) -> datetime | None:
        """When the item's resync ends: from its process server slot, for its drawn length."""
        start = (
            item.resync_slot_at if self.scenario.job_durations.process_server_resyncs else item.resync_started
        )
        if start is None:
            return None
        minutes = item.resync_minutes
        return start + timedelta(
            minutes=self.scenario.job_durations.resync_minutes if minutes is None else minutes
        )

    def agent_registered_at(self, item: ItemState) -> datetime:
        """FB028: when the agent in the item's Azure VM has re-registered since the VM booted.

        Until then reprotect is refused with "agent not installed", and a modernized item reports
        `isAgentRegistrationSuccessfulAfterFailover` false (fault `agent_not_installed_minutes`).
        """
        return item.booted_at + timedelta(minutes=self.faults.agent_not_installed_minutes)

    def item(self, name: str) -> ItemState | None:
        """An item by ARM name, compared case-insensitively; disabled items are gone."""
        found = self.items.get(name.lower())
        if found is None or found.protection_disabled:
            return None
        return found

    def visible_items(self) -> list[ItemState]:
        """Items still protected, in scenario order."""
        return [item for item in self.items.values() if not item.protection_disabled]

    def recovery_plans(self) -> dict[str, list[ItemState]]:
        """Recovery plan name -> its items (names as the scenario writes them)."""
        plans: dict[str, list[ItemState]] = {}
        for item in self.items.values():
            if item.spec.recovery_plan:
                plans.setdefault(item.spec.recovery_plan, []).append(item)
        return plans

    def recovery_plan(self, name: str) -> tuple[str, list[ItemState]] | None:
        """A recovery plan by name (case-insensitive) with its items."""
        for plan_name, members in self.recovery_plans().items():
            if plan_name.lower() == name.lower():
                return plan_name, members
        return None

    def listed_retention_volumes(self, master_target: str) -> list[RetentionVolume]:
        """The retention volumes Site Recovery lists for a master target (discovered ones only, FB022)."""
        return [
            volume.spec for volume in self.retention_volumes.get(master_target.lower(), []) if volume.listed
        ]

    def job(self, job_id: str) -> JobState | None:
        """A job by id or by the tracking id a recovery-plan operation answered with, case-insensitively."""
        found = self.jobs.get(job_id.lower())
        if found is not None:
            return found
        return next(
            (
                job
                for job in self.jobs.values()
                if job.tracking_id and job.tracking_id.lower() == job_id.lower()
            ),
            None,
        )

    def configuration_server_heartbeat(self) -> datetime:
        """The configuration server's last heartbeat: recent, or frozen when the heartbeat stopped."""
        if self.heartbeat_stopped and self.heartbeat_stopped_at is not None:
            return self.heartbeat_stopped_at
        return self.clock.now() - timedelta(seconds=30)
