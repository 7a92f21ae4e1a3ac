"""Connection edge cases against small local TLS servers: not a vCenter, a server that never answers."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from failback_operator.vsphere.connection import VCenterEndpoint, negotiate_api_version, open_session
from failback_operator.vsphere.errors import VCenterConnectionError


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca, ca_file


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def not_a_vcenter(authority: tuple[trustme.CA, Path]) -> Iterator[int]:
    """An HTTPS server that answers 404 to everything, like a web server on the wrong port."""

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    server.socket = _server_context(authority[0]).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server(authority: tuple[trustme.CA, Path]) -> Iterator[int]:
    """A TLS server that completes the handshake and then never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    context = _server_context(authority[0])
    held: list[ssl.SSLSocket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                held.append(context.wrap_socket(raw, server_side=True))
            except OSError:
                raw.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for connection in held:
        connection.close()
    listener.close()


def test_a_web_server_that_is_not_vcenter_is_a_connection_error(
    authority: tuple[trustme.CA, Path], not_a_vcenter: int
) -> None:
    endpoint = VCenterEndpoint(
        host="127.0.0.1", port=not_a_vcenter, user="u", password="p", ca_file=str(authority[1])
    )
    with pytest.raises(VCenterConnectionError, match="not a vSphere API endpoint \\(HTTP 404"):
        open_session(endpoint)


@pytest.mark.timeout(30)
def test_a_server_that_never_answers_times_out(
    authority: tuple[trustme.CA, Path], silent_server: int
) -> None:
    endpoint = VCenterEndpoint(
        host="127.0.0.1",
        port=silent_server,
        user="u",
        password="p",
        ca_file=str(authority[1]),
        timeout_seconds=1,
    )
    with pytest.raises(VCenterConnectionError, match="unreachable"):
        open_session(endpoint)


def test_negotiation_picks_the_newest_common_version() -> None:
    assert negotiate_api_version({"8.0.3.0", "6.0", "5.5"}) == "vim.version.v8_0_3_0"
    assert negotiate_api_version({"7.0.3.0", "7.0"}) == "vim.version.v7_0_3_0"


def test_negotiation_without_a_common_version_fails() -> None:
    with pytest.raises(VCenterConnectionError, match="no vSphere API version in common"):
        negotiate_api_version({"1.0"})
