"""What the rule catalogue is given: all facts for one master target and the plans it serves."""

from __future__ import annotations

from dataclasses import dataclass

from failback_operator.facts.asr import VaultFacts
from failback_operator.facts.probes import PortProbe
from failback_operator.facts.reservations import DiskReservation
from failback_operator.facts.retention_waits import RetentionWait
from failback_operator.facts.spec import MasterTargetDeclaration, PlanDeclaration, RunApproval
from failback_operator.facts.vsphere import DiskPlacement, VCenterFacts

__all__ = ["FailbackFacts"]


@dataclass(frozen=True, kw_only=True, slots=True)
class FailbackFacts:
    """One master target with the plans it serves, as read from Site Recovery, vCenter and the spec.

    `vault` or `vcenter` is None when that side could not be read; checks that need it then block
    (they never pass on facts they do not have).
    """

    master_target: MasterTargetDeclaration
    vault: VaultFacts | None = None
    vcenter: VCenterFacts | None = None
    plans: tuple[PlanDeclaration, ...] = ()
    approvals: tuple[RunApproval, ...] = ()
    # Reservations other active plans hold on master targets' disk slots (FB027).
    reservations: tuple[DiskReservation, ...] = ()
    # Retention drives the master target did not list yet, kept in its status by the operator (FB022);
    # None where nothing keeps them (preflight), so a drive not listed fails FB021 at once.
    retention_waits: tuple[RetentionWait, ...] | None = None
    # The master target's disk placement recorded when reprotect completed (FB020 drift).
    placements_at_reprotect: tuple[DiskPlacement, ...] | None = None
    probes: tuple[PortProbe, ...] = ()
