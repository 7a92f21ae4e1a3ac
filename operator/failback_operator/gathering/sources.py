"""Where and as whom to read: a RecoveryVault or VCenter object and its Secret, turned into an adapter source.

Shared by every service that reads Site Recovery or vCenter, so that a vault's CA bundle is
written to disk once for the operator's life and credentials are read from Secrets in one way.
Errors name the object, the Secret and the key, never a value. Looks that only read (plans, the
vault poller, master targets) resolve a vault or vCenter by name and share the answer for a few
seconds: a thousand plans' looks would otherwise read the same object and Secret a thousand times.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

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

T = TypeVar("T")


class SourceResolver:
    """Turns RecoveryVault and VCenter objects into the sources `gathering` reads from.

    `settled_seconds`: how long a source resolved by name (`site_recovery_named`, `vcenter_named`)
    is shared; 0 reads the object and its Secret at every call.
    """

    def __init__(
        self,
        store: KubeStore,
        settled_seconds: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ca_dir = Path(tempfile.mkdtemp(prefix="failback-ca-"))
        self._ca_files: dict[str, str] = {}
        self._settled_seconds = settled_seconds
        self._monotonic = monotonic
        self._settled: dict[tuple[str, str], tuple[float, Any]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def ca_file(self, pem: str | None) -> str | None:
        """A CA bundle as a private file that lives as long as the operator (one per distinct bundle)."""
        if not pem:
            return None
        known = self._ca_files.get(pem)
        if known is not None:
            return known
        path = self._ca_dir / f"{hashlib.sha256(pem.encode()).hexdigest()[:16]}.pem"
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(pem)
        self._ca_files[pem] = str(path)
        return str(path)

    async def _settled_read(self, key: tuple[str, str], resolve: Callable[[], Awaitable[T]]) -> T:
        """`resolve()`, shared for `settled_seconds` and by the callers that ask meanwhile.

        A failure is not kept: the next caller reads again (a Secret just created is seen at once).
        """
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            kept = self._settled.get(key)
            if kept is not None and self._monotonic() - kept[0] < self._settled_seconds:
                value: T = kept[1]
                return value
            fresh = await resolve()
            if self._settled_seconds > 0:
                self._settled[key] = (self._monotonic(), fresh)
            return fresh

    async def site_recovery_named(self, name: str) -> tuple[RecoveryVaultSpec, SiteRecoverySource]:
        """The named RecoveryVault's spec and source, shared for a few seconds (reads only)."""

        async def resolve() -> tuple[RecoveryVaultSpec, SiteRecoverySource]:
            return await self.site_recovery(await self._store.get("recoveryvaults", name))

        return await self._settled_read(("recoveryvaults", name), resolve)

    async def vcenter_named(self, name: str) -> tuple[VCenterSpec, VCenterSource]:
        """The named VCenter's spec and source, shared for a few seconds (reads only)."""

        async def resolve() -> tuple[VCenterSpec, VCenterSource]:
            return await self.vcenter(await self._store.get("vcenters", name))

        return await self._settled_read(("vcenters", name), resolve)

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
