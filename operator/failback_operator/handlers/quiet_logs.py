"""Kopf logs every watch-event handler's success at INFO: one line per watch event, for every plan.

The plan index and the approval handler run on every event of every plan and approval, so at INFO
those lines drown the log. They are DEBUG lines here; a failing handler is still logged as Kopf
logs it (ERROR with its traceback), and the success of a change handler (a spec change) stays INFO.
"""

from __future__ import annotations

import logging
import re

__all__ = ["WatchSuccessesAreDebug", "quiet_watch_successes"]

# Kopf's own wording (kopf._core.actions.execution): "Handler 'index_plan' succeeded."
_SUCCEEDED = re.compile(r"^Handler '[^']*' succeeded\.$")


class WatchSuccessesAreDebug(logging.Filter):
    """Turns a watch-event handler's "succeeded" line into DEBUG, and drops it where DEBUG is off.

    Kopf marks the lines of watch-event handlers (never posted as Kubernetes Events) with
    `k8s_skip`; a change handler's lines are posted as Events and are left alone.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno != logging.INFO
            or not getattr(record, "k8s_skip", False)
            or not _SUCCEEDED.match(record.getMessage())
        ):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def quiet_watch_successes() -> None:
    """Install the filter on Kopf's object logger, where the handlers' lines are logged."""
    logging.getLogger("kopf.objects").addFilter(WatchSuccessesAreDebug())
