"""Credentials from Secret data: the keys of examples/10-secrets.yaml, values never in messages or reprs."""

from __future__ import annotations

import base64

import pytest

from failback_operator.gathering.credentials import (
    SecretDataError,
    client_secret_from_secret,
    secret_values,
    vcenter_login_from_secret,
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_data_is_decoded_and_string_data_wins() -> None:
    body = {
        "data": {"tenantId": b64("t-1"), "clientId": b64("c-1"), "clientSecret": b64("old")},
        "stringData": {"clientSecret": "s3cr3t-value"},
    }
    values = secret_values("sp", body)
    assert values == {"tenantId": "t-1", "clientId": "c-1", "clientSecret": "s3cr3t-value"}


def test_service_principal() -> None:
    identity = client_secret_from_secret(
        "sp", {"tenantId": "t-1", "clientId": "c-1", "clientSecret": "s3cr3t-value\n"}
    )
    assert identity.tenant_id == "t-1"
    assert identity.client_id == "c-1"
    assert identity.client_secret.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(identity)
    assert "s3cr3t-value" not in str(identity)


@pytest.mark.parametrize("missing", ["tenantId", "clientId", "clientSecret"])
def test_service_principal_key_missing_is_named(missing: str) -> None:
    values = {"tenantId": "t-1", "clientId": "c-1", "clientSecret": "s3cr3t-value"}
    values[missing] = "  "
    with pytest.raises(SecretDataError) as raised:
        client_secret_from_secret("sp", values)
    assert raised.value.key == missing
    assert f"Secret sp: a required key is missing or empty (key {missing!r})" == str(raised.value)
    assert "s3cr3t-value" not in str(raised.value)


def test_vcenter_login_keeps_the_password_out_of_repr() -> None:
    login = vcenter_login_from_secret("vc", {"username": "reader@vsphere.local", "password": " p@ss "})
    assert login.username == "reader@vsphere.local"
    assert login.password == " p@ss "  # taken as written
    assert "p@ss" not in repr(login)


@pytest.mark.parametrize("values", [{"password": "x"}, {"username": "u"}, {"username": "u", "password": ""}])
def test_vcenter_login_incomplete(values: dict[str, str]) -> None:
    with pytest.raises(SecretDataError) as raised:
        vcenter_login_from_secret("vc", values)
    assert raised.value.secret == "vc"
    assert raised.value.key in ("username", "password")


def test_data_that_is_not_base64_names_the_key() -> None:
    with pytest.raises(SecretDataError) as raised:
        secret_values("vc", {"data": {"password": "not base64!"}})
    assert raised.value.key == "password"
    assert "not base64!" not in str(raised.value)
