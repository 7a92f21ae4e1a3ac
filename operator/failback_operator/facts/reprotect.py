"""FB029: the values one reprotect sends, resolved by the rules and sent by the Site Recovery adapter."""

from __future__ import annotations

from dataclasses import dataclass

from failback_operator.facts.spec import Architecture

__all__ = ["FAILOVER_DIRECTION", "ReprotectToAzureValues", "ReprotectValues"]

# Reprotect of a failed-over VM always runs from Azure (recovery) back to on-premises (primary).
FAILOVER_DIRECTION = "RecoveryToPrimary"


@dataclass(frozen=True, kw_only=True, slots=True)
class ReprotectValues:
    """What every item of a plan is reprotected with: one master target, one process server, one datastore."""

    architecture: Architecture
    direction: str = FAILOVER_DIRECTION
    master_target_id: str | None = None  # classic masterTargetId / modernized reprotectAgentId
    process_server_id: str | None = None  # classic only
    datastore: str | None = None  # always required, used only when disks must be created
    retention_drive: str | None = None  # as the master target offers it, e.g. "F"
    policy_id: str | None = None  # the failback policy, selected automatically
    run_as_account_id: str | None = None  # classic only
    log_storage_account_id: str | None = None  # modernized only
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every required value is known."""
        return not self.missing


@dataclass(frozen=True, kw_only=True, slots=True)
class ReprotectToAzureValues:
    """What every item of a plan is protected to Azure again with, after its failback was committed.

    As recorded: classic sends the process server as master target and process server
    (InMageAzureV2ReprotectInput), the run-as account and the forward policy; modernized sends the
    appliance's agent as process server (InMageRcmFailbackReprotectInput), the run-as account and
    the forward policy.
    """

    architecture: Architecture
    process_server_id: str | None = None
    run_as_account_id: str | None = None
    policy_id: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every required value is known."""
        return not self.missing
