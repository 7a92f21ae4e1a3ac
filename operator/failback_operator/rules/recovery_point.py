"""FB030: which point in time a replication group fails back to, as Microsoft documents it.

Microsoft's failback article (VMware, classic): "If you select the latest processed point in time
... each virtual machine of the replication group fails over to its independent latest point in
time"; with the application-consistent point, "each replication group recovers to its common
available recovery point". A modernized recovery plan failover is sent with useMultiVmSyncPoint
Enable, so its machines use the group's multi-VM sync point.
"""

from __future__ import annotations

from dataclasses import dataclass

from failback_operator.facts import Architecture, RecoveryPointType

__all__ = ["GroupRecoveryPoint", "group_recovery_point"]


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupRecoveryPoint:
    """The recovery point sent for a group, whether it is one point for all its machines, and why."""

    type: RecoveryPointType
    common_to_group: bool
    explanation: str


def group_recovery_point(
    point: RecoveryPointType, architecture: Architecture, machines: int
) -> GroupRecoveryPoint:
    """What failing back `machines` machines of one group to `point` gives them."""
    if machines <= 1:
        kind = "application-consistent" if point in _APP_CONSISTENT else "latest (crash-consistent)"
        return GroupRecoveryPoint(type=point, common_to_group=True, explanation=f"its {kind} point ({point})")
    if architecture is Architecture.MODERNIZED:
        return GroupRecoveryPoint(
            type=point,
            common_to_group=True,
            explanation=f"the group's common multi-VM sync point ({point}, useMultiVmSyncPoint Enable)",
        )
    if point is RecoveryPointType.LATEST_TAG:
        return GroupRecoveryPoint(
            type=point,
            common_to_group=True,
            explanation="the group's common application-consistent point (LatestTag)",
        )
    return GroupRecoveryPoint(
        type=point,
        common_to_group=False,
        explanation=(
            "each machine its own latest point in time (LatestTime), not one point common to the group; "
            "set spec.recoveryPoint to LatestApplicationConsistent for the group's common "
            "application-consistent point (FB030)"
        ),
    )


_APP_CONSISTENT = frozenset({RecoveryPointType.LATEST_TAG, RecoveryPointType.APPLICATION_CONSISTENT})
