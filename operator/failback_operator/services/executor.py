"""Carries out the state machine's StartOperation through the Site Recovery adapter, exactly once.

It asks in domain terms (reprotect an item with the plan's values, fail an item or a group back
at a recovery point); the adapter alone builds the SDK bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from failback_operator.api.resources import RecoveryPoint
from failback_operator.api.vocabulary import Operation
from failback_operator.azure import (
    AuthenticationFailed,
    Refused,
    SiteRecovery,
    SiteRecoveryError,
    StartedOperation,
    Throttled,
    Transient,
)
from failback_operator.facts import Architecture, FailbackFacts, PlanDeclaration, ProtectedItem
from failback_operator.facts.reprotect import ReprotectToAzureValues, ReprotectValues
from failback_operator.gathering.spec_facts import recovery_point_type
from failback_operator.rules.reprotect_input import (
    group_reprotect_values,
    resolve_reprotect_to_azure_values,
    resolve_reprotect_values,
)
from failback_operator.workflow import CallOutcome, StartOperation

__all__ = ["OperationContext", "execute", "operation_context"]


@dataclass(frozen=True, kw_only=True, slots=True)
class OperationContext:
    """What a call needs besides the action: architecture, recovery point, reprotect values, items."""

    architecture: Architecture
    recovery_point: RecoveryPoint
    reprotect_values: ReprotectValues
    items: Mapping[str, ProtectedItem]
    reprotect_to_azure_values: ReprotectToAzureValues | None = None


def operation_context(
    architecture: Architecture,
    recovery_point: RecoveryPoint,
    facts: FailbackFacts,
    plan: PlanDeclaration,
    items: Mapping[str, ProtectedItem],
) -> OperationContext:
    """What a plan's calls are made with, resolved once per look from the plan's facts."""
    # FB030: every item of the plan is reprotected with the same values (FB029), resolved once.
    grouped = group_reprotect_values(facts, plan)
    values = grouped[0][1] if grouped else resolve_reprotect_values(facts, plan)
    return OperationContext(
        architecture=architecture,
        recovery_point=recovery_point,
        reprotect_values=values,
        items=items,
        reprotect_to_azure_values=resolve_reprotect_to_azure_values(facts, plan, values),
    )


async def _start(
    site_recovery: SiteRecovery, action: StartOperation, context: OperationContext
) -> StartedOperation:
    plan = action.recovery_plan
    item = context.items.get(action.items[0]) if action.items else None
    point = recovery_point_type(context.recovery_point, context.architecture)
    if plan is not None and action.operation in (Operation.FAILOVER, Operation.COMMIT, Operation.CANCEL):
        if action.operation == Operation.COMMIT:
            return await site_recovery.start_plan_commit(plan)
        if action.operation == Operation.CANCEL:
            return await site_recovery.start_plan_cancel(plan)
        return await site_recovery.fail_back_group(plan, point)
    if item is None:
        raise Refused(
            f"item {', '.join(action.items)} is not listed by the vault", operation=action.operation.lower()
        )
    match action.operation:
        case Operation.REPROTECT:
            return await site_recovery.reprotect(item, context.reprotect_values)
        case Operation.REPROTECT_TO_AZURE:
            if context.reprotect_to_azure_values is None:
                raise ValueError("reprotect to Azure: values were not resolved")
            return await site_recovery.reprotect_to_azure(item, context.reprotect_to_azure_values)
        case Operation.FAILOVER:
            return await site_recovery.fail_back(item, point)
        case Operation.COMMIT:
            return await site_recovery.start_commit(item)
        case _:
            return await site_recovery.start_cancel(item)


async def execute(
    site_recovery: SiteRecovery, action: StartOperation, context: OperationContext
) -> CallOutcome:
    """Make the call once and say what came of it; never retries a mutating call."""
    try:
        started = await _start(site_recovery, action, context)
    except ValueError as error:  # incomplete reprotect values: nothing was sent
        # FB029 names the values of the reprotect back; the way to Azure has no rule of its own.
        code = "FB029" if action.operation == Operation.REPROTECT else None
        return CallOutcome(refused=True, code=code, message=str(error))
    except Throttled as error:
        wait = timedelta(seconds=error.retry_after)
        return CallOutcome(not_sent=True, code=error.code, message=str(error), retry_after=wait)
    except (Transient, AuthenticationFailed) as error:
        return CallOutcome(not_sent=True, code=error.code, message=str(error))
    except Refused as error:
        return CallOutcome(refused=True, code=error.code, message=str(error))
    except SiteRecoveryError as error:  # OperationOutcomeUnknown and anything unclassified
        return CallOutcome(message=str(error))
    return CallOutcome(job_name=started.job_id)
