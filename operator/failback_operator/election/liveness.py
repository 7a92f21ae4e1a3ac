"""The liveness and readiness endpoints of an electing replica, served whether it leads or stands by.

Kopf serves its own endpoint only while it runs, and a replica that stands by runs no Kopf; a
probe that failed on a standby would have the kubelet restart a healthy replica for waiting.
Readiness (`/readyz` beside the liveness path) is true only while the replica can act: it leads
and Kopf is up, or it stands by for a Lease another replica holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from aiohttp import web

__all__ = ["READINESS_PATH", "replica_ready", "serving_liveness"]

READINESS_PATH = "/readyz"


def replica_ready(*, leading: bool, kopf_running: bool, holder: str | None) -> bool:
    """Ready to act: leading with Kopf up, or standing by for a Lease another replica is seen to hold."""
    if leading:
        return kopf_running
    return holder is not None and not kopf_running


@asynccontextmanager
async def serving_liveness(
    url: str | None,
    report: Callable[[], Mapping[str, object]],
    ready: Callable[[], bool] | None = None,
) -> AsyncIterator[None]:
    """Answer 200 with `report()` as JSON at `url` (e.g. http://0.0.0.0:8080/healthz) while inside.

    With `ready`, `/readyz` on the same port answers 200 while it is true and 503 otherwise.
    """
    if url is None:
        yield
        return
    parts = urlsplit(url)

    async def answer(_: web.Request) -> web.Response:
        return web.json_response(dict(report()))

    async def readiness(_: web.Request) -> web.Response:
        assert ready is not None
        is_ready = ready()
        return web.json_response({**report(), "ready": is_ready}, status=200 if is_ready else 503)

    app = web.Application()
    app.router.add_get(parts.path or "/", answer)
    if ready is not None:
        app.router.add_get(READINESS_PATH, readiness)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, parts.hostname, parts.port or 80).start()
        yield
    finally:
        await runner.cleanup()
