"""The ARM front door: bearer tokens, throttling, api-version, scope, injected faults, then the route."""

from __future__ import annotations

import asyncio
import logging
import uuid

from aiohttp import web

from failback_operator.sim.asr.errors import ArmError
from failback_operator.sim.asr.requestlog import RequestRecord
from failback_operator.sim.asr.routes import ArmCall, ArmResult, match_route, operation_name, request_subject
from failback_operator.sim.asr.runtime import SimRuntime

__all__ = ["RUNTIME_KEY", "add_arm_routes", "handle_arm"]

_log = logging.getLogger(__name__)
RUNTIME_KEY: web.AppKey[SimRuntime] = web.AppKey("asr_runtime", SimRuntime)


def _response(result: ArmResult, extra: dict[str, str]) -> web.Response:
    headers = {**extra, **result.headers}
    if result.body is None:
        return web.Response(status=result.status, headers=headers)
    return web.json_response(result.body, status=result.status, headers=headers)


def _error_response(error: ArmError, extra: dict[str, str], activity_id: str) -> web.Response:
    return web.json_response(error.body(activity_id), status=error.status, headers={**extra, **error.headers})


def _authenticate(runtime: SimRuntime, request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    challenge = {
        "WWW-Authenticate": f'Bearer authorization_uri="{request.scheme}://{request.host}/'
        f'{runtime.scenario.identity.tenant}", error="invalid_token", '
        f"error_description=\"The authentication failed because of missing 'Authorization' header.\""
    }
    if not header:
        raise ArmError(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            headers=challenge,
        )
    scheme, _, token = header.partition(" ")
    principal = runtime.issuer.principal(token.strip()) if scheme.lower() == "bearer" else None
    if principal is None:
        raise ArmError(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
            headers={
                "WWW-Authenticate": challenge["WWW-Authenticate"].replace(
                    "missing 'Authorization' header", "invalid access token"
                )
            },
        )
    return principal


def _check_scope(runtime: SimRuntime, segments: list[str]) -> None:
    vault = runtime.scenario.vault
    if segments[1].lower() != vault.subscription.lower():
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{segments[1]}' could not be found.")
    if segments[3].lower() != vault.resource_group.lower():
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{segments[3]}' could not be found.")
    if segments[7].lower() != vault.name.lower():
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.RecoveryServices/vaults/{segments[7]}' under resource group "
            f"'{segments[3]}' was not found.",
        )


def _check_api_version(runtime: SimRuntime, request: web.Request) -> str:
    version = request.query.get("api-version")
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if version not in runtime.api_versions:
        raise ArmError(
            400,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for location '{runtime.scenario.vault.location}' and API "
            f"version '{version}' for type 'vaults'. The supported api-versions are "
            f"'{', '.join(sorted(runtime.api_versions))}'.",
        )
    return version


_VAULT_PREFIX = (
    "subscriptions",
    None,
    "resourcegroups",
    None,
    "providers",
    "microsoft.recoveryservices",
    "vaults",
    None,
)


async def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the socket without an answer: the client cannot tell whether the POST took effect."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError


async def handle_arm(request: web.Request) -> web.StreamResponse:
    """The single entry point of every ARM path (ARM compares paths case-insensitively)."""
    runtime = request.app[RUNTIME_KEY]
    activity_id = str(uuid.uuid4())
    segments = [segment for segment in request.path.split("/") if segment]
    record = runtime.log.add(
        RequestRecord(
            0,
            runtime.clock.now().isoformat(),
            request.method,
            request.path,
            "Unknown",
            None,
            query=request.query_string,
        )
    )
    extra = {"x-ms-request-id": activity_id, "x-ms-correlation-request-id": activity_id}
    faults = runtime.state.faults
    if faults.slow_seconds:
        await asyncio.sleep(faults.slow_seconds)
    try:
        principal = _authenticate(runtime, request)
        if len(segments) < 8 or any(
            literal is not None and literal != segment.lower()
            for literal, segment in zip(_VAULT_PREFIX, segments, strict=False)
        ):
            raise ArmError(
                404, "InvalidResourceType", f"The resource path '{request.path}' is not served here."
            )
        matched = match_route(request.method, segments[8:])
        if matched is None:
            raise ArmError(
                404 if request.method == "GET" else 405,
                "InvalidResourceType",
                f"The resource type could not be found for '{request.method} {request.path}'.",
            )
        route, names = matched
        record.operation = operation_name(route, names)
        record.item = request_subject(runtime, route, names)
        throttling = faults.throttling
        kind = "writes" if route.write else "reads"
        if throttling.enabled:
            capacity, refill = (
                (throttling.write_burst, throttling.write_refill_per_second)
                if route.write
                else (throttling.read_burst, throttling.read_refill_per_second)
            )
            retry_after, remaining = runtime.throttle.take(
                principal, runtime.scenario.vault.subscription, kind, capacity, refill
            )
            extra[f"x-ms-ratelimit-remaining-subscription-{kind}"] = str(remaining)
            if retry_after is not None:
                record.fault = "throttled"
                raise ArmError(
                    429,
                    "SubscriptionRequestsThrottled",
                    f"Number of '{kind[:-1]}' requests for subscription "
                    f"'{runtime.scenario.vault.subscription}' "
                    f"actor '{principal}' exceeded. Please try again after '{retry_after}' seconds.",
                    headers={"Retry-After": str(retry_after)},
                )
        api_version = _check_api_version(runtime, request)
        _check_scope(runtime, segments)
        with runtime.state.lock:
            faults = runtime.state.faults
            counter = (
                "post_server_errors"
                if route.write and faults.post_server_errors > 0
                else "server_errors"
                if faults.server_errors > 0
                else None
            )
            if counter is not None:
                runtime.state.faults = faults.model_copy(update={counter: getattr(faults, counter) - 1})
                record.fault = "server_error"
                raise ArmError(
                    500, "InternalServerError", "Encountered internal server error. Please try again later."
                )
        call = ArmCall(request, runtime, names, record, f"{request.scheme}://{request.host}", api_version)
        result = await route.handler(call)
        if route.write and result.status == 202:
            lost = False
            with runtime.state.lock:
                if runtime.state.faults.lose_post_responses > 0:
                    runtime.state.faults = runtime.state.faults.model_copy(
                        update={"lose_post_responses": runtime.state.faults.lose_post_responses - 1}
                    )
                    lost = True
            if lost:
                mode = runtime.state.faults.lose_post_mode
                record.fault = f"response_lost_{mode}"
                if mode == "drop":
                    record.status = 0
                    return await _drop_connection(request)
                raise ArmError(
                    500, "InternalServerError", "Encountered internal server error. Please try again later."
                )
        record.status = result.status
        return _response(result, extra)
    except ArmError as error:
        record.status = error.status
        return _error_response(error, extra, activity_id)
    except (asyncio.CancelledError, web.HTTPException):
        raise
    except Exception:  # a simulator bug must still answer in ARM's shape, and be visible in the log
        _log.exception("unexpected error while serving %s %s", request.method, request.path)
        record.status = 500
        record.fault = "simulator_error"
        failure = ArmError(500, "InternalServerError", "The simulator failed to process the request.")
        return _error_response(failure, extra, activity_id)


def add_arm_routes(app: web.Application) -> None:
    """Serve every /subscriptions/... path through `handle_arm` (any case)."""
    app.router.add_route("*", "/{tail:[Ss][Uu][Bb][Ss][Cc][Rr][Ii][Pp][Tt][Ii][Oo][Nn][Ss]/.*}", handle_arm)
