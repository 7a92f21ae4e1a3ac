"""Carries out the state machine's StartOperation through the Site Recovery adapter, exactly once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from failback_operator.api.resources import RecoveryPoint
from failback_operator.api.vocabulary import Operation
from failback_operator.azure.errors import (
    AuthenticationFailed,
    Refused,
    SiteRecoveryError,
    Throttled,
    Transient,
)
from failback_operator.azure.inputs import (
    ClassicRecoveryPoint,
    ModernizedRecoveryPoint,
    classic_failback_input,
    classic_group_failback_input,
    modernized_failback_input,
    modernized_group_failback_input,
    reprotect_input,
    reprotect_to_azure_input,
)
from failback_operator.azure.site_recovery import SiteRecovery, StartedOperation
from failback_operator.facts import Architecture, ProtectedItem
from failback_operator.rules.reprotect_input import ReprotectToAzureValues, ReprotectValues
from failback_operator.workflow import CallOutcome, StartOperation

__all__ = ["OperationContext", "classic_recovery_point", "execute", "modernized_recovery_point"]


@dataclass(frozen=True, kw_only=True, slots=True)
class OperationContext:
    """What a call needs besides the action: architecture, recovery point, reprotect values, items."""

    architecture: Architecture
    recovery_point: RecoveryPoint
    reprotect_values: ReprotectValues
    items: Mapping[str, ProtectedItem]
    reprotect_to_azure_values: ReprotectToAzureValues | None = None


def classic_recovery_point(recovery_point: RecoveryPoint) -> ClassicRecoveryPoint:
    """The API's recovery point as the classic (InMage) provider spells it."""
    return "LatestTime" if recovery_point == RecoveryPoint.LATEST else "LatestTag"


def modernized_recovery_point(recovery_point: RecoveryPoint) -> ModernizedRecoveryPoint:
    """The API's recovery point as the modernized (InMageRcmFailback) provider spells it."""
    return "CrashConsistent" if recovery_point == RecoveryPoint.LATEST else "ApplicationConsistent"


async def _start(
    site_recovery: SiteRecovery, action: StartOperation, context: OperationContext
) -> StartedOperation:
    plan = action.recovery_plan
    item = context.items.get(action.items[0]) if action.items else None
    modernized = context.architecture == Architecture.MODERNIZED
    if plan is not None and action.operation in (Operation.FAILOVER, Operation.COMMIT, Operation.CANCEL):
        if action.operation == Operation.COMMIT:
            return await site_recovery.start_plan_commit(plan)
        if action.operation == Operation.CANCEL:
            return await site_recovery.start_plan_cancel(plan)
        if modernized:
            body = modernized_group_failback_input(modernized_recovery_point(context.recovery_point))
            return await site_recovery.start_plan_planned_failover(plan, body)
        classic_body = classic_group_failback_input(classic_recovery_point(context.recovery_point))
        return await site_recovery.start_plan_unplanned_failover(plan, classic_body)
    if item is None:
        raise Refused(
            f"item {', '.join(action.items)} is not listed by the vault", operation=action.operation.lower()
        )
    match action.operation:
        case Operation.REPROTECT:
            return await site_recovery.start_reprotect(item, reprotect_input(context.reprotect_values))
        case Operation.REPROTECT_TO_AZURE:
            if context.reprotect_to_azure_values is None:
                raise ValueError("reprotect to Azure: values were not resolved")
            body_to_azure = reprotect_to_azure_input(context.reprotect_to_azure_values)
            return await site_recovery.start_reprotect(item, body_to_azure)
        case Operation.FAILOVER if modernized:
            body_item = modernized_failback_input(modernized_recovery_point(context.recovery_point))
            return await site_recovery.start_planned_failover(item, body_item)
        case Operation.FAILOVER:
            return await site_recovery.start_unplanned_failover(
                item, classic_failback_input(classic_recovery_point(context.recovery_point))
            )
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
        return CallOutcome(refused=True, code="FB029", message=str(error))
    except (Throttled, Transient, AuthenticationFailed) as error:
        return CallOutcome(not_sent=True, code=error.code, message=str(error))
    except Refused as error:
        return CallOutcome(refused=True, code=error.code, message=str(error))
    except SiteRecoveryError as error:  # OperationOutcomeUnknown and anything unclassified
        return CallOutcome(message=str(error))
    return CallOutcome(job_name=started.job_id)
