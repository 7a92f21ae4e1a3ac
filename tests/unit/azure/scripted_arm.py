"""A scripted HTTPS endpoint on 127.0.0.1 for pipeline tests: a token endpoint and queued answers."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web

from failback_operator.azure import ClientSecret, VaultConfig

TENANT = "00000000-0000-0000-0000-0000000000aa"
CLIENT_ID = "11111111-1111-1111-1111-111111111111"
CLIENT_SECRET = "s3cr3t-never-logged"  # the tests look for it in every message
SUBSCRIPTION = "22222222-2222-2222-2222-222222222222"
FEDERATED_TOKEN = "projected-service-account-token"


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


class ScriptedArm:
    """Answers ARM requests from a queue; every request is logged so tests can count POSTs."""

    def __init__(self, tmp: Path) -> None:
        self.ca = trustme.CA()
        self.ca_file = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.answers: list[Answer | Callable[[Seen], Answer]] = []
        self.seen: list[Seen] = []
        self.tokens_issued = 0
        self.token_forms: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"https://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def arm_requests(self, method: str | None = None) -> list[Seen]:
        return [s for s in self.seen if method is None or s.method == method]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.endswith("/.well-known/openid-configuration"):
            base = self.base_url + f"/{TENANT}"
            return web.json_response(
                {
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "issuer": f"{base}/v2.0",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "tenant_region_scope": None,
                }
            )
        if path.endswith("/oauth2/v2.0/token"):
            form = await request.post()
            self.token_forms.append(dict(form))
            federated = form.get("client_assertion") == FEDERATED_TOKEN
            if form.get("client_secret") != CLIENT_SECRET and not federated:
                return web.json_response({"error": "invalid_client"}, status=401)
            self.tokens_issued += 1
            return web.json_response(
                {"token_type": "Bearer", "expires_in": 3600, "access_token": "arm-token"}
            )
        raw = await request.read()
        seen = Seen(
            method=request.method,
            path=path,
            query=dict(request.query),
            body=json.loads(raw) if raw else None,
            authorization=request.headers.get("Authorization", ""),
        )
        self.seen.append(seen)
        if not self.answers:
            return web.json_response(
                {"error": {"code": "NoScript", "message": "nothing scripted"}}, status=599
            )
        next_answer = self.answers.pop(0)
        answer = next_answer(seen) if callable(next_answer) else next_answer
        if answer.drop_connection:
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        if answer.body is None:
            return web.Response(status=answer.status, headers=answer.headers)
        return web.json_response(answer.body, status=answer.status, headers=answer.headers)


IDENTITY = ClientSecret(tenant_id=TENANT, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def vault_config(arm: ScriptedArm) -> VaultConfig:
    """The vault the adapter tests read, at the scripted ARM endpoint, trusting its CA."""
    return VaultConfig(
        subscription_id=SUBSCRIPTION,
        resource_group="rg-dr",
        vault="vault-dr",
        fabric="cs-fabric",
        endpoint=arm.base_url,
        authority=arm.base_url,
        ca_file=str(arm.ca_file),
        disable_instance_discovery=True,
    )
