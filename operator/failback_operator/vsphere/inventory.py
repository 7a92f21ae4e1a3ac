"""One inventory index per vCenter per short period, shared by every read of that vCenter.

The answers that are the same for every plan of a master target are shared too: its details for
that period, its hosts' licences and the run-as account's privileges on its entities (settings a
person changes, each read as large as the role's privileges) for a longer one, `settled_seconds`.

Every look reads the inventory index (each VM's name, UUIDs, host, folder and power state; each
host's name) to find its master target and VMs; with many plans on one vCenter that index was
read once per look, each read as large as the vCenter. Here it is read once per vCenter per
`ttl_seconds` and shared, and a change stamp counts the reads that found it changed, so that a
look can tell whether vCenter moved since its last decision without reading it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession
from failback_operator.vsphere.reader import InventoryIndex, read_inventory_index

__all__ = ["SETTLED_KINDS", "SharedInventory", "inventory_fingerprint"]

# Shared answers that change only when a person changes a setting: kept for `settled_seconds`.
SETTLED_KINDS = frozenset({"licences", "privileges"})


def _moref(value: object) -> str | None:
    return None if value is None else str(getattr(value, "_moId", value))


def inventory_fingerprint(index: InventoryIndex) -> frozenset[Hashable]:
    """What the index says, as comparable plain values (managed object references by id)."""
    vms = (
        (
            vm.moref,
            vm.get("name"),
            vm.get("config.uuid"),
            vm.get("config.instanceUuid"),
            _moref(vm.get("runtime.host")),
            _moref(vm.get("parent")),
            str(vm.get("runtime.powerState")),
        )
        for vm in index.vms.values()
    )
    hosts = ((host.moref, host.get("name")) for host in index.hosts.values())
    return frozenset((*vms, *hosts))


def _settled(key: Hashable) -> bool:
    return isinstance(key, tuple) and bool(key) and key[0] in SETTLED_KINDS


@dataclass
class _Kept:
    index: InventoryIndex
    fingerprint: frozenset[Hashable]
    read_at: float
    changes: int


class SharedInventory:
    """The inventory index of each vCenter, read at most once per `ttl_seconds` (thread-safe)."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        settled_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        reader: Callable[[VCenterSession], InventoryIndex] = read_inventory_index,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.settled_seconds = ttl_seconds if settled_seconds is None else max(settled_seconds, ttl_seconds)
        self._monotonic = monotonic
        self._read = reader
        self._kept: dict[VCenterEndpoint, _Kept] = {}
        self._lock = threading.Lock()
        # One read at a time per vCenter's index and per shared answer.
        self._reading: dict[Hashable, threading.Lock] = {}
        self._answers: dict[tuple[VCenterEndpoint, Hashable], tuple[float, Any]] = {}
        self.reads = 0

    def index(self, endpoint: VCenterEndpoint, session: VCenterSession) -> InventoryIndex:
        """The vCenter's index: the kept one while fresh, else read through `session` (one read at a time)."""
        with self._lock:
            reading = self._reading.setdefault(endpoint, threading.Lock())
        with reading:  # a burst of looks waits for one read instead of sending many
            with self._lock:
                kept = self._kept.get(endpoint)
            if kept is not None and self._monotonic() - kept.read_at < self.ttl_seconds:
                return kept.index
            index = self._read(session)
            self.reads += 1
            fingerprint = inventory_fingerprint(index)
            changes = 0 if kept is None else kept.changes + (fingerprint != kept.fingerprint)
            with self._lock:
                self._kept[endpoint] = _Kept(
                    index=index, fingerprint=fingerprint, read_at=self._monotonic(), changes=changes
                )
            return index

    def _ttl(self, key: Hashable) -> float:
        return self.settled_seconds if _settled(key) else self.ttl_seconds

    def remembered(self, endpoint: VCenterEndpoint, key: Hashable, read: Callable[[], Any]) -> Any:
        """An answer of the vCenter shared for `ttl_seconds` (the same for every plan of a master target).

        A key whose first element is one of SETTLED_KINDS is shared for `settled_seconds`. Looks that
        ask while it is being read wait for that read instead of sending their own.
        """
        with self._lock:
            reading = self._reading.setdefault((endpoint, key), threading.Lock())
        with reading:
            now = self._monotonic()
            with self._lock:
                known = self._answers.get((endpoint, key))
                if known is not None and now - known[0] < self._ttl(key):
                    return known[1]
                # Forget stale answers as they are replaced, so that the table stays as small as the estate.
                stale_keys = [k for k, (at, _) in self._answers.items() if now - at >= self._ttl(k[1])]
                for stale in stale_keys:
                    del self._answers[stale]
                    if stale != (endpoint, key):
                        self._reading.pop(stale, None)
            answer = read()
            with self._lock:
                self._answers[(endpoint, key)] = (self._monotonic(), answer)
            return answer

    def expire_settled(self, endpoint: VCenterEndpoint) -> None:
        """Read the vCenter's licences and privileges afresh at their next use (a plan blocked by them)."""
        with self._lock:
            for known in [k for k in self._answers if k[0] == endpoint and _settled(k[1])]:
                del self._answers[known]

    def stamp(self, endpoint: VCenterEndpoint) -> int | None:
        """How many reads found the vCenter's index changed; None before its first read."""
        with self._lock:
            kept = self._kept.get(endpoint)
        return None if kept is None else kept.changes
