"""How a look that fails is told and retried: a short text once per change, waits that grow to a cap."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import aiohttp
import pydantic
import urllib3
from kubernetes.client.exceptions import ApiException

from failback_operator.azure import SiteRecoveryError
from failback_operator.errors import FailbackOperatorError
from failback_operator.vsphere import VCenterError

__all__ = ["KNOWN_FAILURES", "backoff", "describe_failure", "is_known_failure", "tell_failure"]

# Failures of the systems the operator talks to, and of input it reads: each is told by its text
# alone. Anything else is a defect, told once with its traceback.
KNOWN_FAILURES: tuple[type[BaseException], ...] = (
    FailbackOperatorError,  # the project's own: Site Recovery, vCenter, storage, leases, ...
    ApiException,
    pydantic.ValidationError,
    urllib3.exceptions.HTTPError,
    aiohttp.ClientError,
    ConnectionError,
    TimeoutError,
    asyncio.TimeoutError,
)
_TEXT_LIMIT = 1000


def is_known_failure(error: BaseException) -> bool:
    """Whether the failure comes from outside (a system down, input refused), not from a defect."""
    return isinstance(error, KNOWN_FAILURES)


def _api_message(error: ApiException) -> str:
    """The API server's own message (a 422 names the field), not the response headers."""
    try:
        body = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    return f"Kubernetes API answered {error.status} {error.reason}" + (f": {message}" if message else "")


def describe_failure(error: BaseException) -> str:
    """One line saying what failed, the same for the same failure, so it is told once per change."""
    if isinstance(error, ApiException):
        text = _api_message(error)
    elif isinstance(error, pydantic.ValidationError):
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        text = f"invalid resource: {fields}"
    elif isinstance(error, SiteRecoveryError | VCenterError) and str(error):
        text = str(error)  # the project's own errors say what failed in their own words
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 3] + "..."


def tell_failure(logger: logging.Logger, what: str, error: BaseException, then: str) -> None:
    """A failure told in one line: a known one by its text, a defect with its traceback.

    For work an event triggers once (no loop to count repeats): a system being down must not
    print a traceback per event, a defect must.
    """
    if is_known_failure(error):
        logger.warning("%s failed: %s; %s", what, describe_failure(error), then)
    else:
        logger.error("%s failed; %s", what, then, exc_info=error)


def backoff(failures: int, first: timedelta, cap: timedelta) -> timedelta:
    """The wait after `failures` failed looks in a row: `first`, doubled each time, at most `cap`."""
    if failures <= 0:
        return first
    seconds = first.total_seconds() * 2 ** min(failures - 1, 30)
    return min(timedelta(seconds=seconds), max(cap, first))
