"""Events on a real API server: a cluster-scoped object's events are accepted and described."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from failback_operator.storage.kube import KubeStore
from failback_operator.testenv.controlplane import ControlPlane

pytestmark = pytest.mark.controlplane


@pytest.fixture(scope="module")
def store(crds: ControlPlane, repo_root: Path) -> Iterator[KubeStore]:
    for name in ("00-namespaces.yaml", "30-mastertarget-windows.yaml"):
        crds.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(repo_root / "examples" / name))
    api_client = crds.api_client()
    yield KubeStore(api_client, operator_namespace="failback-system")
    api_client.close()


async def test_a_master_target_warning_is_posted_once_and_described(
    store: KubeStore, crds: ControlPlane
) -> None:
    master_target = await store.get("mastertargets", "v2a-ps-200")
    for _ in range(3):
        await store.post_event(
            master_target,
            type="Warning",
            reason="EventsOnceTest",
            message="FB006 master target has 1 snapshot",
        )
    listed = crds.kubectl(
        "get", "events", "-A", "--field-selector", "reason=EventsOnceTest", "-o", "yaml"
    ).stdout
    assert len(yaml.safe_load(listed)["items"]) == 1
    described = crds.kubectl("describe", "mastertarget", "v2a-ps-200").stdout
    assert "EventsOnceTest" in described


def test_the_api_server_refuses_a_cluster_scoped_objects_event_outside_default(crds: ControlPlane) -> None:
    """Why such events are not in the operator's namespace: Kubernetes does not accept them there."""
    core = client.CoreV1Api(crds.api_client())
    event = client.CoreV1Event(
        metadata=client.V1ObjectMeta(generate_name="v2a-ps-200.", namespace="failback-system"),
        involved_object=client.V1ObjectReference(
            api_version="failback.io/v1alpha1", kind="MasterTarget", name="v2a-ps-200"
        ),
        reason="Probe",
        message="probe",
        type="Normal",
    )
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_event("failback-system", event)
    assert refused.value.status == 422
