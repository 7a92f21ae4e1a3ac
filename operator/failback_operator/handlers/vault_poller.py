"""The per-vault poller: one daemon per RecoveryVault wakes that vault's plans when Site Recovery changes."""

from __future__ import annotations

from typing import Any

import kopf

from failback_operator.handlers.polling import look_until_stopped
from failback_operator.runtime import OperatorRuntime
from failback_operator.storage.kube import GROUP, VERSION

__all__ = ["poll_vault"]


@kopf.daemon(GROUP, VERSION, "recoveryvaults", id="poll-vault", cancellation_timeout=30)
async def poll_vault(name: str, stopped: kopf.DaemonStopped, memo: Any, logger: Any, **_: Any) -> None:
    """Read the vault's items and jobs at their paces; wake the plans a change concerns."""
    runtime: OperatorRuntime = memo.runtime
    poller = runtime.vault_poller
    assert poller is not None  # build_runtime always sets it
    await look_until_stopped(
        lambda: poller.poll(name),
        wake=runtime.infrastructure_wake_event("vault-poller", name),
        stopped=stopped,
        retry=runtime.reconcile.retry,
        logger=logger,
        what=f"the items and jobs of RecoveryVault {name}",
    )
