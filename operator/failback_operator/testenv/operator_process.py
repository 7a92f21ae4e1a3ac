"""The operator as its own process, as in production, for end-to-end tests and the demo."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from failback_operator.testenv.processes import ManagedProcess, free_port

__all__ = ["OperatorProcess", "running_operator"]

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class OperatorProcess:
    """`python -m failback_operator run` against a kubeconfig, with its log kept.

    `standalone` (the default here) skips leader election, for tests that run one operator; without
    it the process stands for election like a replica of the Deployment.
    """

    kubeconfig: Path
    log_path: Path
    environment: Mapping[str, str]
    # The program to run instead of `-m failback_operator` (e.g. a wrapper that fills vcsim's gaps).
    entry: tuple[str, ...] = ("-m", "failback_operator")
    process: ManagedProcess | None = None
    liveness_port: int = 0
    standalone: bool = True
    # More arguments of `run` (e.g. --metrics, --log-format).
    extra_args: tuple[str, ...] = ()
    # Debug logging, as the tests want it; a benchmark measures the operator without it.
    verbose: bool = True

    def start(self, timeout: float = 60.0) -> None:
        self.liveness_port = free_port()
        self.process = ManagedProcess("failback-operator", self.arguments(), self.log_path)
        python_path = os.pathsep.join(p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        self.process.start(
            {"KUBECONFIG": str(self.kubeconfig), "PYTHONPATH": python_path, **self.environment}
        )
        self._wait_alive(timeout)

    def arguments(self) -> list[str]:
        """The command line: debug logging only when `verbose` (a benchmark measures without it)."""
        return [
            sys.executable,
            *self.entry,
            "run",
            *(["--standalone"] if self.standalone else []),
            f"--liveness=http://127.0.0.1:{self.liveness_port}/healthz",
            *self.extra_args,
            *(["--verbose"] if self.verbose else []),
        ]

    def _wait_alive(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.liveness_port}/healthz"
        while time.monotonic() < deadline:
            assert self.process is not None
            if not self.process.running():
                raise RuntimeError(f"the operator exited during start-up:\n{self.process.log_tail(60)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the operator did not become alive in {timeout:.0f}s")

    def liveness(self) -> dict[str, object]:
        """What the liveness endpoint answers (an electing replica says whether it leads)."""
        url = f"http://127.0.0.1:{self.liveness_port}/healthz"
        with urllib.request.urlopen(url, timeout=5) as answer:
            report: dict[str, object] = json.loads(answer.read() or b"{}")
            return report

    def ready(self) -> bool:
        """Whether the readiness endpoint (beside the liveness one) answers 200."""
        url = f"http://127.0.0.1:{self.liveness_port}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def exit_status(self, timeout: float = 60.0) -> int:
        """Wait for the process to end by itself (e.g. at a failpoint) and return its status."""
        assert self.process is not None
        assert self.process.process is not None
        return self.process.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def log_tail(self, lines: int = 80) -> str:
        return self.process.log_tail(lines) if self.process else ""


@contextmanager
def running_operator(
    kubeconfig: Path,
    log_path: Path,
    environment: Mapping[str, str],
    entry: tuple[str, ...] = ("-m", "failback_operator"),
    standalone: bool = True,
    extra_args: tuple[str, ...] = (),
) -> Iterator[OperatorProcess]:
    """Start the operator, yield it, always stop it."""
    operator = OperatorProcess(
        kubeconfig, log_path, environment, entry=entry, standalone=standalone, extra_args=extra_args
    )
    try:
        operator.start()
        yield operator
    finally:
        operator.stop()
