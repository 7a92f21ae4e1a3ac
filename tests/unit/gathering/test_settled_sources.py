"""Looks share a vault's or vCenter's object and Secret for a few seconds instead of reading them each."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.gathering.sources import SourceResolver
from failback_operator.storage.kube import NotFoundError

REPO = Path(__file__).resolve().parents[3]


def _example(name: str) -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((REPO / "examples" / name).read_text())
    return found


class CountingStore:
    """The example vault and vCenter with their Secrets; counts every read."""

    def __init__(self) -> None:
        self.objects = {
            "recoveryvaults": _example("20-recoveryvault.yaml"),
            "vcenters": _example("21-vcenter.yaml"),
        }
        self.secrets: dict[str, dict[str, str]] = {}
        self.reads: list[str] = []

    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        self.reads.append(plural)
        await asyncio.sleep(0)  # let concurrent callers pile up behind the first read
        return copy.deepcopy(self.objects[plural])

    async def secret_data(self, name: str, namespace: str | None = None) -> dict[str, str]:
        self.reads.append(f"secret {name}")
        if name not in self.secrets:
            raise NotFoundError(f"Secret {name} not found")
        return dict(self.secrets[name])


def _with_secrets(store: CountingStore) -> CountingStore:
    vault_secret = store.objects["recoveryvaults"]["spec"]["credentials"]["secretRef"]["name"]
    vcenter_secret = store.objects["vcenters"]["spec"]["credentialsSecretRef"]["name"]
    store.secrets[vault_secret] = {"tenantId": "t", "clientId": "c", "clientSecret": "s3cr3t"}
    store.secrets[vcenter_secret] = {"username": "administrator@vsphere.local", "password": "pw"}
    return store


async def test_a_source_by_name_is_read_once_for_the_settled_time() -> None:
    store = _with_secrets(CountingStore())
    clock = [0.0]
    resolver = SourceResolver(store, settled_seconds=5, monotonic=lambda: clock[0])  # type: ignore[arg-type]

    await asyncio.gather(*(resolver.site_recovery_named("vault") for _ in range(20)))
    await asyncio.gather(*(resolver.vcenter_named("vc") for _ in range(20)))
    # Each object and its Secret once, for 40 looks.
    assert sorted(store.reads) == [
        "recoveryvaults",
        "secret pwstestvault-service-principal",
        "secret vcenter-onprem-credentials",
        "vcenters",
    ]

    clock[0] += 5
    _, source = await resolver.site_recovery_named("vault")
    assert len(store.reads) == 6  # read again once the settled time is over
    assert "s3cr3t" in source.secrets


async def test_without_a_settled_time_every_call_reads() -> None:
    store = _with_secrets(CountingStore())
    resolver = SourceResolver(store)  # type: ignore[arg-type]
    for _ in range(3):
        await resolver.vcenter_named("vc")
    assert len(store.reads) == 6


async def test_a_missing_secret_is_not_kept() -> None:
    """Created a moment later, the Secret is seen at the next look, not a settled time later."""
    store = CountingStore()
    resolver = SourceResolver(store, settled_seconds=60, monotonic=lambda: 0.0)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        await resolver.site_recovery_named("vault")
    _with_secrets(store)
    _, source = await resolver.site_recovery_named("vault")
    assert "s3cr3t" in source.secrets


def test_a_ca_bundle_is_written_once() -> None:
    resolver = SourceResolver(CountingStore())  # type: ignore[arg-type]
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    first = resolver.ca_file(pem)
    assert first is not None
    Path(first).unlink()  # no second write: the path is remembered
    assert resolver.ca_file(pem) == first
