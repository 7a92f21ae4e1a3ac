"""Kopf's retried API requests are warnings: a short kube-apiserver restart leaves no ERROR trail."""

from __future__ import annotations

import logging

from failback_operator.handlers.runner import RetriesAreWarnings


def _record(name: str, message: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_a_retried_request_is_a_warning() -> None:
    record = _record(
        "kopf._cogs.clients.watching",
        "Request attempt #1/9 failed; will retry: GET https://127.0.0.1:6443/apis -> ClientConnectorError()",
    )
    assert RetriesAreWarnings().filter(record)
    assert (record.levelno, record.levelname) == (logging.WARNING, "WARNING")


def test_a_request_that_gives_up_stays_an_error() -> None:
    record = _record(
        "kopf._cogs.clients.api", "Request attempt #9/9 failed; escalating: GET /apis -> Error()"
    )
    assert RetriesAreWarnings().filter(record)
    assert record.levelno == logging.ERROR


def test_other_loggers_are_left_alone() -> None:
    record = _record("failback_operator.services", "Request attempt #1 failed; will retry")
    RetriesAreWarnings().filter(record)
    assert record.levelno == logging.ERROR
