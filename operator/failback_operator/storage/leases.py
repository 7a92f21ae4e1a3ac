"""The operator's Lease (coordination.k8s.io/v1) read and written with optimistic concurrency.

Calls run on a thread of their own, not the loop's default executor, so that a leader can keep
its lease renewed while it waits for the handlers' calls in that executor to finish.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from failback_operator.errors import FailbackOperatorError

__all__ = ["LeaseConflict", "LeaseRecord", "LeaseStore", "format_micro_time", "parse_micro_time"]


@dataclass(frozen=True)
class LeaseRecord:
    """What a Lease's spec says, and the resourceVersion it was read at (None: not yet created)."""

    holder: str | None
    lease_duration_seconds: int
    acquire_time: datetime | None = None
    renew_time: datetime | None = None
    transitions: int = 0
    resource_version: str | None = None

    def same_term(self, other: LeaseRecord) -> bool:
        """Whether nothing but the resourceVersion differs, i.e. the holder has not renewed since."""
        return replace(self, resource_version=None) == replace(other, resource_version=None)


class LeaseConflict(FailbackOperatorError):
    """Another replica wrote the Lease first (or created it, or it is gone): nothing was written."""


def format_micro_time(moment: datetime) -> str:
    """A Kubernetes MicroTime: RFC 3339 in UTC with exactly six fractional digits."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_micro_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _record(lease: dict[str, Any]) -> LeaseRecord:
    spec = lease.get("spec") or {}
    return LeaseRecord(
        holder=spec.get("holderIdentity") or None,
        lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
        acquire_time=parse_micro_time(spec.get("acquireTime")),
        renew_time=parse_micro_time(spec.get("renewTime")),
        transitions=int(spec.get("leaseTransitions") or 0),
        resource_version=lease["metadata"]["resourceVersion"],
    )


class LeaseStore:
    """One named Lease in the operator's namespace; every write carries the resourceVersion it read."""

    def __init__(
        self, api_client: client.ApiClient, namespace: str, name: str, request_timeout: float = 10.0
    ) -> None:
        self._coordination = client.CoordinationV1Api(api_client)
        self.namespace = namespace
        self.name = name
        self._timeout = request_timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lease")

    def _body(self, record: LeaseRecord) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "leaseDurationSeconds": record.lease_duration_seconds,
            "leaseTransitions": record.transitions,
        }
        if record.holder:
            spec["holderIdentity"] = record.holder
        if record.acquire_time:
            spec["acquireTime"] = format_micro_time(record.acquire_time)
        if record.renew_time:
            spec["renewTime"] = format_micro_time(record.renew_time)
        metadata: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace,
            "labels": {"app.kubernetes.io/name": "failback-operator"},
        }
        if record.resource_version:
            metadata["resourceVersion"] = record.resource_version
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec}

    async def _call(self, method: Any, *args: Any) -> dict[str, Any]:
        # Raw JSON both ways: the generated models mangle MicroTime fields.
        def call() -> dict[str, Any]:
            response = method(*args, _preload_content=False, _request_timeout=self._timeout)
            decoded: dict[str, Any] = json.loads(response.data)
            return decoded

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def read(self) -> LeaseRecord | None:
        """The Lease as it is now, or None when it does not exist yet."""
        try:
            lease = await self._call(self._coordination.read_namespaced_lease, self.name, self.namespace)
        except ApiException as error:
            if error.status == 404:
                return None
            raise
        return _record(lease)

    async def write(self, record: LeaseRecord) -> LeaseRecord:
        """Create the Lease (record without resourceVersion) or replace it at the version it was read at."""
        body = self._body(record)
        try:
            if record.resource_version is None:
                lease = await self._call(self._coordination.create_namespaced_lease, self.namespace, body)
            else:
                lease = await self._call(
                    self._coordination.replace_namespaced_lease, self.name, self.namespace, body
                )
        except ApiException as error:
            # On create only 409 (AlreadyExists) is a race; a 404 there means the namespace is missing.
            if error.status == 409 or (error.status == 404 and record.resource_version is not None):
                message = f"Lease {self.namespace}/{self.name} changed since it was read"
                raise LeaseConflict(message) from error
            raise
        return _record(lease)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
