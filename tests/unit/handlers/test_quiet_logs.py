"""A watch-event handler's success is a DEBUG line; its failure and a change handler's success are not."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import kopf
import pytest
from kopf._core.actions.loggers import LocalObjectLogger, ObjectLogger

from failback_operator.handlers.quiet_logs import WatchSuccessesAreDebug

BODY = kopf.Body({"apiVersion": "failback.io/v1alpha1", "kind": "FailbackPlan", "metadata": {"name": "p"}})


@pytest.fixture
def kopf_objects() -> Iterator[logging.Logger]:
    logger = logging.getLogger("kopf.objects")
    quiet = WatchSuccessesAreDebug()
    logger.addFilter(quiet)
    try:
        yield logger
    finally:
        logger.removeFilter(quiet)


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "kopf.objects"]


def test_a_watch_handler_success_is_dropped_at_info(
    kopf_objects: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kopf.objects")
    LocalObjectLogger(body=BODY, settings=kopf.OperatorSettings()).info("Handler 'index_plan' succeeded.")
    assert _lines(caplog) == []


def test_a_watch_handler_success_is_a_debug_line_when_verbose(
    kopf_objects: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kopf.objects")
    LocalObjectLogger(body=BODY, settings=kopf.OperatorSettings()).info("Handler 'index_plan' succeeded.")
    assert _lines(caplog) == [(logging.DEBUG, "Handler 'index_plan' succeeded.")]


def test_a_watch_handler_failure_stays_an_error(
    kopf_objects: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kopf.objects")
    message = "Handler 'index_plan' failed with an exception and will ignore it: boom"
    LocalObjectLogger(body=BODY, settings=kopf.OperatorSettings()).error(message)
    assert _lines(caplog) == [(logging.ERROR, message)]


def test_a_change_handler_success_stays_info(
    kopf_objects: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kopf.objects")
    ObjectLogger(body=BODY, settings=kopf.OperatorSettings()).info("Handler 'spec_changed' succeeded.")
    assert (logging.INFO, "Handler 'spec_changed' succeeded.") in _lines(caplog)
