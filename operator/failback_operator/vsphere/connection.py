"""A verified, logged-in pyvmomi session to one vCenter, opened and closed in one place.

TLS is verified against a CA bundle, or against a pinned certificate thumbprint (SHA-256 or
SHA-1, as vCenter shows them); verification is off only when `insecure` is asked for explicitly.
The password is taken as an argument (the shell reads it from a Secret) and kept out of every
repr, log line and error message.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from pyVmomi import SoapAdapter, VmomiSupport, vim

from failback_operator.vsphere.errors import VCenterConnectionError, translate_faults

__all__ = [
    "VCenterEndpoint",
    "VCenterSession",
    "close_session",
    "negotiate_api_version",
    "normalise_thumbprint",
    "open_session",
    "tls_context",
    "vcenter_session",
]

_CONNECT_TIMEOUT_SECONDS = 30
# pyvmomi's types are generated at run time; Any keeps mypy strict about our code, not theirs.
_soap_stub_adapter: Any = SoapAdapter.SoapStubAdapter
_service_versions: Any = VmomiSupport.GetServiceVersions
_version_ids: dict[str, str] = VmomiSupport.versionIdMap
_service_instance: Any = vim.ServiceInstance
_SDK_PATH = "/sdk"


def normalise_thumbprint(thumbprint: str) -> str:
    """Lower-case hex without separators, from `AA:BB:..` or `aabb..`; only SHA-1 and SHA-256 lengths."""
    digits = thumbprint.replace(":", "").replace(" ", "").strip().lower()
    if len(digits) not in (40, 64) or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError("a certificate thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits")
    return digits


@dataclass(frozen=True, kw_only=True)
class VCenterEndpoint:
    """Where a vCenter is and how to trust and log in to it; the password never shows in a repr."""

    host: str
    port: int = 443
    user: str = field(repr=False)
    password: str = field(repr=False)
    ca_file: str | None = None
    ca_data: str | None = field(default=None, repr=False)
    thumbprint: str | None = None
    insecure: bool = False
    timeout_seconds: int = _CONNECT_TIMEOUT_SECONDS

    @property
    def address(self) -> str:
        """`host:port`, how the vCenter is named in messages."""
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class VCenterSession:
    """A logged-in ServiceInstance and its content; objects read through it share one SOAP stub."""

    endpoint: VCenterEndpoint
    service_instance: Any = field(repr=False)  # vim.ServiceInstance
    content: Any = field(repr=False)  # vim.ServiceInstanceContent

    @property
    def address(self) -> str:
        """`host:port` of the vCenter this session talks to."""
        return self.endpoint.address


def _peer_certificate(endpoint: VCenterEndpoint) -> bytes:
    """The DER certificate the server presents, read without trusting it (for pinning only)."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((endpoint.host, endpoint.port), timeout=endpoint.timeout_seconds) as raw,
        probe.wrap_socket(raw, server_hostname=endpoint.host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise VCenterConnectionError(f"vCenter {endpoint.address} presented no certificate")
    return der


def _pinned_context(endpoint: VCenterEndpoint, thumbprint: str) -> ssl.SSLContext:
    """A context that trusts exactly the certificate whose SHA-1/SHA-256 digest is the pinned one."""
    expected = normalise_thumbprint(thumbprint)
    der = _peer_certificate(endpoint)
    algorithm = hashlib.sha1 if len(expected) == 40 else hashlib.sha256
    actual = algorithm(der).hexdigest()
    if not hmac.compare_digest(actual, expected):
        raise VCenterConnectionError(
            f"vCenter {endpoint.address}: the certificate thumbprint does not match the pinned one"
        )
    # Trusting the presented certificate itself (partial chain) keeps every later connection of
    # the session pinned to it: a different certificate fails the handshake.
    context = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(der))
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.check_hostname = False
    return context


def tls_context(endpoint: VCenterEndpoint) -> ssl.SSLContext:
    """The TLS context the endpoint's trust settings ask for; verification is on unless insecure."""
    if endpoint.thumbprint:
        return _pinned_context(endpoint, endpoint.thumbprint)
    if endpoint.ca_file or endpoint.ca_data:
        return ssl.create_default_context(cafile=endpoint.ca_file, cadata=endpoint.ca_data)
    if endpoint.insecure:
        return ssl._create_unverified_context()
    # The system trust store: a vCenter with a publicly trusted certificate needs nothing else.
    return ssl.create_default_context()


def _server_api_versions(endpoint: VCenterEndpoint, context: ssl.SSLContext) -> set[str]:
    """The vim25 API versions the server lists in `vimServiceVersions.xml` (read with a timeout)."""
    connection = http.client.HTTPSConnection(
        endpoint.host, endpoint.port, context=context, timeout=endpoint.timeout_seconds
    )
    try:
        connection.request("GET", f"{_SDK_PATH}/vimServiceVersions.xml")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise VCenterConnectionError(
            f"{endpoint.address} is not a vSphere API endpoint (HTTP {response.status} for its versions)"
        )
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise VCenterConnectionError(f"{endpoint.address} sent an unreadable API version list") from None
    versions: set[str] = set()
    for namespace in root.iter("namespace"):
        if namespace.findtext("name") == "urn:vim25":
            versions.add(namespace.findtext("version") or "")
            versions.update(v.text or "" for v in namespace.iterfind("priorVersions/version"))
    return versions


def negotiate_api_version(server_versions: set[str]) -> str:
    """The newest vim25 version pyvmomi knows that the server also lists."""
    for version in _service_versions("vim25"):
        if _version_ids.get(version) in server_versions:
            return str(version)
    raise VCenterConnectionError(
        f"no vSphere API version in common (server offers {sorted(server_versions)})"
    )


def open_session(endpoint: VCenterEndpoint) -> VCenterSession:
    """Negotiate the newest API version both sides speak, log in, and return the session."""
    with translate_faults(endpoint.address, "log in"):
        # An explicit context matters: pyvmomi would otherwise skip verification for 127.0.0.1.
        context = tls_context(endpoint)
        # pyvmomi's own version discovery has no timeout; this one does.
        version = negotiate_api_version(_server_api_versions(endpoint, context))
        stub = _soap_stub_adapter(
            host=endpoint.host,
            port=endpoint.port,
            path=_SDK_PATH,
            version=version,
            sslContext=context,
            connectionPoolTimeout=-1,
            httpConnectionTimeout=endpoint.timeout_seconds,
        )
        service_instance = _service_instance("ServiceInstance", stub)
        content: Any = service_instance.RetrieveContent()
        content.sessionManager.Login(endpoint.user, endpoint.password, None)
    return VCenterSession(endpoint=endpoint, service_instance=service_instance, content=content)


def close_session(session: VCenterSession) -> None:
    """Log out; a session that is already gone is not an error worth raising."""
    # Logout is best effort: an expired or broken session ends on the server's side anyway.
    with contextlib.suppress(Exception):
        session.content.sessionManager.Logout()
    session.service_instance._stub.DropConnections()


@contextmanager
def vcenter_session(endpoint: VCenterEndpoint) -> Iterator[VCenterSession]:
    """A session for the duration of a `with` block, logged out afterwards even on error."""
    session = open_session(endpoint)
    try:
        yield session
    finally:
        close_session(session)
