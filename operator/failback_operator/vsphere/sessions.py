"""vCenter sessions kept between looks: one login per vCenter and account, renewed when vCenter drops it.

Logging in, negotiating the API version and logging out cost more than the two property-collector
reads a look makes; a kept session makes a look cost just those reads. A session vCenter has
expired (NotAuthenticated) or whose connection broke is opened again once, inside the same read.
A session unused for longer than vCenter keeps idle sessions is logged out and forgotten.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession, close_session, open_session
from failback_operator.vsphere.errors import VCenterAuthError, VCenterConnectionError

__all__ = ["VCenterSessions"]

T = TypeVar("T")

# vCenter ends a session idle for 30 minutes by default; forget ours before that.
_IDLE_SECONDS = 20 * 60


@dataclass
class _Kept:
    session: VCenterSession
    used_at: float


class VCenterSessions:
    """Kept sessions, shared by readers in worker threads (pyvmomi pools a session's connections)."""

    def __init__(
        self,
        *,
        idle_seconds: float = _IDLE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        opener: Callable[[VCenterEndpoint], VCenterSession] = open_session,
        closer: Callable[[VCenterSession], None] = close_session,
    ) -> None:
        self._idle_seconds = idle_seconds
        self._monotonic = monotonic
        self._open = opener
        self._close = closer
        self._kept: dict[VCenterEndpoint, _Kept] = {}
        self._lock = threading.Lock()
        self._opening: dict[VCenterEndpoint, threading.Lock] = {}
        self.logins = 0

    def run(self, endpoint: VCenterEndpoint, use: Callable[[VCenterSession], T]) -> T:
        """`use` a logged-in session to `endpoint`, logging in again once if vCenter dropped the kept one."""
        session = self._session(endpoint)
        try:
            return use(session)
        except (VCenterAuthError, VCenterConnectionError):
            if not self._forget(endpoint, session):
                raise  # not a kept session (a login that just failed): nothing to renew
            return use(self._session(endpoint))

    def _session(self, endpoint: VCenterEndpoint) -> VCenterSession:
        self._close_idle()
        with self._lock:
            opening = self._opening.setdefault(endpoint, threading.Lock())
        with opening:  # one login per vCenter at a time, however many looks want it
            with self._lock:
                kept = self._kept.get(endpoint)
                if kept is not None:
                    kept.used_at = self._monotonic()
                    return kept.session
            session = self._open(endpoint)
            self.logins += 1
            with self._lock:
                self._kept[endpoint] = _Kept(session=session, used_at=self._monotonic())
            return session

    def _forget(self, endpoint: VCenterEndpoint, session: VCenterSession) -> bool:
        with self._lock:
            kept = self._kept.get(endpoint)
            if kept is None or kept.session is not session:
                return kept is not None  # another read renewed it already: use the new one
            del self._kept[endpoint]
        self._close(session)
        return True

    def _close_idle(self) -> None:
        now = self._monotonic()
        with self._lock:
            idle = [e for e, kept in self._kept.items() if now - kept.used_at > self._idle_seconds]
            sessions = [self._kept.pop(e).session for e in idle]
        for session in sessions:
            self._close(session)

    def close(self) -> None:
        """Log out of every kept session (at operator shutdown)."""
        with self._lock:
            sessions = [kept.session for kept in self._kept.values()]
            self._kept.clear()
        for session in sessions:
            self._close(session)
