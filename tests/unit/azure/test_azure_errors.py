"""ARM error bodies, Retry-After and transport faults map to the project's Site Recovery errors."""

from __future__ import annotations

import email.utils

import aiohttp
import pytest
from azure.core.exceptions import ServiceRequestError, ServiceResponseError

from failback_operator.azure.errors import (
    OperationOutcomeUnknown,
    Throttled,
    Transient,
    parse_error_body,
    parse_retry_after,
    site_recovery_error,
)
from failback_operator.azure.operation_url import job_id_from_headers, job_id_from_operation_url


def test_site_recovery_error_body_with_causes_and_action():
    top, details = parse_error_body(
        b'{"error": {"code": "95226", "message": "Azure VM cannot reach the configuration server",'
        b' "possibleCauses": "Port 443 blocked", "recommendedAction": "Open 443",'
        b' "details": [{"Code": "78052", "Message": "VM exists"}]}}'
    )
    assert (top.code, top.message, top.possible_causes, top.recommended_action) == (
        "95226",
        "Azure VM cannot reach the configuration server",
        "Port 443 blocked",
        "Open 443",
    )
    assert [(d.code, d.message) for d in details] == [("78052", "VM exists")]


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", None])
def test_unparseable_error_bodies_give_empty_codes(body):
    top, details = parse_error_body(body)
    assert top.code == ""
    assert details == ()


def test_retry_after_in_seconds_milliseconds_and_http_date():
    assert parse_retry_after({"Retry-After": "17"}, default=5) == 17
    assert parse_retry_after({"x-ms-retry-after-ms": "1500"}, default=5) == 1.5
    assert parse_retry_after({}, default=5) == 5
    assert parse_retry_after({"Retry-After": "soon"}, default=5) == 5
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after({"retry-after": date}, default=5, now=now) == pytest.approx(42, abs=1)


def test_lost_answer_to_a_post_is_an_unknown_outcome():
    error = site_recovery_error(
        ServiceResponseError("connection reset"), operation="reprotect", mutating=True
    )
    assert isinstance(error, OperationOutcomeUnknown)
    assert "may have taken effect" in str(error)


def test_lost_answer_to_a_read_is_transient():
    error = site_recovery_error(
        ServiceResponseError("connection reset"), operation="list jobs", mutating=False
    )
    assert isinstance(error, Transient)


def test_a_post_that_never_connected_is_transient_not_unknown():
    refused = aiohttp.ClientConnectorError(
        connection_key=None, os_error=ConnectionRefusedError(111, "refused")
    )
    error = site_recovery_error(
        ServiceRequestError("cannot connect", error=refused), operation="reprotect", mutating=True
    )
    assert isinstance(error, Transient)


def test_secrets_are_redacted_from_transport_messages():
    error = site_recovery_error(
        ServiceResponseError("failed with secret=hunter2"), operation="x", mutating=False, secrets=["hunter2"]
    )
    assert "hunter2" not in str(error)
    assert "hunter2" not in repr(error)


def test_throttled_keeps_the_delay():
    error = Throttled("slow down", retry_after=12.0, operation="list protected items", code="TooManyRequests")
    assert error.retry_after == 12.0
    assert repr(error) == "Throttled(operation='list protected items', code='TooManyRequests', status=None)"


@pytest.mark.parametrize(
    ("url", "job_id"),
    [
        (
            "https://management.azure.com/Subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices"
            "/vaults/v/replicationOperationStatus/8dfa5a4f-f24c-4e84-a640-1969a06a02ce?api-version=2021-06-01",
            "8dfa5a4f-f24c-4e84-a640-1969a06a02ce",
        ),
        ("https://h/a/b/operationresults/abc/", "abc"),
        ("https://h/", None),
        ("", None),
    ],
)
def test_job_id_is_the_last_path_segment(url, job_id):
    assert job_id_from_operation_url(url) == job_id


def test_azure_async_operation_is_preferred_then_location():
    both = {
        "Location": "https://h/x/operationresults/from-location",
        "azure-asyncoperation": "https://h/y/from-async",
    }
    assert job_id_from_headers(both) == ("from-async", "https://h/y/from-async")
    assert job_id_from_headers({"location": "https://h/x/operationresults/j1"}) == (
        "j1",
        "https://h/x/operationresults/j1",
    )
    assert job_id_from_headers({"Retry-After": "30"}) is None
