"""The one fix the operator makes in vCenter, when the MasterTarget opts in: `disk.EnableUUID=TRUE` (FB024).

ESXi reads the setting when the VM powers on, so a running master target needs a restart
before its guest sees disk UUIDs; the rule keeps checking the setting, not the guest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pyVmomi import vim

from failback_operator.vsphere.collector import PropertyRead, retrieve, start_at
from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.errors import VCenterTaskError, translate_faults

__all__ = ["ENABLE_UUID_KEY", "enable_disk_uuid", "wait_for_task"]

ENABLE_UUID_KEY = "disk.EnableUUID"
_vim: Any = vim


def wait_for_task(
    session: VCenterSession,
    task: Any,
    *,
    timeout_seconds: float,
    poll_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """Poll a task's state with one property read per poll until it ends; raise on error or timeout."""
    deadline = clock() + timeout_seconds
    read = PropertyRead(objects=[start_at(task)], paths={"Task": ("info.state", "info.error", "info.result")})
    while True:
        found = retrieve(session.content.propertyCollector, read)
        values = found[0].values if found else {}
        state = values.get("info.state")
        if state == "success":
            return values.get("info.result")
        if state == "error":
            error = values.get("info.error")
            message = (
                getattr(error, "localizedMessage", None) or type(getattr(error, "fault", error)).__name__
            )
            raise VCenterTaskError(f"vCenter {session.address}: task {task._moId} failed: {message}")
        if clock() >= deadline:
            raise VCenterTaskError(
                f"vCenter {session.address}: task {task._moId} still {state} after {timeout_seconds:.0f}s"
            )
        sleep(poll_seconds)


def enable_disk_uuid(
    session: VCenterSession,
    master_target_moref: str,
    *,
    timeout_seconds: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Add or set `disk.EnableUUID=TRUE` on the master target VM and wait for the reconfiguration (FB024)."""
    vm = _vim.VirtualMachine(master_target_moref, session.service_instance._stub)
    spec = _vim.vm.ConfigSpec(extraConfig=[_vim.option.OptionValue(key=ENABLE_UUID_KEY, value="TRUE")])
    with translate_faults(session.address, f"set {ENABLE_UUID_KEY} on the master target"):
        task = vm.ReconfigVM_Task(spec=spec)
        wait_for_task(session, task, timeout_seconds=timeout_seconds, sleep=sleep)
