"""Connecting to vcsim: TLS verified by CA or pinned thumbprint, faults mapped, the password never shown."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from failback_operator.testenv.vcsim import VcsimServer
from failback_operator.vsphere.connection import VCenterEndpoint, open_session, vcenter_session
from failback_operator.vsphere.errors import VCenterAuthError, VCenterConnectionError

pytestmark = pytest.mark.vcsim


@pytest.mark.parametrize("trust", ["ca_file", "ca_data", "sha256", "sha1", "sha256-bare"])
def test_verified_connection(vcsim: VcsimServer, endpoint: VCenterEndpoint, trust: str) -> None:
    settings = {
        "ca_file": {"ca_file": str(vcsim.ca_file)},
        # A CA bundle straight from a Secret's `ca.crt`, never written to disk.
        "ca_data": {"ca_file": None, "ca_data": vcsim.ca_file.read_text()},
        "sha256": {"ca_file": None, "thumbprint": vcsim.thumbprint_sha256},
        "sha1": {"ca_file": None, "thumbprint": vcsim.thumbprint_sha1},
        "sha256-bare": {"ca_file": None, "thumbprint": vcsim.thumbprint_sha256.replace(":", "").lower()},
    }[trust]

    with vcenter_session(dataclasses.replace(endpoint, **settings)) as session:
        assert session.content.about.apiVersion == "8.0.3.0"
        assert session.content.sessionManager.currentSession is not None


def test_unknown_certificate_is_refused_even_on_localhost(endpoint: VCenterEndpoint) -> None:
    # pyvmomi skips verification for 127.0.0.1 unless given a context; the adapter always gives one.
    with pytest.raises(VCenterConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        open_session(dataclasses.replace(endpoint, ca_file=None))


def test_wrong_thumbprint_is_refused(endpoint: VCenterEndpoint) -> None:
    with pytest.raises(VCenterConnectionError, match="thumbprint does not match"):
        open_session(dataclasses.replace(endpoint, ca_file=None, thumbprint="AB" * 32))


def test_insecure_only_when_asked(endpoint: VCenterEndpoint) -> None:
    with vcenter_session(dataclasses.replace(endpoint, ca_file=None, insecure=True)) as session:
        assert session.content.about.apiType == "VirtualCenter"


def test_wrong_password_is_an_auth_error_that_names_no_secret(
    vcsim: VcsimServer, endpoint: VCenterEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = dataclasses.replace(endpoint, password="hunter2-not-it")
    caplog.set_level(logging.DEBUG)

    with pytest.raises(VCenterAuthError) as raised:
        open_session(wrong)

    assert raised.value.retryable is False
    text = f"{raised.value} {raised.value!r} {raised.value.__cause__!r} {raised.value.__context__!r}"
    for secret in ("hunter2-not-it", vcsim.password, vcsim.user):
        assert secret not in text
        assert secret not in caplog.text
        assert secret not in repr(wrong)


def test_closed_port_is_a_retryable_connection_error(endpoint: VCenterEndpoint) -> None:
    with pytest.raises(VCenterConnectionError, match="unreachable") as raised:
        open_session(dataclasses.replace(endpoint, port=1, ca_file=None, insecure=True))
    assert raised.value.retryable is True


def test_session_is_logged_out_after_use(vcsim: VcsimServer, endpoint: VCenterEndpoint) -> None:
    with vcenter_session(endpoint) as session:
        manager = session.content.sessionManager
        key = manager.currentSession.key
    with vcenter_session(endpoint) as watcher:
        keys = {s.key for s in watcher.content.sessionManager.sessionList}
        assert watcher.content.sessionManager.currentSession.key in keys
    assert key not in keys
