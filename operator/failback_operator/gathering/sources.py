"""Where and as whom to read: a RecoveryVault or VCenter object and its Secret, turned into an adapter source.

Shared by every service that reads Site Recovery or vCenter, so that a vault's CA bundle is
written to disk once for the operator's life and credentials are read from Secrets in one way.
Errors name the object, the Secret and the key, never a value.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from failback_operator.api.resources import CredentialsType, RecoveryVaultSpec, VCenterSpec
from failback_operator.azure import ClientSecret, WorkloadIdentity
from failback_operator.gathering import (
    SiteRecoverySource,
    VCenterSource,
    client_secret_from_secret,
    vault_config,
    vcenter_endpoint,
    vcenter_login_from_secret,
)
from failback_operator.storage.kube import KubeStore

__all__ = ["SourceResolver"]


class SourceResolver:
    """Turns RecoveryVault and VCenter objects into the sources `gathering` reads from."""

    def __init__(self, store: KubeStore) -> None:
        self._store = store
        self._ca_dir = Path(tempfile.mkdtemp(prefix="failback-ca-"))

    def ca_file(self, pem: str | None) -> str | None:
        """A CA bundle as a private file that lives as long as the operator (one per distinct bundle)."""
        if not pem:
            return None
        path = self._ca_dir / f"{hashlib.sha256(pem.encode()).hexdigest()[:16]}.pem"
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(pem)
        return str(path)

    async def identity(self, spec: RecoveryVaultSpec) -> ClientSecret | WorkloadIdentity:
        """The vault's service principal from its Secret, or the operator's workload identity."""
        if spec.credentials.type == CredentialsType.WORKLOAD_IDENTITY:
            return WorkloadIdentity()
        assert spec.credentials.secret_ref is not None  # the CRD requires it for a service principal
        name = spec.credentials.secret_ref.name
        return client_secret_from_secret(name, await self._store.secret_data(name))

    async def site_recovery(self, vault: Mapping[str, Any]) -> tuple[RecoveryVaultSpec, SiteRecoverySource]:
        """The RecoveryVault's spec and the source to read its vault with.

        Raises NotFoundError for a missing Secret and ValueError (SecretDataError) for a bad one.
        """
        spec = RecoveryVaultSpec.model_validate(vault["spec"])
        config = vault_config(spec, ca_file=self.ca_file(spec.cloud.ca_bundle))
        return spec, SiteRecoverySource(config=config, identity=await self.identity(spec))

    async def vcenter(self, vcenter: Mapping[str, Any]) -> tuple[VCenterSpec, VCenterSource]:
        """The VCenter's spec and the source to read it with, the declared run-as user included (FB005).

        Raises NotFoundError for a missing Secret and ValueError (SecretDataError) for a bad one.
        """
        spec = VCenterSpec.model_validate(vcenter["spec"])
        secret = spec.credentials_secret_ref.name
        login = vcenter_login_from_secret(secret, await self._store.secret_data(secret))
        source = VCenterSource(
            endpoint=vcenter_endpoint(spec, login), name=spec.host, run_as_user=spec.run_as_user
        )
        return spec, source
