"""ARM routes of a Recovery Services vault and their handlers: reads, paging, job filters, LROs."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web

from failback_operator.sim.asr import ids, infrastructure_bodies, item_bodies, job_bodies
from failback_operator.sim.asr.engine import (
    settle,
    start_item_operation,
    start_plan_operation,
    start_refresh_provider,
)
from failback_operator.sim.asr.errors import ArmError
from failback_operator.sim.asr.jobs import progress, state_at
from failback_operator.sim.asr.lifecycle import Operation
from failback_operator.sim.asr.providers import (
    RecoveryServicesProvider,
    find_provider,
    recovery_services_providers,
)
from failback_operator.sim.asr.requestlog import RequestRecord
from failback_operator.sim.asr.runtime import SimRuntime
from failback_operator.sim.asr.state import JobState, SimState

__all__ = [
    "ROUTES",
    "ArmCall",
    "ArmResult",
    "ArmRoute",
    "match_route",
    "operation_name",
    "request_subject",
]

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
class ArmCall:
    """One ARM request on its way through the handlers."""

    request: web.Request
    runtime: SimRuntime
    names: list[str]
    record: RequestRecord
    base_url: str
    api_version: str

    @property
    def state(self) -> SimState:
        """The simulated vault the request reads or changes."""
        return self.runtime.state


class ArmResult:
    """A handler's answer before the shell turns it into an HTTP response."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


Handler = Callable[[ArmCall], Awaitable[ArmResult]]


@dataclass(frozen=True)
class ArmRoute:
    """A route: method, path pattern below the vault, ARM operation name, handler, read or write."""

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


def _check_fabric(call: ArmCall, name: str) -> None:
    if name.lower() != ids.fabric_name(call.state).lower():
        raise ArmError(
            404, "NotFound", f"Fabric '{name}' was not found in vault '{call.state.scenario.vault.name}'."
        )


def _check_container(call: ArmCall, fabric: str, container: str) -> None:
    _check_fabric(call, fabric)
    if container.lower() != ids.container_name(call.state).lower():
        raise ArmError(404, "NotFound", f"Protection container '{container}' was not found.")


_Entry = TypeVar("_Entry")


def _paged(
    call: ArmCall, values: Sequence[_Entry], render: Callable[[_Entry], dict[str, Any]] | None = None
) -> ArmResult:
    """One page of `values`; with `render`, only the page's entries are turned into bodies."""
    page_size = call.state.scenario.page_size
    token = call.request.query.get("$skiptoken") or call.request.query.get("skipToken") or "0"
    try:
        offset = max(0, int(token))
    except ValueError:
        raise ArmError(400, "InvalidSkipToken", f"The skip token '{token}' is not valid.") from None
    entries = values[offset : offset + page_size]
    page = [render(e) for e in entries] if render is not None else list(entries)
    body: dict[str, Any] = {"value": page}
    if offset + page_size < len(values):
        query = {
            key: value
            for key, value in call.request.query.items()
            if key.lower() not in ("$skiptoken", "skiptoken")
        }
        query["$skiptoken"] = str(offset + page_size)
        body["nextLink"] = str(call.request.url.with_query(query))
    return ArmResult(200, body)


# ---------------------------------------------------------------- GET handlers


async def _fabrics_list(call: ArmCall) -> ArmResult:
    settle(call.state)  # retention volumes discovered by now are listed (FB022)
    with call.state.lock:
        return _paged(call, [infrastructure_bodies.fabric_body(call.state)])


async def _fabric_get(call: ArmCall) -> ArmResult:
    _check_fabric(call, call.names[0])
    settle(call.state)
    with call.state.lock:
        return ArmResult(200, infrastructure_bodies.fabric_body(call.state))


def _providers(call: ArmCall) -> list[dict[str, Any]]:
    return [
        infrastructure_bodies.provider_body(call.state, provider)
        for provider in recovery_services_providers(call.state)
    ]


def _provider_or_404(call: ArmCall, fabric: str, name: str) -> RecoveryServicesProvider:
    _check_fabric(call, fabric)
    provider = find_provider(call.state, name)
    if provider is None:
        raise ArmError(404, "NotFound", f"Recovery services provider '{name}' was not found.")
    return provider


