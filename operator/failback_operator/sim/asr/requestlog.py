"""The request log: every ARM call with its operation and item, so tests can prove no POST was repeated."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RequestLog", "RequestRecord"]


@dataclass
class RequestRecord:
    """One request as the simulator saw it."""

    sequence: int
    simulated_time: str
    method: str
    path: str
    operation: str
    item: str | None
    status: int = 0
    job_id: str | None = None
    fault: str | None = None
    # When the request arrived, by the wall clock (the simulated clock runs faster).
    received_at: float = field(default_factory=time.time)
    # The query string: a list's later pages carry `$skiptoken` (reads per list, for benchmarks).
    query: str = ""


class RequestLog:
    """Thread-safe append-only log with counts per operation and item."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> RequestRecord:
        """Append a record (its status is filled in when the answer is known)."""
        with self._lock:
            record.sequence = len(self._records) + 1
            self._records.append(record)
        return record

    def records(self) -> list[dict[str, Any]]:
        """All records as plain dicts, oldest first."""
        with self._lock:
            return [asdict(record) for record in self._records]

    def clear(self) -> None:
        """Start counting afresh."""
        with self._lock:
            self._records.clear()

    def counts(self) -> dict[str, int]:
        """`"Operation item"` (or just the operation) -> number of requests."""
        with self._lock:
            counter = Counter(
                f"{record.operation} {record.item}" if record.item else record.operation
                for record in self._records
            )
        return dict(sorted(counter.items()))

    def count(self, operation: str, item: str | None = None) -> int:
        """How many requests of `operation` (on `item`, compared case-insensitively) were received."""
        with self._lock:
            return sum(
                1
                for record in self._records
                if record.operation.lower() == operation.lower()
                and (item is None or (record.item or "").lower() == item.lower())
            )
