"""RecoveryVault handlers: one daemon per vault keeps its status current (Connected, heartbeat, policy)."""

from __future__ import annotations

from typing import Any

import kopf

from failback_operator.handlers.polling import look_until_stopped
from failback_operator.runtime import OperatorRuntime
from failback_operator.storage.kube import GROUP, VERSION

__all__ = ["vault_spec_changed", "watch_vault"]


@kopf.daemon(GROUP, VERSION, "recoveryvaults", cancellation_timeout=30)
async def watch_vault(name: str, stopped: kopf.DaemonStopped, memo: Any, logger: Any, **_: Any) -> None:
    """Look now, then every poll interval (sooner after a failed read), until the object goes."""
    runtime: OperatorRuntime = memo.runtime
    await look_until_stopped(
        lambda: runtime.vaults.look(name),
        wake=runtime.infrastructure_wake_event("recoveryvaults", name),
        stopped=stopped,
        retry=runtime.reconcile.retry,
        logger=logger,
        what=f"RecoveryVault {name}",
    )


@kopf.on.update(GROUP, VERSION, "recoveryvaults", field="spec")
async def vault_spec_changed(name: str, memo: Any, **_: Any) -> None:
    """A person changed the spec: look now rather than at the next poll."""
    runtime: OperatorRuntime = memo.runtime
    runtime.infrastructure_wake_event("recoveryvaults", name).set()
