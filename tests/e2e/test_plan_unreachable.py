"""A plan whose vault cannot be reached says so in seconds: Ready Unknown with the part, and one Event."""

from __future__ import annotations

import json
import socket
import time

import pytest

from .world import World

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]


def _refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_vault_shows_ready_unknown_with_the_address_and_one_event(world: World) -> None:
    world.create_plan(action="Reprotect")
    address = f"https://127.0.0.1:{_refused_port()}"
    patch = {"spec": {"cloud": {"resourceManager": address, "authority": address}}}
    world.cluster.kubectl("patch", "recoveryvault", "pwstestvault", "--type=merge", "-p", json.dumps(patch))
    try:
        with world.operator() as operator:
            started = time.monotonic()
            ready: dict[str, str] = {}
            while time.monotonic() - started < 30:
                status = world.get_plan().get("status") or {}
                ready = next((c for c in status.get("conditions", ()) if c["type"] == "Ready"), {})
                if ready.get("status") == "Unknown":
                    break
                time.sleep(0.3)
            assert ready.get("status") == "Unknown", (status, operator.log_tail(40))
            assert time.monotonic() - started < 30
            assert ready["reason"] == "Unreachable"
            assert address in ready["message"], ready
            plan = world.get_plan()
            assert plan["status"]["observedGeneration"] == plan["metadata"]["generation"]
            time.sleep(3)  # several more looks
            unreachable = [e for e in world.events() if e["reason"] == "Unreachable"]
            assert len(unreachable) == 1, unreachable
            assert unreachable[0].get("count", 1) == 1
            logged = "".join(log.read_text(errors="replace") for log in world.logs)
            assert "Traceback" not in logged
    finally:
        # The vault is shared by the module's tests: point it back at the simulator.
        address = world.simulator.base_url
        patch = {"spec": {"cloud": {"resourceManager": address, "authority": address}}}
        world.cluster.kubectl(
            "patch", "recoveryvault", "pwstestvault", "--type=merge", "-p", json.dumps(patch)
        )
