"""A failure an event triggers is told in one line when known, with its traceback when a defect."""

from __future__ import annotations

import logging

import pytest

from failback_operator.services.failures import tell_failure

LOGGER = "failback_operator.test"


def _raised(error: Exception) -> Exception:
    try:
        raise error
    except Exception as caught:
        return caught


def test_a_known_failure_is_one_warning_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    refused = _raised(ConnectionRefusedError(111, "Connection refused"))
    tell_failure(logging.getLogger(LOGGER), "judging FailbackApproval ns/a", refused, "judged again later")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "Connection refused" in record.getMessage()
    assert record.getMessage().endswith("judged again later")


def test_a_defect_is_told_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    defect = _raised(KeyError("planRef"))
    tell_failure(logging.getLogger(LOGGER), "judging FailbackApproval ns/a", defect, "judged again later")
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert record.exc_info[1] is defect
