"""The live simulation: state, request log, throttle and token issuer, swapped together on a reload."""

from __future__ import annotations

import threading
from typing import Any

from failback_operator.sim.asr.clock import SimClock
from failback_operator.sim.asr.engine import settle
from failback_operator.sim.asr.identity import TokenIssuer
from failback_operator.sim.asr.requestlog import RequestLog
from failback_operator.sim.asr.scenario import Faults, ItemStage, RetentionVolume, Scenario
from failback_operator.sim.asr.state import RetentionVolumeState, SimState
from failback_operator.sim.asr.throttling import Throttle

__all__ = ["SUPPORTED_API_VERSIONS", "SimRuntime"]

SUPPORTED_API_VERSIONS = frozenset({"2025-08-01"})


class SimRuntime:
    """Owns everything a request handler or a control call touches."""

    def __init__(self, scenario: Scenario, clock: SimClock | None = None) -> None:
        self.clock = clock or SimClock(time_scale=scenario.time_scale)
        self.log = RequestLog()
        self.throttle = Throttle()
        self.issuer = TokenIssuer(scenario.identity)
        self.state = SimState.from_scenario(scenario, self.clock)
        self.lock = threading.RLock()
        self.api_versions = SUPPORTED_API_VERSIONS

    @property
    def scenario(self) -> Scenario:
        """The scenario currently loaded."""
        return self.state.scenario

    def load(self, scenario: Scenario) -> None:
        """Replace the whole state with a fresh one from `scenario` (the clock keeps running)."""
        with self.lock:
            self.state = SimState.from_scenario(scenario, self.clock)
            self.issuer.identity = scenario.identity
            self.throttle.reset()

    def set_faults(self, **changes: Any) -> Faults:
        """Switch faults at run time; unknown or invalid fields raise pydantic's ValidationError."""
        with self.state.lock:
            merged = self.state.faults.model_dump() | changes
            faults = Faults.model_validate(merged)
            self.state.faults = faults
            self.state.job_failures_left = {
                index: rule.times for index, rule in enumerate(faults.job_failures)
            }
            self.throttle.reset()
            return faults

    def advance(self, minutes: float) -> None:
        """Move simulated time forward and let jobs and resyncs catch up."""
        self.clock.advance(minutes * 60)
        settle(self.state)

    def set_heartbeat_stopped(self, stopped: bool) -> None:
        """Stop (or restart) the configuration server's heartbeat."""
        with self.state.lock:
            self.state.heartbeat_stopped = stopped
            self.state.heartbeat_stopped_at = self.clock.now() if stopped else None

    def disable_protection(self, item_name: str) -> None:
        """Someone disabled protection behind the operator's back: the item disappears."""
        with self.state.lock:
            self._item(item_name).protection_disabled = True

    def delete_azure_vm(self, item_name: str) -> None:
        """Someone deleted the failed-over VM in Azure: the item turns critical and refuses operations."""
        with self.state.lock:
            self._item(item_name).azure_vm_deleted = True

    def boot_azure_vm(self, item_name: str) -> None:
        """The Azure VM (re)boots now: its agent needs the agent window again before reprotect (FB028)."""
        with self.state.lock:
            self._item(item_name).booted_at = self.clock.now()

    def set_stage(self, item_name: str, stage: ItemStage) -> None:
        """Seed an item at another stage (no job)."""
        with self.state.lock:
            item = self._item(item_name)
            item.stage = stage
            item.current_job_id = None
            item.resync_started = self.clock.now() if "syncing" in stage.value else None
            item.resync_slot_at = None
            item.resync_minutes = None

    def add_retention_volume(self, master_target: str, volume: RetentionVolume) -> RetentionVolumeState:
        """A disk added to a master target now: listed once Site Recovery discovers it (FB022).

        Raises KeyError for an unknown master target, ValueError for a volume name it already has.
        """
        with self.state.lock:
            volumes = self.state.retention_volumes.get(master_target.lower())
            if volumes is None:
                raise KeyError(master_target)
            if any(known.spec.name.lower() == volume.name.lower() for known in volumes):
                raise ValueError(
                    f"master target '{master_target}' already has retention volume '{volume.name}'"
                )
            added = RetentionVolumeState(volume, self.clock.now(), listed=False)
            volumes.append(added)
            return added

    def _item(self, item_name: str) -> Any:
        item = self.state.items.get(item_name.lower())
        if item is None:
            raise KeyError(item_name)
        return item

    def summary(self) -> dict[str, Any]:
        """Time, items and jobs at a glance, for the control API."""
        settle(self.state)
        with self.state.lock:
            return {
                "simulatedTime": self.clock.now().isoformat(),
                "timeScale": self.clock.time_scale,
                "architecture": self.state.architecture.value,
                "heartbeatStopped": self.state.heartbeat_stopped,
                "items": {
                    item.name: {
                        "stage": item.stage.value,
                        "currentJob": item.current_job_id,
                        "protectionDisabled": item.protection_disabled,
                        "azureVmDeleted": item.azure_vm_deleted,
                        "agentReadyAt": self.state.agent_registered_at(item).isoformat(),
                    }
                    for item in self.state.items.values()
                },
                "jobs": [
                    {
                        "id": job.id,
                        "scenarioName": job.scenario_name,
                        "items": job.item_names,
                        "settled": job.settled,
                    }
                    for job in self.state.jobs.values()
                ],
                "faults": self.state.faults.model_dump(mode="json"),
                "retentionVolumes": {
                    master_target.name: [
                        {
                            "name": volume.spec.name,
                            "listed": volume.listed,
                            "addedAt": volume.added_at.isoformat() if volume.added_at else None,
                        }
                        for volume in self.state.retention_volumes.get(master_target.name.lower(), [])
                    ]
                    for master_target in self.state.scenario.master_targets
                },
            }
