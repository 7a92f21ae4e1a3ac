"""ARM routes of a Recovery Services vault: case-insensitive paths, auth, api-version, paging, LROs."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from failback_operator.sim.asr import bodies
from failback_operator.sim.asr.engine import settle, start_item_operation, start_plan_operation
from failback_operator.sim.asr.errors import ArmError
from failback_operator.sim.asr.jobs import progress
from failback_operator.sim.asr.lifecycle import Operation
from failback_operator.sim.asr.requestlog import RequestRecord
from failback_operator.sim.asr.runtime import SimRuntime
from failback_operator.sim.asr.state import JobState, SimState

__all__ = ["RUNTIME_KEY", "add_arm_routes"]

_log = logging.getLogger(__name__)
RUNTIME_KEY: web.AppKey[SimRuntime] = web.AppKey("asr_runtime", SimRuntime)
LRO_RETRY_AFTER_SECONDS = 30  # what Site Recovery advertises on every 202 (recorded)

_ITEM_ACTIONS = {
    "reprotect": (Operation.REPROTECT, "ReplicationProtectedItems_Reprotect"),
    "unplannedfailover": (Operation.UNPLANNED_FAILOVER, "ReplicationProtectedItems_UnplannedFailover"),
    "plannedfailover": (Operation.PLANNED_FAILOVER, "ReplicationProtectedItems_PlannedFailover"),
    "failovercommit": (Operation.COMMIT, "ReplicationProtectedItems_FailoverCommit"),
    "failovercancel": (Operation.CANCEL, "ReplicationProtectedItems_FailoverCancel"),
}
_PLAN_ACTIONS = {
    "reprotect": (Operation.REPROTECT, "ReplicationRecoveryPlans_Reprotect"),
    "unplannedfailover": (Operation.UNPLANNED_FAILOVER, "ReplicationRecoveryPlans_UnplannedFailover"),
    "plannedfailover": (Operation.PLANNED_FAILOVER, "ReplicationRecoveryPlans_PlannedFailover"),
    "failovercommit": (Operation.COMMIT, "ReplicationRecoveryPlans_FailoverCommit"),
    "failovercancel": (Operation.CANCEL, "ReplicationRecoveryPlans_FailoverCancel"),
}


@dataclass
class _Call:
    """One ARM request on its way through the handlers."""

    request: web.Request
    runtime: SimRuntime
    names: list[str]
    record: RequestRecord
    base_url: str
    api_version: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> SimState:
        return self.runtime.state


class _Result:
    """A handler's answer before the shell turns it into an HTTP response."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


Handler = Callable[[_Call], Awaitable[_Result]]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: tuple[str, ...]  # lowercase literals, "*" for a name
    operation: str
    handler: Handler
    write: bool = False


def _retry_after(runtime_seconds: float) -> dict[str, str]:
    """The LRO pacing header: `Retry-After` in whole seconds as Site Recovery sends it (30 s, scaled).

    When the time scale brings it under a second, the SDK's int parsing of Retry-After would fail on a
    fraction, so the header becomes `retry-after-ms`, which azure-core honours too.
    """
    if runtime_seconds >= 1:
        return {"Retry-After": str(round(runtime_seconds))}
    return {"retry-after-ms": str(max(50, round(runtime_seconds * 1000)))}


# ---------------------------------------------------------------- lookups


def _check_fabric(call: _Call, name: str) -> None:
    if name.lower() != bodies.fabric_name(call.state).lower():
        raise ArmError(
            404, "NotFound", f"Fabric '{name}' was not found in vault '{call.state.scenario.vault.name}'."
        )


def _check_container(call: _Call, fabric: str, container: str) -> None:
    _check_fabric(call, fabric)
    if container.lower() != bodies.container_name(call.state).lower():
        raise ArmError(404, "NotFound", f"Protection container '{container}' was not found.")


