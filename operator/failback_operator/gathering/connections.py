"""Where to reach Site Recovery and vCenter, from the RecoveryVault and VCenter specs.

The RecoveryVault's `cloud` settings override the Resource Manager endpoint, the Entra ID
authority, the token audience and the trusted CA: a sovereign cloud, Azure Stack or the project's
simulator is reached that way. An authority outside Azure's public and national clouds publishes
no instance-discovery metadata, so discovery is turned off for it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from azure.identity import AzureAuthorityHosts

from failback_operator.api.resources import RecoveryVaultSpec, VCenterSpec
from failback_operator.azure import VaultConfig
from failback_operator.gathering.credentials import VCenterLogin
from failback_operator.vsphere import VCenterEndpoint

__all__ = ["ca_bundle_file", "credential_scope", "vault_config", "vcenter_endpoint"]

_KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        AzureAuthorityHosts.AZURE_CHINA,
        AzureAuthorityHosts.AZURE_GOVERNMENT,
    }
)


def _host(url: str) -> str:
    parsed = urlparse(url if "://" in url else f"https://{url}")
    return (parsed.hostname or "").casefold()


def credential_scope(audience: str) -> str:
    """The token scope for a Resource Manager audience (`https://management.azure.com/.default`)."""
    return f"{audience.rstrip('/')}/.default"


def vault_config(spec: RecoveryVaultSpec, *, ca_file: str | None = None) -> VaultConfig:
    """The adapter's vault coordinates; `ca_file` holds `spec.cloud.caBundle` written to disk."""
    cloud = spec.cloud
    return VaultConfig(
        subscription_id=spec.subscription_id,
        resource_group=spec.resource_group,
        vault=spec.vault_name,
        fabric=spec.configuration_server,
        endpoint=cloud.resource_manager,
        authority=cloud.authority,
        credential_scopes=(credential_scope(cloud.audience),),
        ca_file=ca_file,
        disable_instance_discovery=_host(cloud.authority) not in _KNOWN_AUTHORITY_HOSTS,
    )


@contextlib.contextmanager
def ca_bundle_file(pem: str | None) -> Iterator[str | None]:
    """A PEM bundle as a private temporary file for the SDK's `connection_verify`, removed afterwards."""
    if not pem:
        yield None
        return
    descriptor, name = tempfile.mkstemp(prefix="failback-ca-", suffix=".pem")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(pem)
        yield name
    finally:
        Path(name).unlink(missing_ok=True)


def vcenter_endpoint(spec: VCenterSpec, login: VCenterLogin) -> VCenterEndpoint:
    """The vCenter to log in to, trusting the CA bundle or thumbprint its spec names (else the system's)."""
    tls = spec.tls
    return VCenterEndpoint(
        host=spec.host,
        port=spec.port,
        user=login.username,
        password=login.password,
        ca_data=tls.ca_bundle if tls else None,
        thumbprint=tls.thumbprint if tls else None,
    )
