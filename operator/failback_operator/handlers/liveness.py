"""The liveness endpoint of an electing replica, served whether it leads or stands by.

Kopf serves its own endpoint only while it runs, and a replica that stands by runs no Kopf; a
probe that failed on a standby would have the kubelet restart a healthy replica for waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from aiohttp import web

__all__ = ["serving_liveness"]


@asynccontextmanager
async def serving_liveness(
    url: str | None, report: Callable[[], Mapping[str, object]]
) -> AsyncIterator[None]:
    """Answer 200 with `report()` as JSON at `url` (e.g. http://0.0.0.0:8080/healthz) while inside."""
    if url is None:
        yield
        return
    parts = urlsplit(url)

    async def answer(_: web.Request) -> web.Response:
        return web.json_response(dict(report()))

    app = web.Application()
    app.router.add_get(parts.path or "/", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, parts.hostname, parts.port or 80).start()
        yield
    finally:
        await runner.cleanup()
