"""Every FailbackApproval the operator watches, by plan, kept from its watch events.

A plan's look reads its approvals from here instead of listing its namespace's approvals each
time. As the plan index does, it is filled by a list at the first need (so that a look right after
a start does not miss an approval the watch has not streamed yet), kept by the watch events Kopf
already receives, and listed again every few minutes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

__all__ = ["ApprovalIndex"]

_Key = tuple[str, str]


def _slim(approval: Mapping[str, Any]) -> tuple[_Key, str, Mapping[str, Any]]:
    """(namespace, name), the plan it names, and what a look reads of it (its name and spec)."""
    meta = approval.get("metadata") or {}
    spec = approval.get("spec") or {}
    key = (meta.get("namespace", ""), meta.get("name", ""))
    plan = (spec.get("planRef") or {}).get("name", "")
    return key, plan, {"metadata": {"name": key[1], "namespace": key[0]}, "spec": spec}


class ApprovalIndex:
    """Approvals by their plan, listed now and then and kept current by watch events in between."""

    def __init__(
        self,
        list_approvals: Callable[[], Awaitable[Iterable[Mapping[str, Any]]]],
        *,
        relist_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._list = list_approvals
        self._relist_seconds = relist_seconds
        self._monotonic = monotonic
        # (namespace, approval) -> (plan, slim object)
        self._approvals: dict[_Key, tuple[str, Mapping[str, Any]]] = {}
        # (namespace, plan) -> approval names, so that a look finds its approvals without a scan.
        self._by_plan: dict[_Key, set[str]] = {}
        self._events = 0
        self._event_of: dict[_Key, int] = {}
        self._listed_at: float | None = None
        self._lock = asyncio.Lock()
        self.lists = 0

    async def prime(self) -> None:
        """List the approvals at the first need and every `relist_seconds`; events keep them in between."""
        async with self._lock:
            if self._listed_at is not None and self._monotonic() - self._listed_at < self._relist_seconds:
                return
            before = self._events
            listed = {key: (plan, slim) for key, plan, slim in map(_slim, await self._list())}
            self.lists += 1
            # An event newer than the list's start knows better than the list.
            newer = {key for key, number in self._event_of.items() if number > before}
            for key in set(self._approvals) - set(listed) - newer:
                self._drop(key)
            for key, (plan, slim) in listed.items():
                if key not in newer:
                    self._put(key, plan, slim)
            self._listed_at = self._monotonic()

    def seen(self, approval: Mapping[str, Any]) -> None:
        """A watch event with the approval as it is now."""
        key, plan, slim = _slim(approval)
        self._put(key, plan, slim)
        self._mark(key)

    def deleted(self, namespace: str, name: str) -> None:
        """The approval is gone."""
        self._drop((namespace, name))
        self._mark((namespace, name))

    async def for_plan(self, namespace: str, plan: str) -> list[Mapping[str, Any]]:
        """The approvals naming `plan` in its namespace, as slim objects (name and spec)."""
        await self.prime()
        names = sorted(self._by_plan.get((namespace, plan), ()))
        return [self._approvals[(namespace, name)][1] for name in names]

    def _mark(self, key: _Key) -> None:
        self._events += 1
        self._event_of[key] = self._events

    def _put(self, key: _Key, plan: str, slim: Mapping[str, Any]) -> None:
        self._drop(key)  # the approval may have named another plan before
        self._approvals[key] = (plan, slim)
        self._by_plan.setdefault((key[0], plan), set()).add(key[1])

    def _drop(self, key: _Key) -> None:
        known = self._approvals.pop(key, None)
        if known is None:
            return
        names = self._by_plan.get((key[0], known[0]))
        if names is not None:
            names.discard(key[1])
            if not names:
                del self._by_plan[(key[0], known[0])]