async def _providers_in_fabric(call: ArmCall) -> ArmResult:
    _check_fabric(call, call.names[0])
    return _paged(call, _providers(call))


async def _providers_in_vault(call: ArmCall) -> ArmResult:
    return _paged(call, _providers(call))


async def _provider_get(call: ArmCall) -> ArmResult:
    provider = _provider_or_404(call, call.names[0], call.names[1])
    return ArmResult(200, infrastructure_bodies.provider_body(call.state, provider))


async def _containers_list(call: ArmCall) -> ArmResult:
    _check_fabric(call, call.names[0])
    return _paged(call, [infrastructure_bodies.container_body(call.state)])


async def _container_get(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    return ArmResult(200, infrastructure_bodies.container_body(call.state))


def _items_page(call: ArmCall) -> ArmResult:
    settle(call.state)
    with call.state.lock:
        # Only the page's items get bodies: a list of 5,000 items is read 100 at a time.
        return _paged(call, call.state.visible_items(), lambda item: item_bodies.item_body(call.state, item))


async def _items_in_container(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    return _items_page(call)


async def _items_in_vault(call: ArmCall) -> ArmResult:
    return _items_page(call)


def _item_or_404(call: ArmCall, name: str) -> Any:
    item = call.state.item(name)
    if item is None:
        raise ArmError(404, "NotFound", f"Replication protected item '{name}' was not found.")
    return item


async def _item_get(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    settle(call.state)
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        return ArmResult(200, item_bodies.item_body(call.state, item))


async def _recovery_points_list(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    settle(call.state)
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        point = item_bodies.recovery_point_body(call.state, item)
    return _paged(call, [point] if point else [])


async def _recovery_point_get(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        point = item_bodies.recovery_point_body(call.state, item)
    if point is None or point["name"].lower() != call.names[3].lower():
        raise ArmError(404, "NotFound", f"Recovery point '{call.names[3]}' was not found.")
    return ArmResult(200, point)


async def _mappings_in_container(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    return _paged(call, infrastructure_bodies.mapping_bodies(call.state))


async def _mappings_in_vault(call: ArmCall) -> ArmResult:
    return _paged(call, infrastructure_bodies.mapping_bodies(call.state))


async def _mapping_get(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    for mapping in infrastructure_bodies.mapping_bodies(call.state):
        if mapping["name"].lower() == call.names[2].lower():
            return ArmResult(200, mapping)
    raise ArmError(404, "NotFound", f"Protection container mapping '{call.names[2]}' was not found.")


async def _policies_list(call: ArmCall) -> ArmResult:
    return _paged(call, infrastructure_bodies.policy_bodies(call.state))


async def _policy_get(call: ArmCall) -> ArmResult:
    for policy in infrastructure_bodies.policy_bodies(call.state):
        if policy["name"].lower() == call.names[0].lower():
            return ArmResult(200, policy)
    raise ArmError(404, "NotFound", f"Policy '{call.names[0]}' was not found.")


async def _vcenters_in_fabric(call: ArmCall) -> ArmResult:
    _check_fabric(call, call.names[0])
    return _paged(call, [infrastructure_bodies.vcenter_body(call.state)])


async def _vcenters_in_vault(call: ArmCall) -> ArmResult:
    return _paged(call, [infrastructure_bodies.vcenter_body(call.state)])


async def _vcenter_get(call: ArmCall) -> ArmResult:
    _check_fabric(call, call.names[0])
    if call.names[1].lower() != call.state.scenario.vcenter_name.lower():
        raise ArmError(404, "NotFound", f"vCenter '{call.names[1]}' was not found.")
    return ArmResult(200, infrastructure_bodies.vcenter_body(call.state))


def _job_body(call: ArmCall, job: JobState) -> dict[str, Any]:
    return job_bodies.job_body(call.state, job, progress(job.plan, call.state.clock.now()))


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


def _job_matches(call: ArmCall, job: JobState, clauses: dict[str, str], state_now: str) -> bool:
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
                known |= {item.name.lower(), item.vm_id.lower(), ids.item_id(call.state, item).lower()}
            if not wanted & known:
                return False
        elif key == "affectedobjecttypes":
            continue
        elif key == "fabricid":
            if value.lower() not in (
                ids.fabric_id(call.state).lower(),
                ids.fabric_name(call.state).lower(),
            ):
                return False
        else:
            raise ArmError(400, "InvalidFilter", f"Filtering jobs by '{key}' is not supported.")
    return True


async def _jobs_list(call: ArmCall) -> ArmResult:
    clauses = _parse_filter(call.request.query.get("$filter", ""))
    settle(call.state)
    now = call.state.clock.now()
    with call.state.lock:
        jobs = sorted(call.state.jobs.values(), key=lambda job: job.plan.start, reverse=True)
        matching = []
        for job in jobs:
            if job.plan.start > now:
                continue  # a machine's child job of a recovery-plan group that has not started yet
            if _job_matches(call, job, clauses, state_at(job.plan, now)):
                matching.append(job)
        # Recorded: list entries carry no tasks, errors or custom details. Only the page's get bodies.
        return _paged(
            call,
            matching,
            lambda job: job_bodies.job_body(call.state, job, progress(job.plan, now), listed=True),
        )


def _job_or_404(call: ArmCall, job_name: str) -> JobState:
    job = call.state.job(job_name)
    if job is None:
        raise ArmError(404, "NotFound", f"Job '{job_name}' was not found.")
    return job


async def _job_get(call: ArmCall) -> ArmResult:
    settle(call.state)
    with call.state.lock:
        job = _job_or_404(call, call.names[0])
        if job.plan.start > call.state.clock.now():
            raise ArmError(404, "NotFound", f"Job '{call.names[0]}' was not found.")
        if job.tracking_id is not None and job.id.lower() != call.names[0].lower():
            return ArmResult(200, job_bodies.tracked_job_body(call.state, job))
        return ArmResult(200, _job_body(call, job))


async def _operation_status(call: ArmCall) -> ArmResult:
    settle(call.state)
    with call.state.lock:
        job = _job_or_404(call, call.names[0])
        job_state = progress(job.plan, call.state.clock.now())
        headers: dict[str, str] = {}
        if job_state.state == "InProgress":
            headers = _retry_after(call.state.clock.real_seconds(LRO_RETRY_AFTER_SECONDS))
        return ArmResult(200, job_bodies.operation_status_body(job, job_state), headers)


async def _plans_list(call: ArmCall) -> ArmResult:
    settle(call.state)
    with call.state.lock:
        plans = call.state.recovery_plans()
        return _paged(
            call,
            [job_bodies.recovery_plan_body(call.state, name, members) for name, members in plans.items()],
        )


async def _plan_get(call: ArmCall) -> ArmResult:
    settle(call.state)
    with call.state.lock:
        found = call.state.recovery_plan(call.names[0])
        if found is None:
            raise ArmError(404, "NotFound", f"Recovery plan '{call.names[0]}' was not found.")
        return ArmResult(200, job_bodies.recovery_plan_body(call.state, *found))


# ---------------------------------------------------------------- LROs


def _lro_accepted(call: ArmCall, resource_path: str, job: JobState) -> ArmResult:
    """202 naming the job; a recovery-plan operation names a tracking id that leads to its job."""
    api = f"?api-version={call.api_version}"
    answered = job.tracking_id or job.id
    call.record.job_id = answered
    return ArmResult(
        202,
        None,
        {
            "Location": f"{call.base_url}{resource_path}/operationresults/{answered}{api}",
            "Azure-AsyncOperation": f"{call.base_url}{ids.vault_prefix(call.state)}"
            f"/replicationOperationStatus/{answered}{api}",
            **_retry_after(call.state.clock.real_seconds(LRO_RETRY_AFTER_SECONDS)),
            "x-ms-request-id": ids.job_id(call.state, answered),
        },
    )


async def _read_json(call: ArmCall) -> dict[str, Any]:
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


def _action(actions: dict[str, tuple[Operation, str]], action: str, collection: str) -> tuple[Operation, str]:
    found = actions.get(action.lower())
    if found is None:
        raise ArmError(
            404,
            "InvalidResourceType",
            f"The resource type '{collection}/{action}' could not be found in the namespace "
            "'Microsoft.RecoveryServices'.",
        )
    return found


async def _item_action(call: ArmCall) -> ArmResult:
    fabric, container, item_name, action = call.names
    _check_container(call, fabric, container)
    operation, _ = _action(_ITEM_ACTIONS, action, "replicationProtectedItems")
    body = await _read_json(call)
    item = call.state.item(item_name)
    call.record.item = item.name if item else item_name
    job = start_item_operation(call.state, item_name, operation, body)
    assert item is not None
    return _lro_accepted(call, ids.item_id(call.state, item), job)


async def _plan_action(call: ArmCall) -> ArmResult:
    plan_name, action = call.names
    operation, _ = _action(_PLAN_ACTIONS, action, "replicationRecoveryPlans")
    body = await _read_json(call)
    call.record.item = plan_name
    job = start_plan_operation(call.state, plan_name, operation, body)
    return _lro_accepted(
        call, f"{ids.vault_prefix(call.state)}/replicationRecoveryPlans/{job.recovery_plan}", job
    )


def _operation_result(call: ArmCall, job: JobState, final: Callable[[], dict[str, Any]]) -> ArmResult:
    job_state = progress(job.plan, call.state.clock.now())
    if job_state.state == "InProgress":
        return ArmResult(
            202,
            None,
            {
                "Location": str(call.request.url),
                **_retry_after(call.state.clock.real_seconds(LRO_RETRY_AFTER_SECONDS)),
            },
        )
    if job_state.error is not None:
        raise ArmError.from_job_error(400, job_state.error)
    return ArmResult(200, final())


async def _refresh_provider(call: ArmCall) -> ArmResult:
    provider = _provider_or_404(call, call.names[0], call.names[1])
    job = start_refresh_provider(call.state, provider.name)
    provider_id = f"{ids.fabric_id(call.state)}/replicationRecoveryServicesProviders/{provider.name}"
    return _lro_accepted(call, provider_id, job)


async def _provider_operation_result(call: ArmCall) -> ArmResult:
    provider = _provider_or_404(call, call.names[0], call.names[1])
    settle(call.state)
    with call.state.lock:
        job = _job_or_404(call, call.names[2])
        return _operation_result(call, job, lambda: infrastructure_bodies.provider_body(call.state, provider))


async def _item_operation_result(call: ArmCall) -> ArmResult:
    _check_container(call, call.names[0], call.names[1])
    settle(call.state)
    with call.state.lock:
        item = _item_or_404(call, call.names[2])
        call.record.item = item.name
        job = _job_or_404(call, call.names[3])
        return _operation_result(call, job, lambda: item_bodies.item_body(call.state, item))


async def _plan_operation_result(call: ArmCall) -> ArmResult:
    settle(call.state)
    with call.state.lock:
        found = call.state.recovery_plan(call.names[0])
        if found is None:
            raise ArmError(404, "NotFound", f"Recovery plan '{call.names[0]}' was not found.")
        call.record.item = found[0]
        job = _job_or_404(call, call.names[1])
        return _operation_result(call, job, lambda: job_bodies.recovery_plan_body(call.state, *found))


# ---------------------------------------------------------------- routing

_F = ("replicationfabrics", "*")
_C = (*_F, "replicationprotectioncontainers", "*")
_I = (*_C, "replicationprotecteditems", "*")
_P = (*_F, "replicationrecoveryservicesproviders", "*")

ROUTES: tuple[ArmRoute, ...] = (
    ArmRoute("GET", ("replicationfabrics",), "ReplicationFabrics_List", _fabrics_list),
    ArmRoute("GET", _F, "ReplicationFabrics_Get", _fabric_get),
    ArmRoute(
        "GET",
        (*_F, "replicationprotectioncontainers"),
        "ReplicationProtectionContainers_ListByReplicationFabrics",
        _containers_list,
    ),
    ArmRoute("GET", _C, "ReplicationProtectionContainers_Get", _container_get),
    ArmRoute(
        "GET",
        (*_C, "replicationprotecteditems"),
        "ReplicationProtectedItems_ListByReplicationProtectionContainers",
        _items_in_container,
    ),
    ArmRoute("GET", _I, "ReplicationProtectedItems_Get", _item_get),
    ArmRoute(
        "GET",
        (*_I, "operationresults", "*"),
        "ReplicationProtectedItems_OperationResults",
        _item_operation_result,
    ),
    ArmRoute(
        "GET",
        (*_I, "recoverypoints"),
        "RecoveryPoints_ListByReplicationProtectedItems",
        _recovery_points_list,
    ),
    ArmRoute("GET", (*_I, "recoverypoints", "*"), "RecoveryPoints_Get", _recovery_point_get),
    ArmRoute("POST", (*_I, "*"), "ReplicationProtectedItems_Action", _item_action, write=True),
    ArmRoute(
        "GET",
        (*_C, "replicationprotectioncontainermappings"),
        "ReplicationProtectionContainerMappings_ListByReplicationProtectionContainers",
        _mappings_in_container,
    ),
    ArmRoute(
        "GET",
        (*_C, "replicationprotectioncontainermappings", "*"),
        "ReplicationProtectionContainerMappings_Get",
        _mapping_get,
    ),
    ArmRoute(
        "GET",
        (*_F, "replicationvcenters"),
        "ReplicationvCenters_ListByReplicationFabrics",
        _vcenters_in_fabric,
    ),
    ArmRoute("GET", (*_F, "replicationvcenters", "*"), "ReplicationvCenters_Get", _vcenter_get),
    ArmRoute(
        "GET",
        (*_F, "replicationrecoveryservicesproviders"),
        "ReplicationRecoveryServicesProviders_ListByReplicationFabrics",
        _providers_in_fabric,
    ),
    ArmRoute("GET", _P, "ReplicationRecoveryServicesProviders_Get", _provider_get),
    ArmRoute(
        "POST",
        (*_P, "refreshprovider"),
        "ReplicationRecoveryServicesProviders_RefreshProvider",
        _refresh_provider,
        write=True,
    ),
    ArmRoute(
        "GET",
        (*_P, "operationresults", "*"),
        "ReplicationRecoveryServicesProviders_OperationResults",
        _provider_operation_result,
    ),
    ArmRoute(
        "GET",
        ("replicationrecoveryservicesproviders",),
        "ReplicationRecoveryServicesProviders_List",
        _providers_in_vault,
    ),
    ArmRoute("GET", ("replicationprotecteditems",), "ReplicationProtectedItems_List", _items_in_vault),
    ArmRoute(
        "GET",
        ("replicationprotectioncontainermappings",),
        "ReplicationProtectionContainerMappings_List",
        _mappings_in_vault,
    ),
    ArmRoute("GET", ("replicationvcenters",), "ReplicationvCenters_List", _vcenters_in_vault),
    ArmRoute("GET", ("replicationpolicies",), "ReplicationPolicies_List", _policies_list),
    ArmRoute("GET", ("replicationpolicies", "*"), "ReplicationPolicies_Get", _policy_get),
    ArmRoute("GET", ("replicationjobs",), "ReplicationJobs_List", _jobs_list),
    ArmRoute("GET", ("replicationjobs", "*"), "ReplicationJobs_Get", _job_get),
    ArmRoute("GET", ("replicationoperationstatus", "*"), "ReplicationOperationStatus_Get", _operation_status),
    ArmRoute("GET", ("replicationrecoveryplans",), "ReplicationRecoveryPlans_List", _plans_list),
    ArmRoute("GET", ("replicationrecoveryplans", "*"), "ReplicationRecoveryPlans_Get", _plan_get),
    ArmRoute(
        "GET",
        ("replicationrecoveryplans", "*", "operationresults", "*"),
        "ReplicationRecoveryPlans_OperationResults",
        _plan_operation_result,
    ),
    ArmRoute(
        "POST",
        ("replicationrecoveryplans", "*", "*"),
        "ReplicationRecoveryPlans_Action",
        _plan_action,
        write=True,
    ),
)


def match_route(method: str, rest: list[str]) -> tuple[ArmRoute, list[str]] | None:
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


def operation_name(route: ArmRoute, names: list[str]) -> str:
    if route.handler is _item_action:
        return _ITEM_ACTIONS.get(names[-1].lower(), (None, route.operation))[1]
    if route.handler is _plan_action:
        return _PLAN_ACTIONS.get(names[-1].lower(), (None, route.operation))[1]
    return route.operation


def request_subject(runtime: SimRuntime, route: ArmRoute, names: list[str]) -> str | None:
    """The item, recovery plan or server a request is about, as the scenario spells it, for the log."""
    if "replicationrecoveryservicesproviders" in route.pattern and len(names) >= 2:
        provider = find_provider(runtime.state, names[1])
        return provider.friendly_name if provider else names[1]
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
