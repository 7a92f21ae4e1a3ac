"""FailbackPlan handlers: one daemon per plan is the plan's only status writer."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import kopf

from failback_operator.handlers.kept_bodies import drop_managed_fields
from failback_operator.handlers.polling import look_until_stopped
from failback_operator.metrics import METRICS
from failback_operator.runtime import OperatorRuntime
from failback_operator.services.failures import tell_failure
from failback_operator.storage.kube import GROUP, VERSION, NotFoundError

__all__ = ["approval_changed", "drive_plan", "index_plan", "plan_deleted", "spec_changed"]

log = logging.getLogger(__name__)
_JUDGED_AGAIN = "the approval's next event judges it again"


@kopf.daemon(GROUP, VERSION, "failbackplans", cancellation_timeout=30)
async def drive_plan(
    name: str,
    namespace: str | None,
    spec: Any,
    stopped: kopf.DaemonStopped,
    memo: Any,
    logger: Any,
    **_: Any,
) -> None:
    """Look at the plan, sleep until the state machine's next look or a wake-up, repeat."""
    runtime: OperatorRuntime = memo.runtime
    assert namespace is not None  # FailbackPlan is namespaced
    _wake_master_target(runtime, spec)
    await _judge_approvals(runtime, namespace, name)
    await look_until_stopped(
        # Between a look's calls the daemon's stop is asked: a stopping operator makes no more.
        lambda: runtime.plans.look(namespace, name, still_wanted=lambda: not stopped),
        wake=runtime.wake_event(namespace, name),
        stopped=stopped,
        retry=runtime.settings.active_poll,
        # Not Kopf's object logger: the plan's own LookFailed Event is the one Event per change.
        logger=log,
        what=f"FailbackPlan {namespace}/{name}",
    )


async def _judge_approvals(runtime: OperatorRuntime, namespace: str, plan: str, gone: bool = False) -> None:
    """The plan's approvals say again whether they count (the plan appeared, changed or is going).

    Never in the plan's way: a failure is logged, and the approval's next event judges it again.
    """
    if runtime.approvals is None:
        return
    try:
        await runtime.approvals.look_for_plan(namespace, plan, gone=gone)
    except Exception as error:
        tell_failure(log, f"judging the approvals of FailbackPlan {namespace}/{plan}", error, _JUDGED_AGAIN)


def _wake_master_target(runtime: OperatorRuntime, spec: Any) -> None:
    """The plan's master target looks now: it waits for the retention drives its plans want (FB022)."""
    master_target = (spec or {}).get("masterTargetRef", {}).get("name")
    if master_target:
        runtime.infrastructure_wake_event("mastertargets", master_target).set()


@kopf.on.event(GROUP, VERSION, "failbackplans")
async def index_plan(
    type: str | None, body: Any, name: str, namespace: str | None, memo: Any, event: Any = None, **_: Any
) -> None:
    """Keep the plan index from the watch: looks and the vault poller read it instead of listing plans."""
    drop_managed_fields(event)  # out of the body Kopf keeps for the plan's daemon
    runtime: OperatorRuntime = memo.runtime
    if type == "DELETED":
        runtime.plan_index.deleted(namespace or "", name)
    elif body:
        hurry = runtime.plan_index.seen(body)
        vault = ((body.get("spec") or {}).get("vaultRef") or {}).get("name")
        if hurry and vault and runtime.vault_poller is not None:
            # The plan started a job: the vault's poller looks for it now, and then for its end.
            runtime.vault_poller.hurry(vault, hurry)
            runtime.infrastructure_wake_event("vault-poller", vault).set()


@kopf.on.update(GROUP, VERSION, "failbackplans", field="spec")
async def spec_changed(name: str, namespace: str | None, spec: Any, memo: Any, **_: Any) -> None:
    """A person changed the plan (action, run, window): look now, and its master target too."""
    runtime: OperatorRuntime = memo.runtime
    if namespace is not None:
        runtime.wake(namespace, name)
        await _judge_approvals(runtime, namespace, name)
    _wake_master_target(runtime, spec)


@kopf.on.event(GROUP, VERSION, "failbackapprovals")
async def approval_changed(
    spec: Any, body: Any, name: str, namespace: str | None, type: str | None, memo: Any, **_: Any
) -> None:
    """An approval appeared, changed or went away: its plan looks now, and its status says if it counts."""
    runtime: OperatorRuntime = memo.runtime
    if runtime.approval_index is not None:
        # Kept first, so that the look woken below reads the approval as it is now.
        if type == "DELETED":
            runtime.approval_index.deleted(namespace or "", name)
        elif body:
            runtime.approval_index.seen(body)
    plan = (spec or {}).get("planRef", {}).get("name")
    if plan and namespace is not None:
        runtime.wake(namespace, plan)
        if type != "DELETED" and runtime.approvals is not None:
            try:
                await runtime.approvals.look(namespace, name)
            except Exception as error:
                # Not Kopf's traceback per event while the API server restarts.
                tell_failure(log, f"judging FailbackApproval {namespace}/{name}", error, _JUDGED_AGAIN)


@kopf.on.delete(GROUP, VERSION, "failbackplans")
async def plan_deleted(spec: Any, name: str, namespace: str | None, memo: Any, logger: Any, **_: Any) -> None:
    """Release the plan's disk slots at once; Site Recovery jobs in flight go on without the plan."""
    runtime: OperatorRuntime = memo.runtime
    master_target = (spec or {}).get("masterTargetRef", {}).get("name")
    if namespace is None:
        return
    if master_target:
        with contextlib.suppress(NotFoundError):
            await runtime.ledger.release(master_target, namespace, name)
    runtime.forget(namespace, name)
    METRICS.forget_plan(namespace, name)
    await _judge_approvals(runtime, namespace, name, gone=True)
    logger.info("FailbackPlan %s/%s deleted; its disk slot reservation is released", namespace, name)
