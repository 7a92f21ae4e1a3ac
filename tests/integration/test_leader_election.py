"""Leader election against the real API server: one leader, takeover after the term, hand-over, conflicts."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from failback_operator.election.elector import LeaderElector
from failback_operator.election.leadership import ElectionSettings
from failback_operator.storage.leases import LeaseConflict, LeaseStore
from failback_operator.testenv.controlplane import ControlPlane

pytestmark = pytest.mark.controlplane

# Short terms so that a takeover takes seconds; the same ratios as the defaults (15/10/2).
SETTINGS = dict(lease_duration=3.0, renew_deadline=2.0, retry_period=0.4)


@pytest.fixture
def namespace(control_plane: ControlPlane) -> Iterator[str]:
    name = f"election-{uuid.uuid4().hex[:6]}"
    control_plane.kubectl("create", "namespace", name)
    yield name
    control_plane.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def api_client(control_plane: ControlPlane) -> Iterator[client.ApiClient]:
    api = control_plane.api_client()
    yield api
    api.close()


def _elector(api_client: client.ApiClient, namespace: str, identity: str) -> LeaderElector:
    settings = ElectionSettings(namespace=namespace, **SETTINGS)
    return LeaderElector(LeaseStore(api_client, namespace, settings.lease_name), identity, settings)


def _lease(control_plane: ControlPlane, namespace: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        control_plane.kubectl("get", "lease", "failback-operator", "-n", namespace, "-o", "json").stdout
    )
    return found


async def _first_to_lead(*electors: LeaderElector) -> LeaderElector:
    tasks = {asyncio.create_task(e.acquire()): e for e in electors}
    done, pending = await asyncio.wait(tasks, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    assert len(done) == 1, "two electors acquired the lease in the same round"
    return tasks[done.pop()]


async def test_of_two_electors_only_one_leads(
    control_plane: ControlPlane, api_client: Any, namespace: str
) -> None:
    a, b = _elector(api_client, namespace, "replica-a_1"), _elector(api_client, namespace, "replica-b_2")
    leader = await _first_to_lead(a, b)
    other = b if leader is a else a
    holding = asyncio.create_task(leader.hold())
    try:
        # For two terms the other one tries every retry period and never wins.
        deadline = time.monotonic() + 2 * SETTINGS["lease_duration"]
        while time.monotonic() < deadline:
            assert not await other.try_acquire_or_renew()
            assert leader.leading
            await asyncio.sleep(SETTINGS["retry_period"])
        assert not holding.done()
    finally:
        holding.cancel()
    lease = _lease(control_plane, namespace)["spec"]
    assert lease["holderIdentity"] == leader.identity
    assert lease["leaseDurationSeconds"] == 3
    assert lease["leaseTransitions"] == 0
    assert lease["renewTime"].endswith("Z")
    renewed = datetime.fromisoformat(lease["renewTime"])
    assert (datetime.now(UTC) - renewed).total_seconds() < 5  # renewed all along


async def test_a_leader_that_stops_renewing_is_replaced_after_the_lease_duration(
    control_plane: ControlPlane, api_client: Any, namespace: str
) -> None:
    leader, successor = (
        _elector(api_client, namespace, "replica-a_1"),
        _elector(api_client, namespace, "replica-b_2"),
    )
    await leader.acquire()
    # The leader stops renewing (as a process killed with SIGKILL would) right after this renewal.
    assert await leader.try_acquire_or_renew()
    stopped = time.monotonic()
    await asyncio.wait_for(successor.acquire(), timeout=20)
    waited = time.monotonic() - stopped
    assert waited >= SETTINGS["lease_duration"] - 0.1, waited
    assert waited < SETTINGS["lease_duration"] + 3 * SETTINGS["retry_period"] + 1, waited
    lease = _lease(control_plane, namespace)["spec"]
    assert (lease["holderIdentity"], lease["leaseTransitions"]) == ("replica-b_2", 1)
    # The old leader's next renewal finds the lease taken and its hold ends at once.
    await asyncio.wait_for(leader.hold(), timeout=SETTINGS["renew_deadline"] + 2)
    assert not leader.leading


async def test_a_clean_release_hands_over_at_once(
    control_plane: ControlPlane, api_client: Any, namespace: str
) -> None:
    leader, successor = (
        _elector(api_client, namespace, "replica-a_1"),
        _elector(api_client, namespace, "replica-b_2"),
    )
    await leader.acquire()
    assert not await successor.try_acquire_or_renew()
    assert await leader.release()
    released = _lease(control_plane, namespace)["spec"]
    assert "holderIdentity" not in released
    assert released["leaseDurationSeconds"] == 1
    started = time.monotonic()
    assert await successor.try_acquire_or_renew()  # no term to wait out
    assert time.monotonic() - started < 1
    lease = _lease(control_plane, namespace)["spec"]
    assert (lease["holderIdentity"], lease["leaseTransitions"]) == ("replica-b_2", 1)


async def test_a_conflicting_update_loses(
    control_plane: ControlPlane, api_client: Any, namespace: str
) -> None:
    """Two writes from the same read: the API server takes the first and refuses the second."""
    store = LeaseStore(api_client, namespace, "failback-operator")
    leader = LeaderElector(store, "replica-a_1", ElectionSettings(namespace=namespace, **SETTINGS))
    await leader.acquire()
    read = await store.read()
    assert read is not None
    first = await store.write(dataclasses.replace(read, holder="replica-b_2"))
    assert first.holder == "replica-b_2"
    with pytest.raises(LeaseConflict):
        await store.write(dataclasses.replace(read, holder="replica-c_3"))
    assert _lease(control_plane, namespace)["spec"]["holderIdentity"] == "replica-b_2"
    # The elector's own renewal from a stale read fails the same way and does not count as leading.
    assert not await leader.try_acquire_or_renew()
    await asyncio.wait_for(leader.hold(), timeout=SETTINGS["renew_deadline"] + 2)
    assert not leader.leading


async def test_two_creates_of_a_missing_lease_make_one_leader(api_client: Any, namespace: str) -> None:
    a, b = _elector(api_client, namespace, "replica-a_1"), _elector(api_client, namespace, "replica-b_2")
    results = await asyncio.gather(a.try_acquire_or_renew(), b.try_acquire_or_renew())
    assert sorted(results) == [False, True]


async def test_a_missing_namespace_is_reported_and_never_taken_for_a_lost_race(
    api_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    elector = _elector(api_client, f"missing-{uuid.uuid4().hex[:6]}", "replica-a_1")
    with pytest.raises(ApiException) as refused:
        await elector.try_acquire_or_renew()
    assert refused.value.status == 404
    with caplog.at_level("WARNING"), pytest.raises(TimeoutError):
        await asyncio.wait_for(elector.acquire(), timeout=1.5)
    assert any(
        "could not be read or written" in r.getMessage() and r.getMessage().endswith(" 404")
        for r in caplog.records
    )
    assert not elector.leading