def _paged(call: _Call, values: list[dict[str, Any]]) -> _Result:
    page_size = call.state.scenario.page_size
    token = call.request.query.get("$skiptoken") or call.request.query.get("skipToken") or "0"
    try:
        offset = max(0, int(token))
    except ValueError:
        raise ArmError(400, "InvalidSkipToken", f"The skip token '{token}' is not valid.") from None
    page = values[offset : offset + page_size]
    body: dict[str, Any] = {"value": page}
    if offset + page_size < len(values):
        query = {
            key: value
            for key, value in call.request.query.items()
            if key.lower() not in ("$skiptoken", "skiptoken")
        }
        query["$skiptoken"] = str(offset + page_size)
        body["nextLink"] = str(call.request.url.with_query(query))
    return _Result(200, body)


# ---------------------------------------------------------------- GET handlers


async def _fabrics_list(call: _Call) -> _Result:
    return _paged(call, [bodies.fabric_body(call.state)])


async def _fabric_get(call: _Call) -> _Result:
    _check_fabric(call, call.names[0])
    return _Result(200, bodies.fabric_body(call.state))


async def _containers_list(call: _Call) -> _Result:
    _check_fabric(call, call.names[0])
    return _paged(call, [bodies.container_body(call.state)])


async def _container_get(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    return _Result(200, bodies.container_body(call.state))


def _items(call: _Call) -> list[dict[str, Any]]:
    settle(call.state)
    with call.state.lock:
        return [bodies.item_body(call.state, item) for item in call.state.visible_items()]


async def _items_in_container(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    return _paged(call, _items(call))


async def _items_in_vault(call: _Call) -> _Result:
    return _paged(call, _items(call))


def _item_or_404(call: _Call, name: str) -> Any:
    item = call.state.item(name)
    if item is None:
        raise ArmError(404, "NotFound", f"Replication protected item '{name}' was not found.")
    return item


async def _item_get(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    settle(call.state)
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        return _Result(200, bodies.item_body(call.state, item))


async def _recovery_points_list(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    settle(call.state)
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        point = bodies.recovery_point_body(call.state, item)
    return _paged(call, [point] if point else [])


async def _recovery_point_get(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        point = bodies.recovery_point_body(call.state, item)
    if point is None or point["name"].lower() != call.names[3].lower():
        raise ArmError(404, "NotFound", f"Recovery point '{call.names[3]}' was not found.")
    return _Result(200, point)


async def _mappings_in_container(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    return _paged(call, bodies.mapping_bodies(call.state))


async def _mappings_in_vault(call: _Call) -> _Result:
    return _paged(call, bodies.mapping_bodies(call.state))


async def _mapping_get(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    for mapping in bodies.mapping_bodies(call.state):
        if mapping["name"].lower() == call.names[2].lower():
            return _Result(200, mapping)
    raise ArmError(404, "NotFound", f"Protection container mapping '{call.names[2]}' was not found.")


async def _policies_list(call: _Call) -> _Result:
    return _paged(call, bodies.policy_bodies(call.state))


async def _policy_get(call: _Call) -> _Result:
    for policy in bodies.policy_bodies(call.state):
        if policy["name"].lower() == call.names[0].lower():
            return _Result(200, policy)
    raise ArmError(404, "NotFound", f"Policy '{call.names[0]}' was not found.")


async def _vcenters_in_fabric(call: _Call) -> _Result:
    _check_fabric(call, call.names[0])
    return _paged(call, [bodies.vcenter_body(call.state)])


async def _vcenters_in_vault(call: _Call) -> _Result:
    return _paged(call, [bodies.vcenter_body(call.state)])


async def _vcenter_get(call: _Call) -> _Result:
    _check_fabric(call, call.names[0])
    if call.names[1].lower() != call.state.scenario.vcenter_name.lower():
        raise ArmError(404, "NotFound", f"vCenter '{call.names[1]}' was not found.")
    return _Result(200, bodies.vcenter_body(call.state))


def _job_body(call: _Call, job: JobState) -> dict[str, Any]:
    return bodies.job_body(call.state, job, progress(job.plan, call.state.clock.now()))


_FILTER_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


def _parse_filter(text: str) -> dict[str, str]:
    clauses: dict[str, str] = {}
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        if not part.strip():
            continue
        match = _FILTER_CLAUSE.match(part)
        if match is None:
            raise ArmError(400, "InvalidFilter", f"The filter clause '{part}' is not supported.")
        clauses[match.group(1).lower()] = match.group(2)
    return clauses


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ArmError(400, "InvalidFilter", f"'{text}' is not a valid time.") from None
    if moment.tzinfo is None:
        raise ArmError(400, "InvalidFilter", f"'{text}' has no time zone.")
    return moment


def _job_matches(call: _Call, job: JobState, clauses: dict[str, str], state_now: str) -> bool:
    for key, value in clauses.items():
        if key == "starttime":
            if job.plan.start < _parse_time(value):
                return False
        elif key == "endtime":
            if job.plan.start > _parse_time(value):
                return False
        elif key == "jobstatus":
            if state_now.lower() not in {status.strip().lower() for status in value.split(",")}:
                return False
        elif key == "jobname":
            if job.scenario_name.lower() != value.lower():
                return False
        elif key in ("targetobjectid", "targetobjectids", "affectedobjectid", "affectedobjectids"):
            wanted = {part.strip().lower() for part in value.split(",")}
            known = {job.target_object_id.lower(), job.target_object_name.lower()}
            for name in job.item_names:
                item = call.state.items[name.lower()]
                known |= {item.name.lower(), item.vm_id.lower(), bodies.item_id(call.state, item).lower()}
            if not wanted & known:
                return False
        elif key == "affectedobjecttypes":
            continue
        elif key == "fabricid":
            if value.lower() not in (
                bodies.fabric_id(call.state).lower(),
                bodies.fabric_name(call.state).lower(),
            ):
                return False
        else:
            raise ArmError(400, "InvalidFilter", f"Filtering jobs by '{key}' is not supported.")
    return True


async def _jobs_list(call: _Call) -> _Result:
    clauses = _parse_filter(call.request.query.get("$filter", ""))
    settle(call.state)
    now = call.state.clock.now()
    with call.state.lock:
        jobs = sorted(call.state.jobs.values(), key=lambda job: job.plan.start, reverse=True)
        values = []
        for job in jobs:
            job_state = progress(job.plan, now)
            if _job_matches(call, job, clauses, job_state.state):
                values.append(bodies.job_body(call.state, job, job_state))
    return _paged(call, values)


def _job_or_404(call: _Call, job_name: str) -> JobState:
    job = call.state.job(job_name)
    if job is None:
        raise ArmError(404, "NotFound", f"Job '{job_name}' was not found.")
    return job


async def _job_get(call: _Call) -> _Result:
    settle(call.state)
    with call.state.lock:
        job = _job_or_404(call, call.names[0])
        return _Result(200, _job_body(call, job))


async def _operation_status(call: _Call) -> _Result:
    settle(call.state)
    with call.state.lock:
        job = _job_or_404(call, call.names[0])
        job_state = progress(job.plan, call.state.clock.now())
        headers: dict[str, str] = {}
        if job_state.state == "InProgress":
            headers = _retry_after(call.state.clock.real_seconds(LRO_RETRY_AFTER_SECONDS))
        return _Result(200, bodies.operation_status_body(job, job_state), headers)


async def _plans_list(call: _Call) -> _Result:
    settle(call.state)
    with call.state.lock:
        plans = call.state.recovery_plans()
        return _paged(
            call, [bodies.recovery_plan_body(call.state, name, members) for name, members in plans.items()]
        )


async def _plan_get(call: _Call) -> _Result:
    settle(call.state)
    with call.state.lock:
        found = call.state.recovery_plan(call.names[0])
        if found is None:
            raise ArmError(404, "NotFound", f"Recovery plan '{call.names[0]}' was not found.")
        return _Result(200, bodies.recovery_plan_body(call.state, *found))


# ---------------------------------------------------------------- LROs


def _lro_accepted(call: _Call, resource_path: str, job: JobState) -> _Result:
    api = f"?api-version={call.api_version}"
    call.record.job_id = job.id
    return _Result(
        202,
        None,
        {
            "Location": f"{call.base_url}{resource_path}/operationresults/{job.id}{api}",
            "Azure-AsyncOperation": f"{call.base_url}{bodies.vault_prefix(call.state)}"
            f"/replicationOperationStatus/"
            f"{job.id}{api}",
            **_retry_after(call.state.clock.real_seconds(LRO_RETRY_AFTER_SECONDS)),
            "x-ms-request-id": bodies.job_id(call.state, job.id),
        },
    )


async def _read_json(call: _Call) -> dict[str, Any]:
    raw = await call.request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise ArmError(
            400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."
        ) from None
    if not isinstance(data, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return data


async def _item_action(call: _Call) -> _Result:
    fabric, container, item_name, action = call.names
    _check_container(call, fabric, container)
    operation, _ = _ITEM_ACTIONS[action.lower()]
    body = await _read_json(call)
    item = call.state.item(item_name)
    call.record.item = item.name if item else item_name
    job = start_item_operation(call.state, item_name, operation, body)
    assert item is not None
    return _lro_accepted(call, bodies.item_id(call.state, item), job)


async def _plan_action(call: _Call) -> _Result:
    plan_name, action = call.names
    operation, _ = _PLAN_ACTIONS[action.lower()]
    body = await _read_json(call)
    call.record.item = plan_name
    job = start_plan_operation(call.state, plan_name, operation, body)
    return _lro_accepted(
        call, f"{bodies.vault_prefix(call.state)}/replicationRecoveryPlans/{job.recovery_plan}", job
    )


def _operation_result(call: _Call, job: JobState, final: Callable[[], dict[str, Any]]) -> _Result:
    job_state = progress(job.plan, call.state.clock.now())
    if job_state.state == "InProgress":
        return _Result(
            202,
            None,
            {
                "Location": str(call.request.url),
                **_retry_after(call.state.clock.real_seconds(LRO_RETRY_AFTER_SECONDS)),
            },
        )
    if job_state.error is not None:
        raise ArmError.from_job_error(400, job_state.error)
    return _Result(200, final())


async def _item_operation_result(call: _Call) -> _Result:
    _check_container(call, call.names[0], call.names[1])
    settle(call.state)
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        job = _job_or_404(call, call.names[3])
        return _operation_result(call, job, lambda: bodies.item_body(call.state, item))


async def _plan_operation_result(call: _Call) -> _Result:
    settle(call.state)
    with call.state.lock:
        found = call.state.recovery_plan(call.names[0])
        if found is None:
            raise ArmError(404, "NotFound", f"Recovery plan '{call.names[0]}' was not found.")
        call.record.item = found[0]
        job = _job_or_404(call, call.names[1])
        return _operation_result(call, job, lambda: bodies.recovery_plan_body(call.state, *found))


# ---------------------------------------------------------------- routing

_F = ("replicationfabrics", "*")
_C = (*_F, "replicationprotectioncontainers", "*")
_I = (*_C, "replicationprotecteditems", "*")

ROUTES: tuple[_Route, ...] = (
    _Route("GET", ("replicationfabrics",), "ReplicationFabrics_List", _fabrics_list),
    _Route("GET", _F, "ReplicationFabrics_Get", _fabric_get),
    _Route(
        "GET",
        (*_F, "replicationprotectioncontainers"),
        "ReplicationProtectionContainers_ListByReplicationFabrics",
        _containers_list,
    ),
    _Route("GET", _C, "ReplicationProtectionContainers_Get", _container_get),
    _Route(
        "GET",
        (*_C, "replicationprotecteditems"),
        "ReplicationProtectedItems_ListByReplicationProtectionContainers",
        _items_in_container,
    ),
    _Route("GET", _I, "ReplicationProtectedItems_Get", _item_get),
    _Route(
        "GET",
        (*_I, "operationresults", "*"),
        "ReplicationProtectedItems_OperationResults",
        _item_operation_result,
    ),
    _Route(
        "GET",
        (*_I, "recoverypoints"),
        "RecoveryPoints_ListByReplicationProtectedItems",
        _recovery_points_list,
    ),
    _Route("GET", (*_I, "recoverypoints", "*"), "RecoveryPoints_Get", _recovery_point_get),
    _Route("POST", (*_I, "*"), "ReplicationProtectedItems_Action", _item_action, write=True),
    _Route(
        "GET",
        (*_C, "replicationprotectioncontainermappings"),
        "ReplicationProtectionContainerMappings_ListByReplicationProtectionContainers",
        _mappings_in_container,
    ),
    _Route(
        "GET",
        (*_C, "replicationprotectioncontainermappings", "*"),
        "ReplicationProtectionContainerMappings_Get",
        _mapping_get,
    ),
    _Route(
        "GET",
        (*_F, "replicationvcenters"),
        "ReplicationvCenters_ListByReplicationFabrics",
        _vcenters_in_fabric,
    ),
    _Route("GET", (*_F, "replicationvcenters", "*"), "ReplicationvCenters_Get", _vcenter_get),
    _Route("GET", ("replicationprotecteditems",), "ReplicationProtectedItems_List", _items_in_vault),
    _Route(
        "GET",
        ("replicationprotectioncontainermappings",),
        "ReplicationProtectionContainerMappings_List",
        _mappings_in_vault,
    ),
    _Route("GET", ("replicationvcenters",), "ReplicationvCenters_List", _vcenters_in_vault),
    _Route("GET", ("replicationpolicies",), "ReplicationPolicies_List", _policies_list),
    _Route("GET", ("replicationpolicies", "*"), "ReplicationPolicies_Get", _policy_get),
    _Route("GET", ("replicationjobs",), "ReplicationJobs_List", _jobs_list),
    _Route("GET", ("replicationjobs", "*"), "ReplicationJobs_Get", _job_get),
    _Route("GET", ("replicationoperationstatus", "*"), "ReplicationOperationStatus_Get", _operation_status),
    _Route("GET", ("replicationrecoveryplans",), "ReplicationRecoveryPlans_List", _plans_list),
    _Route("GET", ("replicationrecoveryplans", "*"), "ReplicationRecoveryPlans_Get", _plan_get),
    _Route(
        "GET",
        ("replicationrecoveryplans", "*", "operationresults", "*"),
        "ReplicationRecoveryPlans_OperationResults",
        _plan_operation_result,
    ),
    _Route(
        "POST",
        ("replicationrecoveryplans", "*", "*"),
        "ReplicationRecoveryPlans_Action",
        _plan_action,
        write=True,
    ),
)


def _match(method: str, rest: list[str]) -> tuple[_Route, list[str]] | None:
    lowered = [segment.lower() for segment in rest]
    for route in ROUTES:
        if route.method != method or len(route.pattern) != len(rest):
            continue
        names = []
        for literal, segment, original in zip(route.pattern, lowered, rest, strict=True):
            if literal == "*":
                names.append(original)
            elif literal != segment:
                break
        else:
            return route, names
    return None


def _operation_name(route: _Route, names: list[str]) -> str:
    if route.handler is _item_action:
        return _ITEM_ACTIONS.get(names[-1].lower(), (None, route.operation))[1]
    if route.handler is _plan_action:
        return _PLAN_ACTIONS.get(names[-1].lower(), (None, route.operation))[1]
    return route.operation


def _subject(runtime: SimRuntime, route: _Route, names: list[str]) -> str | None:
    """The item or recovery plan a request is about, as the scenario spells it, for the request log."""
    for collection in ("replicationprotecteditems", "replicationrecoveryplans"):
        if collection not in route.pattern:
            continue
        position = route.pattern.index(collection) + 1
        if position >= len(route.pattern):
            return None
        name = names[route.pattern[:position].count("*")]
        if collection == "replicationprotecteditems":
            item = runtime.state.items.get(name.lower())
            return item.name if item else name
        plan = runtime.state.recovery_plan(name)
        return plan[0] if plan else name
    return None


def _response(result: _Result, extra: dict[str, str]) -> web.Response:
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
        RequestRecord(0, runtime.clock.now().isoformat(), request.method, request.path, "Unknown", None)
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
        matched = _match(request.method, segments[8:])
        if matched is None:
            raise ArmError(
                404 if request.method == "GET" else 405,
                "InvalidResourceType",
                f"The resource type could not be found for '{request.method} {request.path}'.",
            )
        route, names = matched
        record.operation = _operation_name(route, names)
        record.item = _subject(runtime, route, names)
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
            if runtime.state.faults.server_errors > 0:
                runtime.state.faults = runtime.state.faults.model_copy(
                    update={"server_errors": runtime.state.faults.server_errors - 1}
                )
                record.fault = "server_error"
                raise ArmError(
                    500, "InternalServerError", "Encountered internal server error. Please try again later."
                )
        call = _Call(request, runtime, names, record, f"{request.scheme}://{request.host}", api_version)
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
