"""MasterTarget handlers: one daemon per master target keeps its prerequisites and disk slots current."""

from __future__ import annotations

from typing import Any

import kopf

from failback_operator.handlers.kept_bodies import drop_managed_fields
from failback_operator.handlers.polling import look_until_stopped
from failback_operator.runtime import OperatorRuntime
from failback_operator.storage.kube import GROUP, VERSION

__all__ = ["master_target_event", "master_target_spec_changed", "watch_master_target"]


@kopf.daemon(GROUP, VERSION, "mastertargets", cancellation_timeout=30)
async def watch_master_target(
    name: str, stopped: kopf.DaemonStopped, memo: Any, logger: Any, **_: Any
) -> None:
    """Look now, then every poll interval (sooner after a failed read), until the object goes."""
    runtime: OperatorRuntime = memo.runtime
    await look_until_stopped(
        lambda: runtime.master_targets.look(name),
        wake=runtime.infrastructure_wake_event("mastertargets", name),
        stopped=stopped,
        retry=runtime.reconcile.retry,
        logger=logger,
        what=f"MasterTarget {name}",
    )


@kopf.on.update(GROUP, VERSION, "mastertargets", field="spec")
async def master_target_spec_changed(name: str, memo: Any, **_: Any) -> None:
    """A person changed the spec: look now rather than at the next poll."""
    runtime: OperatorRuntime = memo.runtime
    runtime.infrastructure_wake_event("mastertargets", name).set()


@kopf.on.event(GROUP, VERSION, "mastertargets")
async def master_target_event(event: Any, **_: Any) -> None:
    """Drop the managed fields from the body Kopf keeps for the master target's daemon."""
    drop_managed_fields(event)
