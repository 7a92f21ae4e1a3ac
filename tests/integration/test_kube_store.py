"""Status writes guarded by resourceVersion, events, secrets and disk-slot reservations, for real."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from failback_operator.storage.kube import GROUP, VERSION, KubeStore, NotFoundError, StatusConflict
from failback_operator.storage.reservations import DiskSlotLedger, NotEnoughDiskSlots
from failback_operator.testenv.controlplane import ControlPlane

pytestmark = pytest.mark.controlplane


@pytest.fixture(scope="module")
def store(crds: ControlPlane, repo_root: Path) -> Iterator[KubeStore]:
    for name in (
        "00-namespaces.yaml",
        "10-secrets.yaml",
        "30-mastertarget-windows.yaml",
        "40-failbackplan-windows.yaml",
    ):
        crds.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(repo_root / "examples" / name))
    api_client = crds.api_client()
    yield KubeStore(api_client, operator_namespace="failback-system")
    api_client.close()


def _example(repo_root: Path, name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((repo_root / "examples" / name).read_text())
    return document


async def test_status_write_is_refused_for_a_stale_read(store: KubeStore) -> None:
    plan = await store.get("failbackplans", "windows-apps", "team-apps")
    written = await store.replace_status(plan, {"phase": "Preflight", "progression": "CheckingPrerequisites"})
    assert written["status"]["phase"] == "Preflight"
    assert written["metadata"]["resourceVersion"] != plan["metadata"]["resourceVersion"]
    with pytest.raises(StatusConflict, match="windows-apps changed since it was read"):
        await store.replace_status(plan, {"phase": "Paused"})
    again = await store.get("failbackplans", "windows-apps", "team-apps")
    assert again["status"]["phase"] == "Preflight"
    assert again["spec"] == plan["spec"]  # the status subresource never touches spec


async def test_status_write_does_not_change_the_generation(store: KubeStore) -> None:
    plan = await store.get("failbackplans", "windows-apps", "team-apps")
    written = await store.replace_status(
        plan, {"phase": "Syncing", "observedGeneration": plan["metadata"]["generation"]}
    )
    assert written["metadata"]["generation"] == plan["metadata"]["generation"]


async def test_events_are_posted_on_the_plan(store: KubeStore, crds: ControlPlane) -> None:
    plan = await store.get("failbackplans", "windows-apps", "team-apps")
    await store.post_event(
        plan, type="Warning", reason="PrerequisitesBlocked", message="FB006 master target has 1 snapshot"
    )
    described = crds.kubectl(
        "get",
        "events",
        "-n",
        "team-apps",
        "--field-selector",
        "involvedObject.name=windows-apps",
        "-o",
        "yaml",
    )
    events = yaml.safe_load(described.stdout)["items"]
    assert any(e["reason"] == "PrerequisitesBlocked" and "FB006" in e["message"] for e in events)


async def test_secret_values_are_decoded_from_the_operator_namespace(store: KubeStore) -> None:
    data = await store.secret_data("pwstestvault-service-principal")
    assert data["clientId"] == "11111111-1111-1111-1111-111111111111"
    with pytest.raises(NotFoundError, match="failback-system/missing"):
        await store.secret_data("missing")


async def test_disk_slots_are_reserved_and_released_by_compare_and_swap(
    store: KubeStore, crds: ControlPlane, repo_root: Path
) -> None:
    ledger = DiskSlotLedger(store, clock=lambda: datetime(2026, 11, 28, 22, 0, tzinfo=UTC))
    master_target = "ledger-test-mt"
    own = _example(repo_root, "30-mastertarget-windows.yaml")
    own["metadata"] = {"name": master_target}
    crds.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(own))
    await asyncio.gather(
        *(
            ledger.reserve(master_target, "team-apps", f"plan-{n}", "run-1", [(f"vm-{n}", 7)])
            for n in range(4)
        )
    )
    obj = await store.get("mastertargets", master_target)
    slots = obj["status"]["diskSlots"]
    assert slots["reserved"] == 28, "a concurrent reservation was lost"
    assert slots["free"] == 60 - 28
    assert sorted(r["name"] for r in slots["reservations"]) == ["plan-0", "plan-1", "plan-2", "plan-3"]
    assert DiskSlotLedger.holds(obj, "team-apps", "plan-2")
    with pytest.raises(NotEnoughDiskSlots, match="FB027"):
        await ledger.reserve(master_target, "team-apps", "plan-big", "run-1", [("vm-x", 40)])
    for n in range(4):
        await ledger.release(master_target, "team-apps", f"plan-{n}")
    obj = await store.get("mastertargets", master_target)
    assert obj["status"]["diskSlots"]["reserved"] == 0
    assert not DiskSlotLedger.holds(obj, "team-apps", "plan-2")


async def test_a_kind_is_listed_page_by_page_and_every_object_comes_once(
    store: KubeStore, crds: ControlPlane, repo_root: Path
) -> None:
    plan = _example(repo_root, "40-failbackplan-windows.yaml")
    namespace = plan["metadata"]["namespace"]
    api = client.CustomObjectsApi(crds.api_client())
    names = [f"paged-{number}" for number in range(5)]
    try:
        for name in names:
            body = {**plan, "metadata": {**plan["metadata"], "name": name}}
            await asyncio.to_thread(
                api.create_namespaced_custom_object, GROUP, VERSION, namespace, "failbackplans", body
            )
        whole = {
            (p["metadata"]["namespace"], p["metadata"]["name"]) for p in await store.list("failbackplans")
        }
        pages = [page async for page in store.list_pages("failbackplans", page_size=2)]
        assert len(whole) >= 6
        assert len(pages) == -(-len(whole) // 2)
        assert all(len(page) <= 2 for page in pages)
        paged = [(p["metadata"]["namespace"], p["metadata"]["name"]) for page in pages for p in page]
        assert sorted(paged) == sorted(whole)
    finally:
        for name in names:
            await asyncio.to_thread(
                api.delete_namespaced_custom_object, GROUP, VERSION, namespace, "failbackplans", name
            )
