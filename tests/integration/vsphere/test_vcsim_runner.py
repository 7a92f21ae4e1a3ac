"""The vcsim runner: it serves the issued certificate on its own port, and stops even when a test fails."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.vsphere.connection import vcenter_session

pytestmark = pytest.mark.vcsim


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_runner_serves_the_issued_certificate(vcsim: VcsimServer) -> None:
    presented = ssl.get_server_certificate((vcsim.host, vcsim.port))
    assert ssl.PEM_cert_to_DER_cert(presented) == ssl.PEM_cert_to_DER_cert(vcsim.certificate_pem)
    assert vcsim.url == f"https://127.0.0.1:{vcsim.port}/sdk"
    assert vcsim.password not in repr(vcsim)


def test_runner_stops_vcsim_when_the_test_fails(vcsim: VcsimServer, tmp_path: Path) -> None:
    seen: list[VcsimServer] = []

    def failing_test() -> None:
        with run_vcsim(tmp_path, model_args=("-vm", "0")) as server:
            seen.append(server)
            assert _alive(server.pid)
            raise RuntimeError("test failed")

    with pytest.raises(RuntimeError, match="test failed"):
        failing_test()
    (server,) = seen
    assert server.port != vcsim.port
    assert not _alive(server.pid)


def test_runner_traces_soap_when_asked(tmp_path: Path) -> None:
    with run_vcsim(tmp_path, model_args=("-vm", "0"), trace=True) as server:
        assert server.trace_file is not None
        endpoint = server.endpoint
        with vcenter_session(endpoint):
            pass
    trace = server.trace_file.read_text()
    assert "RetrieveServiceContent" in trace
    assert "Logout" in trace


def test_vcsim_dies_with_a_killed_test_process(tmp_path: Path) -> None:
    """A test run killed outright (SIGKILL, no cleanup) leaves no vcsim behind on the shared machine."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from failback_operator.testenv.vcsim import run_vcsim\n"
        "with run_vcsim(Path(sys.argv[1]), model_args=('-vm', '0')) as server:\n"
        "    print(server.pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    runner = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert runner.stdout is not None
        vcsim_pid = int(runner.stdout.readline())
        assert _alive(vcsim_pid)
    finally:
        runner.kill()
        runner.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(vcsim_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(vcsim_pid)
