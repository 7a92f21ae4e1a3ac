"""Waiting for a vCenter task: bounded by time, and a failed task raises with vCenter's message."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pyVmomi import vim

from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession
from failback_operator.vsphere.errors import VCenterTaskError
from failback_operator.vsphere.remediation import wait_for_task

TASK = vim.Task("task-7")


class Collector:
    """Answers the task's info.* properties from a list of states, one per poll."""

    def __init__(self, states: list[dict[str, Any]]) -> None:
        self.states = states
        self.polls = 0

    def RetrievePropertiesEx(self, specSet: list[Any], options: Any) -> Any:
        values = self.states[min(self.polls, len(self.states) - 1)]
        self.polls += 1
        props = [SimpleNamespace(name=name, val=val) for name, val in values.items()]
        return SimpleNamespace(objects=[SimpleNamespace(obj=TASK, propSet=props, missingSet=[])], token=None)


def session_with(collector: Collector) -> VCenterSession:
    endpoint = VCenterEndpoint(host="vc.example", user="op", password="pw")
    return VCenterSession(
        endpoint=endpoint, service_instance=None, content=SimpleNamespace(propertyCollector=collector)
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_success_after_polls_returns_the_result() -> None:
    collector = Collector(
        [{"info.state": "queued"}, {"info.state": "running"}, {"info.state": "success", "info.result": 42}]
    )
    clock = Clock()

    result = wait_for_task(session_with(collector), TASK, timeout_seconds=10, sleep=clock.sleep, clock=clock)

    assert result == 42
    assert collector.polls == 3
    assert clock.now == 2.0


def test_failed_task_raises_with_vcenters_message() -> None:
    error = vim.LocalizedMethodFault(
        fault=vim.fault.InvalidPowerState(), localizedMessage="The VM is powered on"
    )
    collector = Collector([{"info.state": "error", "info.error": error}])

    with pytest.raises(VCenterTaskError, match="task task-7 failed: The VM is powered on"):
        wait_for_task(session_with(collector), TASK, timeout_seconds=10, sleep=lambda _: None)


def test_task_that_never_ends_times_out() -> None:
    collector = Collector([{"info.state": "running"}])
    clock = Clock()

    with pytest.raises(VCenterTaskError, match="task task-7 still running after 5s"):
        wait_for_task(session_with(collector), TASK, timeout_seconds=5, sleep=clock.sleep, clock=clock)
    assert clock.now == 5.0
