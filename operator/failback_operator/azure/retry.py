"""Retries for reads only: a mutating POST is sent once, whatever answer comes back."""

from __future__ import annotations

from typing import Any

from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import AsyncRetryPolicy

from failback_operator.azure.errors import parse_retry_after
from failback_operator.metrics import METRICS

__all__ = ["READ_METHODS", "ReadOnlyRetryPolicy"]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadOnlyRetryPolicy(AsyncRetryPolicy[Any, Any]):
    """azure-core's retry (Retry-After honoured, exponential backoff) restricted to reads.

    azure-core retries POST on 500/503/504 and on any answer with Retry-After; for Site Recovery
    that could start a second reprotect or failover job, so POST and PATCH never retry here.
    A Retry-After longer than `max_retry_after` is not slept on: the caller gets Throttled and
    schedules its own next attempt instead of holding a poll open for minutes.
    """

    def __init__(self, *, max_retry_after: float = 60.0, **kwargs: Any) -> None:
        kwargs.setdefault("retry_total", 4)
        kwargs.setdefault("retry_backoff_factor", 0.8)
        kwargs.setdefault("retry_backoff_max", 30)
        kwargs.setdefault("retry_on_methods", READ_METHODS)
        super().__init__(**kwargs)
        self._method_whitelist = READ_METHODS
        self.max_retry_after = max_retry_after

    def _is_method_retryable(self, settings: dict[str, Any], request: Any, response: Any = None) -> bool:
        return bool(request.method.upper() in READ_METHODS)

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        if response.http_request.method.upper() not in READ_METHODS:
            return False
        http_response = response.http_response
        if http_response.status_code < 400:
            return False
        if http_response.status_code == 429:
            METRICS.throttled_reads.inc()
        wait = parse_retry_after(dict(http_response.headers), default=0.0)
        if wait > self.max_retry_after:
            return False
        return bool(super().is_retry(settings, response))
