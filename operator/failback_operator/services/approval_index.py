"""Every FailbackApproval the operator watches, by plan, kept from its watch events.

A plan's look reads its approvals from here instead of listing its namespace's approvals each
time. As the plan index does, it is filled by a list at the first need (so that a look right after
a start does not miss an approval the watch has not streamed yet), kept by the watch events Kopf
already receives, and listed again every few minutes.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from failback_operator.services.watched_index import Key, WatchedIndex

__all__ = ["ApprovalIndex"]


def _slim(approval: Mapping[str, Any]) -> tuple[Key, str, Mapping[str, Any]]:
    """(namespace, name), the plan it names, and what a look reads of it (its name and spec)."""
    meta = approval.get("metadata") or {}
    spec = approval.get("spec") or {}
    key = (meta.get("namespace", ""), meta.get("name", ""))
    plan = (spec.get("planRef") or {}).get("name", "")
    return key, plan, {"metadata": {"name": key[1], "namespace": key[0]}, "spec": spec}


class ApprovalIndex(WatchedIndex[tuple[str, Mapping[str, Any]]]):
    """Approvals by their plan, listed now and then and kept current by watch events in between."""

    def __init__(
        self,
        list_approvals: Callable[[], Awaitable[Iterable[Mapping[str, Any]]]],
        *,
        relist_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(list_approvals, relist_seconds=relist_seconds, monotonic=monotonic)
        # (namespace, plan) -> approval names, so that a look finds its approvals without a scan.
        self._by_plan: dict[Key, set[str]] = {}

    def _slim(self, obj: Mapping[str, Any]) -> tuple[Key, tuple[str, Mapping[str, Any]]]:
        key, plan, slim = _slim(obj)
        return key, (plan, slim)

    def seen(self, approval: Mapping[str, Any]) -> None:
        """A watch event with the approval as it is now."""
        self._seen(approval)

    async def for_plan(self, namespace: str, plan: str) -> list[Mapping[str, Any]]:
        """The approvals naming `plan` in its namespace, as slim objects (name and spec)."""
        await self.prime()
        names = sorted(self._by_plan.get((namespace, plan), ()))
        return [self._entries[(namespace, name)][1] for name in names]

    def _put(self, key: Key, entry: tuple[str, Mapping[str, Any]]) -> None:
        self._drop(key)  # the approval may have named another plan before
        super()._put(key, entry)
        self._by_plan.setdefault((key[0], entry[0]), set()).add(key[1])

    def _drop(self, key: Key) -> None:
        known = self._entries.get(key)
        super()._drop(key)
        if known is None:
            return
        names = self._by_plan.get((key[0], known[0]))
        if names is not None:
            names.discard(key[1])
            if not names:
                del self._by_plan[(key[0], known[0])]
