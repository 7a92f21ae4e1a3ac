"""Runs govmomi's vCenter simulator (vcsim) on 127.0.0.1 for tests and the demo, with a real TLS identity.

vcsim is built from its Go module by tools/testenv/build-tools.sh. Each run gets its own port
(the kernel picks it and vcsim prints it), a certificate issued by a throw-away CA so clients
verify TLS for real, a login that vcsim enforces, and a clean stop even when the caller fails.
`VcsimServer.restart()` kills the process and starts a new one on the same port with the same
identity; vcsim keeps its inventory in memory only, so the new one starts from its model
(`vcsim_inventory.capture` / `restore` carry the rest across).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import selectors
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from failback_operator.testenv.processes import die_with_parent
from failback_operator.vsphere import VCenterEndpoint

__all__ = ["VCSIM_VERSION", "VcsimServer", "find_vcsim", "run_vcsim"]

VCSIM_VERSION = "v0.46.3"
# pyvmomi 9 negotiates from vimServiceVersions.xml; an old default (6.5) would pin it to a stale API.
VCSIM_API_VERSION = "8.0.3.0"
_URL_LINE = re.compile(r"GOVC_URL=(?P<url>\S+)")
_START_TIMEOUT_SECONDS = 60.0
_STOP_TIMEOUT_SECONDS = 10.0


def find_vcsim() -> Path | None:
    """The vcsim binary: $FAILBACK_VCSIM, then the tool cache, then $PATH; None when not built."""
    explicit = os.environ.get("FAILBACK_VCSIM")
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    cache = Path(os.environ.get("FAILBACK_CACHE", Path.home() / ".cache" / "failback-operator"))
    for name in (f"vcsim-{VCSIM_VERSION}", "vcsim"):
        candidate = cache / "bin" / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("vcsim")
    return Path(found) if found else None


@dataclass(frozen=True, kw_only=True)
class VcsimServer:
    """A running vcsim: where it listens, how to log in, and how to trust its certificate."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    ca_file: Path
    certificate_pem: str = field(repr=False)
    thumbprint_sha256: str
    thumbprint_sha1: str
    trace_file: Path | None
    process: _VcsimProcess = field(repr=False, compare=False)

    @property
    def pid(self) -> int:
        """The running vcsim's process id (a restart changes it)."""
        return self.process.pid

    @property
    def endpoint(self) -> VCenterEndpoint:
        """How the operator and the tests reach this vcsim: its address, login and CA."""
        return VCenterEndpoint(
            host=self.host, port=self.port, user=self.user, password=self.password, ca_file=str(self.ca_file)
        )

    @property
    def url(self) -> str:
        """The SDK URL, without credentials."""
        return f"https://{self.host}:{self.port}/sdk"

    def restart(self, down_seconds: float = 0.0, how: signal.Signals = signal.SIGKILL) -> float:
        """Stop vcsim with `how`, keep it down `down_seconds`, start it on the same port; seconds it took.

        Every session and every object created through the API is gone afterwards: vcsim rebuilds
        only its model.
        """
        started = time.monotonic()
        self.process.end(how)
        time.sleep(down_seconds)
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        self.process.start(f"{self.host}:{self.port}", deadline)
        _wait_until_answering(self.host, self.port, self.ssl_context(), deadline)
        return time.monotonic() - started

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this vcsim's CA (for direct pyvmomi use in tests)."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def _certificate_fingerprints(pem: str) -> tuple[str, str]:
    """SHA-256 and SHA-1 thumbprints of a PEM certificate, colon-separated upper-case hex as vCenter shows."""
    der = ssl.PEM_cert_to_DER_cert(pem)

    def colons(digest: str) -> str:
        return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)).upper()

    return colons(hashlib.sha256(der).hexdigest()), colons(hashlib.sha1(der).hexdigest())


