"""A vCenter session is kept between looks and opened again only when vCenter dropped it."""

from __future__ import annotations

from typing import Any

import pytest

from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession
from failback_operator.vsphere.errors import VCenterAuthError
from failback_operator.vsphere.sessions import VCenterSessions

ENDPOINT = VCenterEndpoint(host="vcenter.example", user="reader", password="s3cret")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeVCenter:
    """Logs sessions in and out, as vCenter would, without a network."""

    def __init__(self) -> None:
        self.logins = 0
        self.logouts = 0
        self.expired: set[int] = set()

    def open(self, endpoint: VCenterEndpoint) -> VCenterSession:
        self.logins += 1
        return VCenterSession(endpoint=endpoint, service_instance=self.logins, content=None)

    def close(self, session: VCenterSession) -> None:
        self.logouts += 1

    def read(self, session: VCenterSession) -> int:
        number: int = session.service_instance
        if number in self.expired:
            raise VCenterAuthError("vCenter vcenter.example:443 refused to read: NotAuthenticated")
        return number


def _sessions(vcenter: FakeVCenter, clock: Clock | None = None) -> VCenterSessions:
    return VCenterSessions(
        opener=vcenter.open, closer=vcenter.close, monotonic=clock or Clock(), idle_seconds=600
    )


def test_looks_share_one_login() -> None:
    vcenter = FakeVCenter()
    sessions = _sessions(vcenter)
    assert [sessions.run(ENDPOINT, vcenter.read) for _ in range(5)] == [1] * 5
    assert (vcenter.logins, vcenter.logouts) == (1, 0)


def test_a_session_vcenter_dropped_is_opened_again_within_the_read() -> None:
    vcenter = FakeVCenter()
    sessions = _sessions(vcenter)
    sessions.run(ENDPOINT, vcenter.read)
    vcenter.expired.add(1)
    assert sessions.run(ENDPOINT, vcenter.read) == 2
    assert (vcenter.logins, vcenter.logouts) == (2, 1)


def test_a_refusal_of_a_fresh_session_is_not_retried_forever() -> None:
    vcenter = FakeVCenter()
    sessions = _sessions(vcenter)

    def refused(session: VCenterSession) -> Any:
        raise VCenterAuthError("NoPermission")

    with pytest.raises(VCenterAuthError):
        sessions.run(ENDPOINT, refused)
    assert vcenter.logins == 2  # the kept one, then one renewal: then the error stands


def test_another_login_gets_a_session_of_its_own_and_idle_ones_are_logged_out() -> None:
    vcenter = FakeVCenter()
    clock = Clock()
    sessions = _sessions(vcenter, clock)
    sessions.run(ENDPOINT, vcenter.read)
    other = VCenterEndpoint(host="vcenter.example", user="reader", password="rotated")
    assert sessions.run(other, vcenter.read) == 2
    clock.now += 601
    sessions.run(other, vcenter.read)  # both idle: both logged out, `other` logged in again
    assert (vcenter.logins, vcenter.logouts) == (3, 2)
    sessions.close()
    assert vcenter.logouts == 3
