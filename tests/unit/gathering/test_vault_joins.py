"""One set of joins per vault, shared by the looks of its plans and master targets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from failback_operator.azure import ClientSecret, VaultConfig
from failback_operator.gathering.vault_reads import SharedVaultReads
from failback_operator.storage import kube

IDENTITY = ClientSecret(tenant_id="t", client_id="c", client_secret=SecretStr("s"))


def _vault(name: str) -> VaultConfig:
    return VaultConfig(subscription_id="s", resource_group="rg", vault=name, fabric="f")


def test_each_vault_has_one_set_of_joins() -> None:
    reads = SharedVaultReads(
        ttl_seconds=10, jobs_since=lambda: datetime.now(UTC), connect=lambda c, i: object()
    )  # type: ignore[arg-type,return-value]
    assert reads.joins(_vault("a"), IDENTITY) is reads.joins(_vault("a"), IDENTITY)
    assert reads.joins(_vault("a"), IDENTITY) is not reads.joins(_vault("b"), IDENTITY)


def test_master_targets_join_through_the_vaults_shared_joins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Master targets look at each of their plans' starts: joining afresh each time was a quarter
    of the operator's CPU at a thousand plans."""
    from failback_operator.runtime import build_runtime

    monkeypatch.setattr(kube, "load_api_client", lambda **_: None)
    runtime = build_runtime({})
    assert runtime.vault_reads is not None
    assert runtime.master_targets.joins is not None
    vault = _vault("a")
    assert runtime.master_targets.joins(vault, IDENTITY) is runtime.vault_reads.joins(vault, IDENTITY)
