"""What the plan state machine reads: the plan's request, the observed facts, and its tunables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from failback_operator.api.resources import Action, AfterCommit, CommitMode
from failback_operator.facts import Architecture, DiskPlacement, PlanDeclaration, RunApproval, VaultFacts
from failback_operator.rules.config import RuleConfig
from failback_operator.rules.model import Finding

__all__ = ["Observation", "PlanRequest", "WorkflowSettings"]


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanRequest:
    """A FailbackPlan as the workflow needs it: what to bring home and how far to go."""

    plan: PlanDeclaration
    action: Action
    commit: CommitMode
    after_commit: AfterCommit
    architecture: Architecture
    generation: int
    run: str

    def groups(self) -> tuple[tuple[str, str | None, tuple[str, ...]], ...]:
        """(group name, recovery plan, items) for every replication group, in spec order.

        An item outside any group fails back by itself: it is a group of one, named after it.
        """
        grouped = {name for g in self.plan.groups for name in g.items}
        alone = tuple((name, None, (name,)) for name in self.plan.items if name not in grouped)
        return alone + tuple((g.name, g.recovery_plan, g.items) for g in self.plan.groups)


@dataclass(frozen=True, kw_only=True, slots=True)
class Observation:
    """One poll's facts for one plan; `vault` is None when Site Recovery could not be read."""

    vault: VaultFacts | None
    # Findings of the rule catalogue, one tuple per phase; the workflow reads the ones the plan's
    # stage calls for: before reprotect, before failback, while replicating back (continuous,
    # from reprotect until failback) and after failback (advice).
    pre_reprotect: tuple[Finding, ...] = ()
    pre_failback: tuple[Finding, ...] = ()
    continuous: tuple[Finding, ...] = ()
    post_failback: tuple[Finding, ...] = ()
    # The master target's disk placement as vCenter shows it now; kept in status when reprotect
    # completes, so that FB020 can tell whether Storage vMotion moved the disks since. None: not read.
    master_target_disks: tuple[DiskPlacement, ...] | None = None
    approvals: tuple[RunApproval, ...] = ()
    # Items another active plan owns: item name -> "namespace/plan".
    claimed_by: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Whether this plan holds its disk-slot reservation on the master target (FB027).
    disk_slots_reserved: bool = False
    # Why Site Recovery or vCenter could not be read, for the plan's message.
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkflowSettings:
    """Every wait of the workflow, injectable so that tests and the demo run fast."""

    # How long an intent without a job may wait for its job to be listed before the plan pauses.
    intent_grace: timedelta = timedelta(minutes=5)
    # How often a plan with jobs in flight is looked at again.
    active_poll: timedelta = timedelta(seconds=30)
    # How often an idle or waiting plan is looked at again.
    idle_poll: timedelta = timedelta(minutes=5)
    # Clock skew tolerated between the operator and Site Recovery when matching jobs to intents.
    clock_skew: timedelta = timedelta(minutes=2)
    rules: RuleConfig = field(default_factory=RuleConfig)