def _read_url(process: subprocess.Popen[bytes], deadline: float) -> str:
    """Wait for vcsim's `export GOVC_URL=...` line, which it prints once it is listening."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffered = b""
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"vcsim exited with status {process.returncode} before listening")
            if not selector.select(timeout=0.2):
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                continue
            buffered += chunk
            match = _URL_LINE.search(buffered.decode(errors="replace"))
            if match:
                return match.group("url")
    finally:
        selector.close()
    raise RuntimeError("vcsim did not report its URL in time")


def _wait_until_answering(host: str, port: int, context: ssl.SSLContext, deadline: float) -> None:
    """Poll the SDK's version document until the server answers it over verified TLS."""
    import http.client

    last: Exception | None = None
    while time.monotonic() < deadline:
        connection = http.client.HTTPSConnection(host, port, context=context, timeout=5)
        try:
            connection.request("GET", "/sdk/vimServiceVersions.xml")
            if connection.getresponse().status == 200:
                return
        except OSError as error:
            last = error
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"vcsim on {host}:{port} did not answer in time: {last}")


class _VcsimProcess:
    """The vcsim process behind a server: started on an address, ended, started again."""

    def __init__(self, command: Sequence[str], workdir: Path) -> None:
        self._command = list(command)
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "start() first"
        return self._process.pid

    def start(self, listen: str, deadline: float) -> str:
        """Start vcsim listening on `listen` (`host:port`, port 0 for any); the URL it reports."""
        # A killed vcsim leaves its model's temporary datastores behind: keep them in the workdir.
        scratch = self._workdir / "tmp"
        scratch.mkdir(exist_ok=True)
        with (self._workdir / "vcsim.log").open("ab") as log:
            self._process = subprocess.Popen(
                [self._command[0], "-l", listen, *self._command[1:]],
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=self._workdir,
                env={**os.environ, "TMPDIR": str(scratch)},
                preexec_fn=die_with_parent,  # only a prctl call between fork and exec
            )
        return _read_url(self._process, deadline)

    def end(self, how: signal.Signals = signal.SIGTERM) -> None:
        """Send `how` (SIGTERM: vcsim removes its model and temp dirs), then SIGKILL if it hangs."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(how)
            try:
                process.wait(timeout=_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def run_vcsim(
    workdir: Path,
    *,
    binary: Path | None = None,
    model_args: Sequence[str] = (),
    trace: bool = False,
    user: str = "failback-reader",  # vcsim cannot match a user name with "@" in it
) -> Iterator[VcsimServer]:
    """Start vcsim with `model_args` (e.g. `-cluster 1 -host 2 -vm 0`), yield it, and stop it."""
    binary = binary or find_vcsim()
    if binary is None:
        raise FileNotFoundError("vcsim is not built; run `make tools` (tools/testenv/build-tools.sh vcsim)")
    workdir.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA()
    leaf = authority.issue_cert("127.0.0.1", "localhost")
    ca_file = workdir / "vcsim-ca.pem"
    cert_file = workdir / "vcsim-cert.pem"
    key_file = workdir / "vcsim-key.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    leaf.cert_chain_pems[0].write_to_path(str(cert_file))
    leaf.private_key_pem.write_to_path(str(key_file))
    # vcsim reads -password from a file when given a path, which keeps it out of the process list.
    password = secrets.token_urlsafe(18)
    password_file = workdir / "vcsim-password"
    password_file.write_text(password)
    password_file.chmod(0o600)
    trace_file = workdir / "vcsim-trace.log" if trace else None

    command = [
        str(binary),
        "-api-version",
        VCSIM_API_VERSION,
        "-tlscert",
        str(cert_file),
        "-tlskey",
        str(key_file),
        "-username",
        user,
        "-password",
        str(password_file),
        *(["-trace", "-trace-file", str(trace_file)] if trace_file else []),
        *model_args,
    ]
    process = _VcsimProcess(command, workdir)
    try:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        url = process.start("127.0.0.1:0", deadline)
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        certificate_pem = leaf.cert_chain_pems[0].bytes().decode()
        sha256, sha1 = _certificate_fingerprints(certificate_pem)
        server = VcsimServer(
            host="127.0.0.1",
            port=port,
            user=user,
            password=password,
            ca_file=ca_file,
            certificate_pem=certificate_pem,
            thumbprint_sha256=sha256,
            thumbprint_sha1=sha1,
            trace_file=trace_file,
            process=process,
        )
        _wait_until_answering(server.host, server.port, server.ssl_context(), deadline)
        yield server
    finally:
        process.end()
