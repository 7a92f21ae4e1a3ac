"""Credentials from Kubernetes Secret data: the vault's service principal and the vCenter login.

The keys are the ones the examples use (`tenantId`, `clientId`, `clientSecret`; `username`,
`password`). Values never appear in a repr or an error message: errors name the Secret and the key.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from failback_operator.azure import ClientSecret
from failback_operator.errors import FailbackOperatorError

__all__ = [
    "SERVICE_PRINCIPAL_KEYS",
    "VCENTER_LOGIN_KEYS",
    "SecretDataError",
    "VCenterLogin",
    "client_secret_from_secret",
    "secret_values",
    "vcenter_login_from_secret",
]

SERVICE_PRINCIPAL_KEYS = ("tenantId", "clientId", "clientSecret")
VCENTER_LOGIN_KEYS = ("username", "password")


class SecretDataError(FailbackOperatorError, ValueError):
    """A Secret lacks a key the credentials need, or holds data that is not base64 text."""

    def __init__(self, secret: str, key: str, problem: str) -> None:
        super().__init__(f"Secret {secret}: {problem} (key {key!r})")
        self.secret = secret
        self.key = key


@dataclass(frozen=True, kw_only=True)
class VCenterLogin:
    """The vCenter user and password from a Secret; the password never shows in a repr."""

    username: str
    password: str = field(repr=False)


def secret_values(name: str, body: Mapping[str, Any]) -> dict[str, str]:
    """The Secret's `data` (base64) decoded and its `stringData` laid over it, as the API server does."""
    values: dict[str, str] = {}
    for key, encoded in (body.get("data") or {}).items():
        try:
            values[str(key)] = base64.b64decode(str(encoded), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise SecretDataError(name, str(key), "data is not base64-encoded UTF-8 text") from None
    for key, value in (body.get("stringData") or {}).items():
        values[str(key)] = str(value)
    return values


def _required(name: str, values: Mapping[str, str], key: str) -> str:
    value = values.get(key)
    if value is None or not value.strip():
        raise SecretDataError(name, key, "a required key is missing or empty")
    return value.strip()


def client_secret_from_secret(name: str, values: Mapping[str, str]) -> ClientSecret:
    """The vault's service principal from the Secret a RecoveryVault's credentials.secretRef names."""
    tenant, client, secret = (_required(name, values, key) for key in SERVICE_PRINCIPAL_KEYS)
    return ClientSecret(tenant_id=tenant, client_id=client, client_secret=SecretStr(secret))


def vcenter_login_from_secret(name: str, values: Mapping[str, str]) -> VCenterLogin:
    """The vCenter login from the Secret a VCenter's credentialsSecretRef names."""
    username = _required(name, values, "username")
    # A password is taken as written: surrounding spaces may belong to it.
    password = values.get("password")
    if not password:
        raise SecretDataError(name, "password", "a required key is missing or empty")
    return VCenterLogin(username=username, password=password)
