"""The Site Recovery job id of a started operation, read from its 202's operation URLs."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

__all__ = ["job_id_from_headers", "job_id_from_operation_url"]


def job_id_from_operation_url(url: str) -> str | None:
    """The last path segment of `.../operationresults/{job}` or `.../replicationOperationStatus/{job}`."""
    path = urlsplit(url).path.rstrip("/")
    if not path or "/" not in path:
        return None
    segment = unquote(path.rsplit("/", 1)[-1])
    return segment or None


def job_id_from_headers(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """(job id, operation URL) from Azure-AsyncOperation, else Location; None when neither names a job."""
    lowered = {key.lower(): value for key, value in headers.items()}
    for name in ("azure-asyncoperation", "location"):
        url = lowered.get(name)
        if url:
            job_id = job_id_from_operation_url(url)
            if job_id:
                return job_id, url
    return None
