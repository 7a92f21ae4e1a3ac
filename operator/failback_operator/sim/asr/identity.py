"""Entra ID endpoints: OpenID discovery and the client-credentials token endpoint azure-identity uses."""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass

from aiohttp import web

from failback_operator.sim.asr.scenario import Identity

__all__ = ["TokenIssuer", "add_identity_routes"]

TOKEN_LIFETIME_SECONDS = 3599


@dataclass(frozen=True)
class _Grant:
    principal: str
    expires: float


class TokenIssuer:
    """Issues opaque bearer tokens to the scenario's one service principal and checks them."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self._lock = threading.Lock()
        self._grants: dict[str, _Grant] = {}

    def issue(self) -> str:
        """A new token for the scenario's client."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._grants[token] = _Grant(self.identity.client_id, time.monotonic() + TOKEN_LIFETIME_SECONDS)
        return token

    def principal(self, token: str) -> str | None:
        """The principal a valid, unexpired token belongs to."""
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or grant.expires < time.monotonic():
            return None
        return grant.principal

    def revoke_all(self) -> None:
        """Invalidate every token issued so far (tests of token refresh)."""
        with self._lock:
            self._grants.clear()


def _aad_error(status: int, error: str, description: str) -> web.Response:
    """An Entra ID error body: the AADSTS number leads the description and is repeated in error_codes."""
    number = re.match(r"AADSTS(\d+)", description)
    codes = [int(number.group(1))] if number else []
    return web.json_response(
        {"error": error, "error_description": description, "error_codes": codes}, status=status
    )


def add_identity_routes(app: web.Application, issuer_key: web.AppKey[TokenIssuer]) -> None:
    """Serve /{tenant}/v2.0/.well-known/openid-configuration and /{tenant}/oauth2/v2.0/token."""

    async def openid_configuration(request: web.Request) -> web.Response:
        issuer = request.app[issuer_key]
        tenant = request.match_info["tenant"]
        if tenant.lower() != issuer.identity.tenant.lower():
            return _aad_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"{request.scheme}://{request.host}/{tenant}"
        return web.json_response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "tenant_region_scope": "EU",
            }
        )

    async def token(request: web.Request) -> web.Response:
        issuer = request.app[issuer_key]
        identity = issuer.identity
        tenant = request.match_info["tenant"]
        if tenant.lower() != identity.tenant.lower():
            return _aad_error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        form = {key: str(value) for key, value in (await request.post()).items()}
        if form.get("grant_type") != "client_credentials":
            return _aad_error(400, "unsupported_grant_type", "AADSTS70003: The grant type is not supported.")
        if form.get("client_id") != identity.client_id:
            return _aad_error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found in the "
                f"directory '{tenant}'.",
            )
        if not secrets.compare_digest(str(form.get("client_secret", "")), identity.client_secret):
            return _aad_error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID.",
            )
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECONDS,
                "ext_expires_in": TOKEN_LIFETIME_SECONDS,
                "access_token": issuer.issue(),
            }
        )

    app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration)
    app.router.add_post("/{tenant}/oauth2/v2.0/token", token)
