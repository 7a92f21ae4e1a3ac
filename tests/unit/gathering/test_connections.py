"""Vault coordinates and vCenter endpoints from the specs; the cloud settings reach a private endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from failback_operator.api.resources import RecoveryVaultSpec, VCenterSpec
from failback_operator.gathering.connections import (
    ca_bundle_file,
    credential_scope,
    vault_config,
    vcenter_endpoint,
)
from failback_operator.gathering.credentials import VCenterLogin

VAULT = {
    "subscriptionId": "b8aef8e1-37df-4f17-a537-f10e183c8eca",
    "resourceGroup": "PwsTestRG",
    "vaultName": "PwsTestVault",
    "configurationServer": "9a60d28b65543435",
    "credentials": {"type": "ServicePrincipal", "secretRef": {"name": "sp"}},
}


def test_public_cloud_by_default() -> None:
    config = vault_config(RecoveryVaultSpec.model_validate(VAULT))

    assert config.subscription_id == VAULT["subscriptionId"]
    assert config.resource_group == "PwsTestRG"
    assert config.vault == "PwsTestVault"
    assert config.fabric == "9a60d28b65543435"
    assert config.endpoint == "https://management.azure.com"
    assert config.authority == "https://login.microsoftonline.com"
    assert config.credential_scopes == ("https://management.azure.com/.default",)
    assert config.ca_file is None
    assert config.disable_instance_discovery is False


def test_national_cloud_keeps_instance_discovery() -> None:
    spec = RecoveryVaultSpec.model_validate(
        {
            **VAULT,
            "cloud": {
                "resourceManager": "https://management.usgovcloudapi.net",
                "authority": "https://login.microsoftonline.us",
                "audience": "https://management.usgovcloudapi.net/",
            },
        }
    )
    config = vault_config(spec)
    assert config.disable_instance_discovery is False
    assert config.credential_scopes == ("https://management.usgovcloudapi.net/.default",)


def test_private_endpoint_and_ca() -> None:
    spec = RecoveryVaultSpec.model_validate(
        {
            **VAULT,
            "cloud": {"resourceManager": "https://127.0.0.1:8443/", "authority": "https://127.0.0.1:8443"},
        }
    )
    config = vault_config(spec, ca_file="/tmp/ca.pem")
    assert config.endpoint == "https://127.0.0.1:8443"
    assert config.authority == "https://127.0.0.1:8443"
    assert config.ca_file == "/tmp/ca.pem"
    # A private authority publishes no instance metadata.
    assert config.disable_instance_discovery is True


def test_plain_http_endpoint_is_refused() -> None:
    spec = RecoveryVaultSpec.model_validate({**VAULT, "cloud": {"resourceManager": "http://127.0.0.1:8080"}})
    with pytest.raises(ValidationError, match="https://"):
        vault_config(spec)


def test_credential_scope() -> None:
    assert credential_scope("https://management.azure.com") == "https://management.azure.com/.default"
    assert credential_scope("https://management.azure.com/") == "https://management.azure.com/.default"


def test_ca_bundle_file_is_private_and_removed() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    with ca_bundle_file(pem) as name:
        assert name is not None
        path = Path(name)
        assert path.read_text(encoding="utf-8") == pem
        assert path.stat().st_mode & 0o077 == 0
    assert not path.exists()
    with ca_bundle_file(None) as nothing:
        assert nothing is None


def test_vcenter_endpoint_with_thumbprint() -> None:
    spec = VCenterSpec.model_validate(
        {
            "host": "vcenter.example.internal",
            "credentialsSecretRef": {"name": "vc"},
            "tls": {"thumbprint": "3A:5F:0C:9B:11:42:7E:D4:88:01:6C:AA:5B:93:F2:0D:47:61:C8:E9"},
        }
    )
    endpoint = vcenter_endpoint(spec, VCenterLogin(username="reader", password="pw-value"))
    assert endpoint.address == "vcenter.example.internal:443"
    assert endpoint.user == "reader"
    assert endpoint.thumbprint is not None
    assert endpoint.ca_data is None
    assert endpoint.insecure is False
    assert "pw-value" not in repr(endpoint)


def test_vcenter_endpoint_with_ca_bundle() -> None:
    spec = VCenterSpec.model_validate(
        {"host": "10.0.0.5", "port": 8443, "credentialsSecretRef": {"name": "vc"}, "tls": {"caBundle": "PEM"}}
    )
    endpoint = vcenter_endpoint(spec, VCenterLogin(username="reader", password="pw"))
    assert endpoint.port == 8443
    assert endpoint.ca_data == "PEM"
    assert endpoint.thumbprint is None
