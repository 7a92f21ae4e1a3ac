"""Site Recovery failures as typed errors, parsed once from ARM error bodies and transport faults."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
)

from failback_operator.errors import FailbackOperatorError

__all__ = [
    "AuthenticationFailed",
    "ConfigurationServerNotFound",
    "Conflict",
    "ErrorDetail",
    "NoRecoveryServicesProvider",
    "NotFound",
    "OperationOutcomeUnknown",
    "Refused",
    "SiteRecoveryError",
    "Throttled",
    "Transient",
    "UnexpectedResponse",
    "parse_error_body",
    "parse_retry_after",
    "site_recovery_error",
]


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of an ARM error body as Site Recovery fills it."""

    code: str
    message: str
    possible_causes: str = ""
    recommended_action: str = ""


class SiteRecoveryError(FailbackOperatorError):
    """Base of every Site Recovery failure the adapter reports.

    `code` is Site Recovery's error code (often numeric, e.g. "95226"), `status` the HTTP status
    when there was a response, `operation` what the adapter was doing.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        code: str = "",
        status: int | None = None,
        possible_causes: str = "",
        recommended_action: str = "",
        details: tuple[ErrorDetail, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.code = code
        self.status = status
        self.possible_causes = possible_causes
        self.recommended_action = recommended_action
        self.details = details

    def __str__(self) -> str:
        parts = [f"{self.operation}: " if self.operation else ""]
        if self.code:
            parts.append(f"[{self.code}] ")
        parts.append(self.message)
        if self.possible_causes:
            parts.append(f" Possible causes: {self.possible_causes}")
        if self.recommended_action:
            parts.append(f" Recommended action: {self.recommended_action}")
        return "".join(parts)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(operation={self.operation!r}, code={self.code!r}, status={self.status!r})"


class Throttled(SiteRecoveryError):
    """ARM answered 429: the request was not processed; try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Transient(SiteRecoveryError):
    """A read failed for a reason that may pass (5xx, timeout, connection); safe to read again."""


class NotFound(SiteRecoveryError):
    """The vault, fabric, item, plan or job does not exist (404)."""


class ConfigurationServerNotFound(NotFound):
    """`spec.configurationServer` names no fabric of the vault, by ARM name or friendly name."""

    def __init__(self, message: str, *, operation: str = "find configuration server") -> None:
        super().__init__(message, operation=operation, status=404)


class NoRecoveryServicesProvider(SiteRecoveryError):
    """The configuration server's fabric lists no Recovery Services provider, so it cannot be refreshed."""

    def __init__(self, fabric: str, *, operation: str = "refresh configuration server") -> None:
        super().__init__(
            f"fabric '{fabric}' lists no Recovery Services provider: the configuration server is not "
            "registered with the vault, so it cannot be refreshed",
            operation=operation,
        )
        self.fabric = fabric


class Refused(SiteRecoveryError):
    """Site Recovery understood the request and refused it (400, 403, ...); it took no effect."""


class Conflict(Refused):
    """Refused because of the object's current state or another operation on it (409)."""


class AuthenticationFailed(SiteRecoveryError):
    """Entra ID or Resource Manager rejected the operator's identity."""


class UnexpectedResponse(SiteRecoveryError):
    """A response that breaks the API contract (e.g. a 202 without an operation URL)."""


class OperationOutcomeUnknown(SiteRecoveryError):
    """A mutating POST was sent but its answer was lost: the job may or may not exist.

    Never retry blindly: look the job up (jobs for the object since the intent) first.
    """


def parse_retry_after(headers: Mapping[str, str], default: float, now: float | None = None) -> float:
    """Seconds to wait from Retry-After (seconds or HTTP date) or x-ms-retry-after-ms."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms") or lowered.get("x-ms-retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _field(body: Mapping[str, Any], name: str) -> str:
    """A string field matched case-insensitively (Site Recovery mixes Code / code)."""
    for key, value in body.items():
        if key.lower() == name.lower() and value is not None:
            return str(value)
    return ""


def _detail(body: Mapping[str, Any]) -> ErrorDetail:
    return ErrorDetail(
        code=_field(body, "code"),
        message=_field(body, "message"),
        possible_causes=_field(body, "possibleCauses"),
        recommended_action=_field(body, "recommendedAction"),
    )


def parse_error_body(
    body: bytes | str | Mapping[str, Any] | None,
) -> tuple[ErrorDetail, tuple[ErrorDetail, ...]]:
    """Top-level error and its details from an ARM error body; empty fields when unparseable."""
    data: Any = body
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body or "null")
        except ValueError:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            return ErrorDetail(code="", message=text[:500]), ()
    if not isinstance(data, Mapping):
        return ErrorDetail(code="", message=""), ()
    inner = next((v for k, v in data.items() if k.lower() == "error" and isinstance(v, Mapping)), data)
    top = _detail(inner)
    raw_details = next((v for k, v in inner.items() if k.lower() == "details" and isinstance(v, list)), [])
    details = tuple(_detail(d) for d in raw_details if isinstance(d, Mapping))
    return top, details


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _connection_never_made(error: AzureError) -> bool:
    """True when the request bytes cannot have reached the server (connect or TLS failure)."""
    inner = getattr(error, "inner_exception", None)
    return isinstance(error, ServiceRequestError) and isinstance(inner, aiohttp.ClientConnectorError)


def site_recovery_error(
    error: AzureError,
    *,
    operation: str,
    mutating: bool,
    secrets: Iterable[str] = (),
    default_retry_after: float = 30.0,
) -> SiteRecoveryError:
    """Map an azure-core error to the project's type; a lost answer to a POST is OperationOutcomeUnknown."""
    secrets = tuple(secrets)
    response = getattr(error, "response", None)
    status: int | None = getattr(response, "status_code", None) if response is not None else None
    if isinstance(error, HttpResponseError) and response is not None and status is not None:
        try:
            raw = response.text()
        except Exception:  # a streamed body that could not be read still has a status
            raw = ""
        top, details = parse_error_body(raw)
        message = _redact(top.message or str(error.reason or "") or f"HTTP {status}", secrets)
        fields: dict[str, Any] = {
            "operation": operation,
            "code": top.code,
            "status": status,
            "possible_causes": _redact(top.possible_causes, secrets),
            "recommended_action": _redact(top.recommended_action, secrets),
            "details": details,
        }
        if status == 429:
            retry_after = parse_retry_after(dict(response.headers), default_retry_after)
            return Throttled(message, retry_after=retry_after, **fields)
        if status == 401 or isinstance(error, ClientAuthenticationError):
            return AuthenticationFailed(message, **fields)
        if status == 404:
            return NotFound(message, **fields)
        if status == 409:
            return Conflict(message, **fields)
        if status == 408 or status >= 500:
            if mutating:
                return OperationOutcomeUnknown(
                    f"the answer to the request was an error ({message}); it may have taken effect", **fields
                )
            return Transient(message, **fields)
        return Refused(message, **fields)
    text = _redact(str(getattr(error, "message", "") or type(error).__name__), secrets)
    if isinstance(error, ClientAuthenticationError):
        return AuthenticationFailed(text, operation=operation, status=status)
    if mutating and not _connection_never_made(error):
        return OperationOutcomeUnknown(
            f"the connection failed after the request was sent ({text}); it may have taken effect",
            operation=operation,
        )
    return Transient(text, operation=operation)
