"""The control and inspection API under /_sim: scenarios, faults, time and the request log."""

from __future__ import annotations

from typing import Any

import yaml
from aiohttp import web
from pydantic import ValidationError

from failback_operator.sim.asr.arm import RUNTIME_KEY
from failback_operator.sim.asr.scenario import (
    ItemStage,
    JobFailure,
    RetentionVolume,
    ScenarioError,
    parse_scenario,
)

__all__ = ["add_control_routes"]


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _json(request: web.Request) -> dict[str, Any]:
    raw = await request.text()
    if not raw.strip():
        return {}
    data = yaml.safe_load(raw)  # YAML is a superset of JSON: scenarios can be posted as either
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="the body must be an object")
    return data


async def _summary(request: web.Request) -> web.Response:
    return web.json_response(request.app[RUNTIME_KEY].summary())


async def _load_scenario(request: web.Request) -> web.Response:
    try:
        scenario = parse_scenario(await _json(request), source="posted scenario")
    except ScenarioError as error:
        return _bad_request(str(error))
    request.app[RUNTIME_KEY].load(scenario)
    return web.json_response(request.app[RUNTIME_KEY].summary())


async def _get_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[RUNTIME_KEY].state.faults.model_dump(mode="json"))


async def _patch_faults(request: web.Request) -> web.Response:
    try:
        faults = request.app[RUNTIME_KEY].set_faults(**await _json(request))
    except ValidationError as error:
        return _bad_request(str(error))
    return web.json_response(faults.model_dump(mode="json"))


async def _add_job_failure(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    try:
        rule = JobFailure.model_validate(await _json(request))
    except ValidationError as error:
        return _bad_request(str(error))
    failures = [*runtime.state.faults.job_failures, rule]
    faults = runtime.set_faults(job_failures=[failure.model_dump() for failure in failures])
    return web.json_response(faults.model_dump(mode="json"))


async def _clock(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    data = await _json(request)
    try:
        if "time_scale" in data:
            runtime.clock.set_time_scale(float(data["time_scale"]))
        if "advance_minutes" in data:
            runtime.advance(float(data["advance_minutes"]))
    except (TypeError, ValueError) as error:
        return _bad_request(str(error))
    return web.json_response(
        {"simulatedTime": runtime.clock.now().isoformat(), "timeScale": runtime.clock.time_scale}
    )


async def _requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[RUNTIME_KEY].log.records())


async def _request_counts(request: web.Request) -> web.Response:
    return web.json_response(request.app[RUNTIME_KEY].log.counts())


async def _clear_requests(request: web.Request) -> web.Response:
    request.app[RUNTIME_KEY].log.clear()
    return web.json_response({})


async def _item_event(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    name = request.match_info["item"]
    event = request.match_info["event"]
    try:
        if event == "disable-protection":
            runtime.disable_protection(name)
        elif event == "delete-azure-vm":
            runtime.delete_azure_vm(name)
        elif event == "boot-azure-vm":
            runtime.boot_azure_vm(name)
        elif event == "stage":
            runtime.set_stage(name, ItemStage((await _json(request))["stage"]))
        else:
            return web.json_response({"error": f"unknown event '{event}'"}, status=404)
    except KeyError:
        return web.json_response({"error": f"unknown item '{name}'"}, status=404)
    except ValueError as error:
        return _bad_request(str(error))
    return web.json_response(runtime.summary()["items"][runtime.state.items[name.lower()].name])


async def _heartbeat(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    data = await _json(request)
    runtime.set_heartbeat_stopped(bool(data.get("stopped", True)))
    return web.json_response({"heartbeatStopped": runtime.state.heartbeat_stopped})


def _retention_volume(data: dict[str, Any]) -> RetentionVolume:
    """`{name, capacityGib?, freeGib?}` as a volume; ValueError says what is wrong with it."""
    unknown = set(data) - {"name", "capacityGib", "freeGib"}
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("'name' must be a non-empty string (a drive letter such as 'G', or a path)")
    sizes: dict[str, float] = {}
    for field, key in (("capacityGib", "capacity_gib"), ("freeGib", "free_gib")):
        if field not in data:
            continue
        value = data[field]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"'{field}' must be a number of GiB, zero or more")
        sizes[key] = float(value)
    volume = RetentionVolume(name=name.strip(), **sizes)
    if volume.free_gib > volume.capacity_gib:
        raise ValueError("'freeGib' cannot exceed 'capacityGib'")
    return volume


async def _add_retention_volume(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    master_target = request.match_info["master_target"]
    try:
        volume = _retention_volume(await _json(request))
        added = runtime.add_retention_volume(master_target, volume)
    except KeyError:
        return web.json_response({"error": f"unknown master target '{master_target}'"}, status=404)
    except ValueError as error:
        return _bad_request(str(error))
    return web.json_response(
        {
            "name": added.spec.name,
            "capacityGib": added.spec.capacity_gib,
            "freeGib": added.spec.free_gib,
            "addedAt": added.added_at.isoformat() if added.added_at else None,
            "listed": added.listed,
        }
    )


async def _revoke_tokens(request: web.Request) -> web.Response:
    request.app[RUNTIME_KEY].issuer.revoke_all()
    return web.json_response({})


def add_control_routes(app: web.Application) -> None:
    """Register the /_sim routes (no authentication: the server listens on loopback only)."""
    app.router.add_get("/_sim/state", _summary)
    app.router.add_post("/_sim/scenario", _load_scenario)
    app.router.add_get("/_sim/faults", _get_faults)
    app.router.add_patch("/_sim/faults", _patch_faults)
    app.router.add_post("/_sim/faults/job-failures", _add_job_failure)
    app.router.add_post("/_sim/clock", _clock)
    app.router.add_get("/_sim/requests", _requests)
    app.router.add_get("/_sim/requests/counts", _request_counts)
    app.router.add_delete("/_sim/requests", _clear_requests)
    app.router.add_post("/_sim/items/{item}/{event}", _item_event)
    app.router.add_post("/_sim/configuration-server/heartbeat", _heartbeat)
    app.router.add_post("/_sim/master-targets/{master_target}/retention-volumes", _add_retention_volume)
    app.router.add_post("/_sim/identity/revoke-tokens", _revoke_tokens)
