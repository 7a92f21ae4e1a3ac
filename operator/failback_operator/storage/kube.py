"""The operator's own Kubernetes access: reads, status writes guarded by resourceVersion, events, secrets.

Kopf watches and dispatches; writes that must not be lost or doubled go through here, so that a
status write carries a resourceVersion precondition (intent, call, record).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pydantic_core
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from failback_operator.errors import FailbackOperatorError

__all__ = ["GROUP", "VERSION", "KubeStore", "NotFoundError", "StatusConflict", "load_api_client"]

GROUP = "failback.io"
VERSION = "v1alpha1"
# Where the API server accepts the events of cluster-scoped objects (RecoveryVault, VCenter, MasterTarget).
CLUSTER_SCOPED_EVENTS_NAMESPACE = "default"


class StatusConflict(FailbackOperatorError):
    """The object changed since it was read: the write was refused and nothing was written."""


class NotFoundError(FailbackOperatorError):
    """The object does not exist (any more)."""


def load_api_client(connections: int = 32) -> client.ApiClient:
    """In-cluster credentials in a pod, the kubeconfig (KUBECONFIG) elsewhere.

    `connections`: the connections kept open to the API server, one per thread that may call at
    once; beyond the pool, each call would open a connection (a TLS handshake) and drop it.
    """
    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)
    except config.ConfigException:
        config.load_kube_config(client_configuration=configuration)
    configuration.connection_pool_maxsize = connections
    return client.ApiClient(configuration)


class KubeStore:
    """Blocking kubernetes-client calls, run in threads so that the operator's loop never blocks."""

    def __init__(self, api_client: client.ApiClient, operator_namespace: str) -> None:
        self._custom = client.CustomObjectsApi(api_client)
        self._core = client.CoreV1Api(api_client)
        self.operator_namespace = operator_namespace
        # The last warning posted per object and reason: the same warning again is not posted again.
        self._last_warnings: dict[tuple[str, str, str, str], str] = {}

    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        def call() -> Any:
            if namespace is None:
                return _json(self._custom.get_cluster_custom_object, GROUP, VERSION, plural, name)
            return _json(self._custom.get_namespaced_custom_object, GROUP, VERSION, namespace, plural, name)

        try:
            found: dict[str, Any] = await asyncio.to_thread(call)
        except ApiException as error:
            if error.status == 404:
                raise NotFoundError(
                    f"{plural} {namespace + '/' if namespace else ''}{name} not found"
                ) from error
            raise
        return found

    async def list(self, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        def call() -> Any:
            if namespace is None:
                return _json(self._custom.list_cluster_custom_object, GROUP, VERSION, plural)
            return _json(self._custom.list_namespaced_custom_object, GROUP, VERSION, namespace, plural)

        listed = await asyncio.to_thread(call)
        items: list[dict[str, Any]] = listed.get("items", [])
        return items

    async def list_pages(self, plural: str, page_size: int = 100) -> AsyncIterator[Sequence[dict[str, Any]]]:
        """Every object of the kind, cluster-wide, one page of `page_size` at a time.

        A caller that keeps a part of each object holds one page of whole objects at once, not all
        of them: a thousand plans with their statuses listed in one answer were tens of megabytes.
        """
        token: str | None = None
        while True:
            options: dict[str, Any] = {"limit": page_size, **({"_continue": token} if token else {})}
            listed = await asyncio.to_thread(
                _json, self._custom.list_cluster_custom_object, GROUP, VERSION, plural, **options
            )
            yield listed.get("items", [])
            token = (listed.get("metadata") or {}).get("continue")
            if not token:
                return

    async def replace_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        """Write the whole status if the object is still at the resourceVersion it was read at."""
        metadata = obj["metadata"]
        plural = _plural(obj["kind"])
        body = {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "metadata": {
                "name": metadata["name"],
                "resourceVersion": metadata["resourceVersion"],
                **({"namespace": metadata["namespace"]} if metadata.get("namespace") else {}),
            },
            "spec": obj.get("spec", {}),
            "status": dict(status),
        }

        def call() -> Any:
            if metadata.get("namespace"):
                return _json(
                    self._custom.replace_namespaced_custom_object_status,
                    GROUP,
                    VERSION,
                    metadata["namespace"],
                    plural,
                    metadata["name"],
                    body,
                )
            return _json(
                self._custom.replace_cluster_custom_object_status,
                GROUP,
                VERSION,
                plural,
                metadata["name"],
                body,
            )

        try:
            written: dict[str, Any] = await asyncio.to_thread(call)
        except ApiException as error:
            if error.status == 409:
                raise StatusConflict(f"{obj['kind']} {metadata['name']} changed since it was read") from error
            if error.status == 404:
                raise NotFoundError(f"{obj['kind']} {metadata['name']} is gone") from error
            raise
        return written

    async def secret_data(self, name: str, namespace: str | None = None) -> dict[str, str]:
        """A Secret's values, decoded; only ever handed to the adapters, never logged."""
        namespace = namespace or self.operator_namespace
        try:
            secret = await asyncio.to_thread(self._core.read_namespaced_secret, name, namespace)
        except ApiException as error:
            if error.status == 404:
                raise NotFoundError(f"Secret {namespace}/{name} not found") from error
            raise
        return {key: base64.b64decode(value).decode() for key, value in (secret.data or {}).items()}

    async def post_event(self, obj: Mapping[str, Any], *, type: str, reason: str, message: str) -> None:
        """An Event on the object, as `kubectl describe` shows it.

        A cluster-scoped object's events can only live in `default`: the API server refuses any other
        namespace for an event whose involved object has none (422), and naming the operator's
        namespace as the object's would hide the events from `kubectl describe`. A warning is posted
        again only once its message changed, so a condition that persists across looks does not flood
        the namespace.
        """
        metadata = obj["metadata"]
        namespace = metadata.get("namespace") or CLUSTER_SCOPED_EVENTS_NAMESPACE
        key = (obj["kind"], metadata.get("namespace") or "", metadata["name"], reason)
        if type == "Warning" and self._last_warnings.get(key) == message:
            return
        now = datetime.now(UTC).isoformat()
        # A plain body, and the created Event read but not parsed into the client's models: an
        # Event is posted per step of every plan, and nothing reads the answer.
        event: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": f"{metadata['name']}.", "namespace": namespace},
            "involvedObject": {
                "apiVersion": obj["apiVersion"],
                "kind": obj["kind"],
                "name": metadata["name"],
                "namespace": metadata.get("namespace"),
                "uid": metadata.get("uid"),
                "resourceVersion": metadata.get("resourceVersion"),
            },
            "type": type,
            "reason": reason,
            "message": message[:1024],
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "source": {"component": "failback-operator"},
            "reportingComponent": "failback.io/failback-operator",
            "reportingInstance": "failback-operator",
        }

        def create() -> None:
            # The client sends a plain mapping as it is (its models are only typed as the body).
            body = cast(client.CoreV1Event, event)
            answer: Any = self._core.create_namespaced_event(namespace, body, _preload_content=False)
            answer.read()
            answer.release_conn()

        await asyncio.to_thread(create)
        if type == "Warning":
            self._last_warnings[key] = message
        else:
            # A normal event in between (e.g. the problem cleared) lets the same warning be said again.
            self._last_warnings = {k: v for k, v in self._last_warnings.items() if k[:3] != key[:3]}


def _json(method: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """A custom-object call's answer parsed by pydantic-core's JSON parser, in the calling thread.

    The client's own parsing (the standard library's, after decoding to text) was the largest part
    of the operator's CPU in its blocking threads at a thousand plans; pydantic-core parses the bytes
    in about half the time. Refusals are the client's ApiException as before.
    """
    answer = method(*args, _preload_content=False, **options)
    try:
        return pydantic_core.from_json(answer.read())
    finally:
        answer.release_conn()


def _plural(kind: str) -> str:
    return {
        "RecoveryVault": "recoveryvaults",
        "VCenter": "vcenters",
        "MasterTarget": "mastertargets",
        "FailbackPlan": "failbackplans",
        "FailbackApproval": "failbackapprovals",
    }[kind]
