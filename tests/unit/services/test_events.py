"""Events: where they are posted, and a warning said again only once it changed."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from failback_operator.storage.kube import KubeStore


class RecordingCore:
    """Stands in for CoreV1Api.create_namespaced_event and keeps what was posted."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, Any]] = []

    def create_namespaced_event(self, namespace: str, event: Any, **options: Any) -> _Answer:
        assert options == {"_preload_content": False}  # the created Event is not parsed
        self.posted.append((namespace, event))
        return _Answer()


class _Answer:
    """The unparsed answer: read and handed back to the connection pool."""

    def read(self) -> bytes:
        return b"{}"

    def release_conn(self) -> None:
        pass


def _store() -> tuple[KubeStore, RecordingCore]:
    store = KubeStore(client.ApiClient(client.Configuration()), operator_namespace="failback-system")
    core = RecordingCore()
    store._core = core  # type: ignore[assignment]
    return store, core


MASTER_TARGET = {
    "apiVersion": "failback.io/v1alpha1",
    "kind": "MasterTarget",
    "metadata": {"name": "v2a-ps-200", "uid": "u-1", "resourceVersion": "7"},
}
PLAN = {
    "apiVersion": "failback.io/v1alpha1",
    "kind": "FailbackPlan",
    "metadata": {"name": "windows-apps", "namespace": "team-apps", "uid": "u-2", "resourceVersion": "9"},
}


async def test_events_go_where_the_api_server_accepts_them_for_the_object() -> None:
    """A plan's in its namespace; a cluster-scoped object's in `default`, the one namespace allowed."""
    store, core = _store()
    await store.post_event(MASTER_TARGET, type="Normal", reason="PrerequisitesMet", message="all passed")
    await store.post_event(PLAN, type="Normal", reason="ReprotectStarted", message="job 1")
    assert [namespace for namespace, _ in core.posted] == ["default", "team-apps"]
    assert core.posted[0][1]["involvedObject"]["namespace"] is None


async def test_a_warning_repeats_only_when_it_changes() -> None:
    store, core = _store()
    for _ in range(5):
        await store.post_event(
            MASTER_TARGET, type="Warning", reason="PrerequisitesBlocked", message="FB006 x"
        )
    await store.post_event(MASTER_TARGET, type="Warning", reason="PrerequisitesBlocked", message="FB006 y")
    await store.post_event(PLAN, type="Warning", reason="PrerequisitesBlocked", message="FB006 y")
    assert [e["message"] for _, e in core.posted] == ["FB006 x", "FB006 y", "FB006 y"]


async def test_a_normal_event_in_between_lets_the_warning_be_said_again() -> None:
    store, core = _store()
    await store.post_event(MASTER_TARGET, type="Warning", reason="Blocked", message="FB006 x")
    await store.post_event(MASTER_TARGET, type="Normal", reason="PrerequisitesMet", message="all passed")
    await store.post_event(MASTER_TARGET, type="Warning", reason="Blocked", message="FB006 x")
    assert [e["reason"] for _, e in core.posted] == ["Blocked", "PrerequisitesMet", "Blocked"]
