"""Objects of one kind listed now and then and kept current by watch events in between.

The plan index and the approval index both keep what looks read from Kopf's watch events instead
of listing per look. They share how a list and the events agree: the first need lists (a look
right after a start must not miss an object the watch has not streamed yet), a list is taken
again every `relist_seconds`, and an event newer than a list's start knows better than the list.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["Key", "WatchedIndex"]

Key = tuple[str, str]  # (namespace, name)
V = TypeVar("V")
Objects = Iterable[Mapping[str, Any]]
# A list in one answer, or page by page (each page slimmed before the next is read).
Lister = Callable[[], Awaitable[Objects] | AsyncIterator[Objects]]


class WatchedIndex(Generic[V]):
    """Entries by (namespace, name); a subclass says what it keeps of an object (`_slim`)."""

    def __init__(
        self,
        list_objects: Lister,
        *,
        relist_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._list_objects = list_objects
        self._relist_seconds = relist_seconds
        self._monotonic = monotonic
        self._entries: dict[Key, V] = {}
        # Each object's last watch event, numbered: a list started before it must not undo it.
        self._events = 0
        self._event_of: dict[Key, int] = {}
        self._listed_at: float | None = None
        self._lock = asyncio.Lock()
        self.lists = 0

    def _slim(self, obj: Mapping[str, Any]) -> tuple[Key, V]:
        raise NotImplementedError

    def _put(self, key: Key, entry: V) -> None:
        self._entries[key] = entry

    def _drop(self, key: Key) -> None:
        self._entries.pop(key, None)

    async def prime(self) -> None:
        """List at the first need and every `relist_seconds`; events keep the entries in between."""
        async with self._lock:
            if self._listed_at is not None and self._monotonic() - self._listed_at < self._relist_seconds:
                return
            before = self._events
            listed: dict[Key, V] = {}
            answer = self._list_objects()
            if isinstance(answer, AsyncIterator):
                async for page in answer:
                    listed.update(map(self._slim, page))
            else:
                listed.update(map(self._slim, await answer))
            self.lists += 1
            newer = {key for key, number in self._event_of.items() if number > before}
            for key in set(self._entries) - set(listed) - newer:
                self._drop(key)
            for key, entry in listed.items():
                if key not in newer:
                    self._put(key, entry)
            self._listed_at = self._monotonic()

    def _seen(self, obj: Mapping[str, Any]) -> tuple[V | None, V]:
        """A watch event with the object as it is now: the entry it replaced, and the new one."""
        key, entry = self._slim(obj)
        before = self._entries.get(key)
        self._put(key, entry)
        self._mark(key)
        return before, entry

    def deleted(self, namespace: str, name: str) -> None:
        """The object is gone."""
        self._drop((namespace, name))
        self._mark((namespace, name))

    def _mark(self, key: Key) -> None:
        self._events += 1
        self._event_of[key] = self._events
