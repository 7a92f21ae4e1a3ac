"""The operator's command line in tests and the benchmark: debug logging only when asked for."""

from __future__ import annotations

from pathlib import Path

from failback_operator.testenv.operator_process import OperatorProcess


def test_debug_logging_only_when_verbose() -> None:
    quiet = OperatorProcess(Path("kubeconfig"), Path("operator.log"), {}, verbose=False)
    verbose = OperatorProcess(Path("kubeconfig"), Path("operator.log"), {})
    assert "--verbose" not in quiet.arguments()
    assert verbose.arguments().count("--verbose") == 1
