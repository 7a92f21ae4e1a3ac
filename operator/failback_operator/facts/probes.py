"""Results of the connectivity probes the operator can run itself (FB013, FB039)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class PortProbe:
    """One TCP connection attempt from the operator to a Site Recovery component."""

    target: str  # what was probed, e.g. "configuration server", "process server V2A-PS-200"
    host: str
    port: int
    reachable: bool
    error: str | None = None
    at: datetime | None = None
