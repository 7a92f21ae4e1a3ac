"""A MasterTarget's whole status from the facts read for it (pure: facts and the object's status in).

The prerequisites are the catalogue's pre-reprotect rules that concern the master target itself
and what it depends on, judged without any plan: the configuration server and failback policy
(FB002-FB004), the run-as account (FB005), the VM (FB006, FB017, FB020, FB023, FB024, FB026), its
retention volume (FB021), its ESXi host (FB025, FB035, FB038) and its disk slots (FB027). Rules
about a plan's items are reported on the plans. A rule that could not be judged because a side was
not read shows as Unknown, never as Passed.

Disk-slot reservations are written by the ledger, by compare-and-swap on this same status: they
are taken from the object exactly as read and written back unchanged, and FB027 counts them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from failback_operator.api.conditions import Condition, ConditionStatus, set_condition
from failback_operator.api.status import (
    DiskSlots,
    HostDatastore,
    MasterTargetResolved,
    MasterTargetStatus,
    Prerequisite,
    PrerequisiteResult,
    RetentionWaitStatus,
)
from failback_operator.api.vocabulary import ConditionType, EventReason, EventType, Reason
from failback_operator.facts import DiskReservation, FailbackFacts, RetentionWait
from failback_operator.facts import HostDatastore as HostDatastoreFacts
from failback_operator.rules import (
    CheckContext,
    CheckPhase,
    Finding,
    Outcome,
    RuleConfig,
    RuleStatus,
    applicable,
    master_target_disk_slots,
    rule_statuses,
)
from failback_operator.rules.lookups import registered_master_target
from failback_operator.rules.retention import (
    PlanRetentionDrive,
    default_retention_drive,
    offered_volume,
    wait_deadline,
)
from failback_operator.workflow import Event

__all__ = [
    "MASTER_TARGET_RULES",
    "build_master_target_status",
    "disk_slots",
    "master_target_findings",
    "missing_vm",
    "plan_retention_drives",
    "prerequisite_events",
    "prerequisites",
    "retention_wait_statuses",
    "retention_waits_from_status",
    "with_reservations",
]

MASTER_TARGET_RULES = frozenset(
    {
        "FB002",
        "FB003",
        "FB004",
        "FB005",
        "FB006",
        "FB017",
        "FB020",
        "FB021",
        "FB023",
        "FB024",
        "FB025",
        "FB026",
        "FB027",
        "FB035",
        "FB038",
    }
)
# metav1-style limits of the CRD's prerequisites[].message and conditions[].message.
_MESSAGE_LIMIT = 4096
_RESULTS = {
    Outcome.PASS: PrerequisiteResult.PASSED,
    Outcome.BLOCK: PrerequisiteResult.FAILED,
    Outcome.WARN: PrerequisiteResult.WARNING,
    Outcome.INFO: PrerequisiteResult.INFO,
}
_GOOD = frozenset({PrerequisiteResult.PASSED, PrerequisiteResult.INFO})
# Not a problem yet: announced as Normal events.
_CALM = _GOOD | {PrerequisiteResult.WAITING}
# The Event posted when a rule's result changed, per the result it changed to.
_PREREQUISITE_CHANGED: dict[PrerequisiteResult, EventReason] = {
    PrerequisiteResult.PASSED: EventReason.PREREQUISITE_PASSED,
    PrerequisiteResult.FAILED: EventReason.PREREQUISITE_FAILED,
    PrerequisiteResult.WAITING: EventReason.PREREQUISITE_WAITING,
    PrerequisiteResult.WARNING: EventReason.PREREQUISITE_WARNING,
    PrerequisiteResult.INFO: EventReason.PREREQUISITE_INFO,
    PrerequisiteResult.UNKNOWN: EventReason.PREREQUISITE_UNKNOWN,
}


def master_target_findings(
    facts: FailbackFacts, now: datetime, config: RuleConfig | None = None
) -> tuple[Finding, ...]:
    """The findings of the master target's own pre-reprotect rules, for its architecture."""
    context = CheckContext(phase=CheckPhase.PRE_REPROTECT, now=now, config=config or RuleConfig())
    findings: list[Finding] = []
    for entry in applicable(CheckPhase.PRE_REPROTECT, facts.master_target.architecture):
        if entry.id in MASTER_TARGET_RULES and entry.check is not None:
            findings.extend(entry.check(facts, context))
    return tuple(findings)


def _unverified(status: RuleStatus) -> bool:
    # rules.model.unverified words every finding it makes this way.
    return status.outcome is not Outcome.PASS and status.message.startswith(
        f"{status.rule} cannot be checked"
    )


def _clip(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def prerequisites(
    findings: Sequence[Finding], now: datetime, previous: Sequence[Prerequisite] | None = None
) -> tuple[Prerequisite, ...]:
    """One entry per rule: the worst finding decides its result; a failure's message carries its remedy.

    An entry that says what it said before keeps its `checkedAt`: a status rewritten at every look
    only for the time would change the master target under every plan that stands on it.
    """
    earlier = {entry.rule_id: entry for entry in previous or ()}
    entries = []
    for status in rule_statuses(findings):
        if status.waiting_until is not None:
            result = PrerequisiteResult.WAITING
        elif _unverified(status):
            result = PrerequisiteResult.UNKNOWN
        else:
            result = _RESULTS[status.outcome]
        message = status.message
        if status.remedy and status.outcome is not Outcome.PASS and status.waiting_until is None:
            message += f". Remedy: {status.remedy}"
        entry = Prerequisite(
            rule_id=status.rule,
            result=result,
            message=_clip(message),
            checked_at=now,
            waiting_until=status.waiting_until,
        )
        before = earlier.get(status.rule)
        if (
            before is not None
            and before.checked_at is not None
            and before.model_copy(update={"checked_at": now}) == entry
        ):
            entry = before
        entries.append(entry)
    return tuple(entries)


def prerequisite_events(
    previous: Sequence[Prerequisite] | None, current: Sequence[Prerequisite]
) -> tuple[Event, ...]:
    """An event per rule whose result changed since the last look; a first look reports only problems.

    Rules that became Unknown together (a side that could not be read leaves a dozen unchecked)
    make one event naming them all, not one warning each.
    """
    before = {entry.rule_id: entry.result for entry in previous or ()}
    events = []
    unknown: list[Prerequisite] = []
    for entry in current:
        old = before.get(entry.rule_id)
        if old == entry.result or (old is None and entry.result in _GOOD):
            continue
        if entry.result is PrerequisiteResult.UNKNOWN:
            unknown.append(entry)
            continue
        events.append(
            Event(
                type=EventType.NORMAL if entry.result in _CALM else EventType.WARNING,
                reason=_PREREQUISITE_CHANGED[entry.result],
                message=f"{entry.rule_id} {old.value if old else 'first checked'} -> {entry.result.value}: "
                f"{entry.message or ''}",
            )
        )
    if unknown:
        rules = ", ".join(e.rule_id for e in unknown)
        reasons = "; ".join(dict.fromkeys(e.message or "not checked" for e in unknown))
        events.append(
            Event(
                type=EventType.WARNING,
                reason=EventReason.PREREQUISITE_UNKNOWN,
                message=f"{rules} -> {PrerequisiteResult.UNKNOWN.value}: {reasons}",
            )
        )
    return tuple(events)


def with_reservations(facts: FailbackFacts, previous: MasterTargetStatus) -> FailbackFacts:
    """The facts with the reservations the ledger holds in this status, as FB027 counts them."""
    slots = previous.disk_slots
    reservations = tuple(
        DiskReservation(
            plan=f"{r.namespace}/{r.name}",
            master_target=facts.master_target.name,
            # A reservation is per plan: the plan stands for its items, so no disk counts twice.
            item=f"{r.namespace}/{r.name}",
            disk_count=r.disks,
        )
        for r in ((slots.reservations or ()) if slots else ())
    )
    return dataclasses.replace(facts, reservations=reservations)


def disk_slots(
    facts: FailbackFacts, previous: MasterTargetStatus, config: RuleConfig | None = None
) -> DiskSlots:
    """Used (the master target's disks in vCenter, else Site Recovery's count), reserved, free, of 60.

    The reservations are the ones read, unchanged. When no side could count the disks, the last
    count stays, so the ledger never reserves against an unknown zero.
    """
    capacity = (config or RuleConfig()).master_target_disk_slots
    slots = previous.disk_slots
    reservations = slots.reservations if slots else None
    reserved = sum(r.disks for r in reservations or ())
    usage = master_target_disk_slots(with_reservations(facts, previous), capacity)
    used = usage.used if usage is not None else (slots.used if slots else None)
    return DiskSlots(
        capacity=capacity,
        used=used,
        reserved=reserved,
        # Never negative, as the ledger writes it: FB027 reports the overcommitment.
        free=max(capacity - used - reserved, 0) if used is not None else None,
        reservations=reservations,
    )


def _datastore(store: HostDatastoreFacts) -> HostDatastore:
    return HostDatastore(
        name=store.name,
        type=store.type,
        accessible=store.accessible,
        writable=(store.access_mode == "readWrite") if store.access_mode else None,
        free_bytes=store.free_bytes,
    )


def _resolved(facts: FailbackFacts, previous: MasterTargetResolved | None) -> MasterTargetResolved | None:
    registered = registered_master_target(facts) if facts.vault is not None else None
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    declaration = facts.master_target
    wanted = declaration.retention_drive or default_retention_drive(declaration.os_type)
    offered = (
        offered_volume(registered.retention_volumes, wanted, declaration.os_type) if registered else None
    )
    last = previous or MasterTargetResolved()
    resolved = MasterTargetResolved(
        site_recovery_id=registered.id if registered else last.site_recovery_id,
        site_recovery_name=registered.name if registered else last.site_recovery_name,
        instance_uuid=vm.instance_uuid if vm else last.instance_uuid,
        retention_drive=offered.name if offered else (last.retention_drive if registered is None else None),
    )
    return resolved if resolved != MasterTargetResolved() else None


def retention_wait_statuses(
    facts: FailbackFacts, config: RuleConfig | None = None
) -> tuple[RetentionWaitStatus, ...] | None:
    """The master target's FB022 waits as its status shows them, each with the time FB021 fails."""
    config = config or RuleConfig()
    waits = [w for w in facts.retention_waits or () if w.master_target == facts.master_target.name]
    return (
        tuple(
            RetentionWaitStatus(
                drive=w.drive,
                missing_since=w.missing_since,
                refreshed_at=w.refreshed_at,
                refresh_job=w.refresh_job,
                wait_until=wait_deadline(w, config),
            )
            for w in waits
        )
        or None
    )


def retention_waits_from_status(name: str, status: MasterTargetStatus) -> tuple[RetentionWait, ...]:
    """The FB022 waits a master target's status keeps, as facts for its rules and for its plans."""
    return tuple(
        RetentionWait(
            master_target=name,
            drive=w.drive,
            missing_since=w.missing_since,
            refreshed_at=w.refreshed_at,
            refresh_job=w.refresh_job,
        )
        for w in status.retention_waits or ()
    )


def plan_retention_drives(
    plans: Sequence[Mapping[str, Any]], master_target: str | None = None
) -> tuple[PlanRetentionDrive, ...]:
    """What each FailbackPlan object asks of a master target's retention volumes, as plain facts.

    `master_target`: only the plans of that master target (a thousand plans share a few dozen).
    """
    found = (
        PlanRetentionDrive(
            master_target=((plan.get("spec") or {}).get("masterTargetRef") or {}).get("name", ""),
            drive=(plan.get("spec") or {}).get("retentionDrive"),
            phase=(plan.get("status") or {}).get("phase"),
        )
        for plan in plans
        if master_target is None
        or ((plan.get("spec") or {}).get("masterTargetRef") or {}).get("name") == master_target
    )
    return tuple(found)


def missing_vm(facts: FailbackFacts) -> str | None:
    """Why the master target's VM is unknown although vCenter was read (a wrong name or UUID), if it is."""
    vcenter = facts.vcenter
    if vcenter is None or vcenter.master_target_vm is not None:
        return None
    declaration = facts.master_target
    named = (
        f"instance UUID {declaration.vm_instance_uuid}"
        if declaration.vm_instance_uuid
        else f"name {declaration.vm_name!r}"
    )
    return f"vCenter {vcenter.vcenter} has no VM with {named}: check spec.vm"


def _conditions(
    previous: Sequence[Condition] | None,
    entries: Sequence[Prerequisite],
    errors: Sequence[str],
    vm_problem: str | None,
    name: str,
    generation: int,
    now: datetime,
) -> list[Condition]:
    failed = [e for e in entries if e.result is PrerequisiteResult.FAILED]
    waiting = [e for e in entries if e.result is PrerequisiteResult.WAITING]
    unknown = [e for e in entries if e.result is PrerequisiteResult.UNKNOWN]
    warnings = [e for e in entries if e.result is PrerequisiteResult.WARNING]
    read_problems = f" Not read: {'; '.join(errors)}." if errors else ""
    if vm_problem:
        # Not a read failure: vCenter answered, and the VM the spec names is not there.
        status, reason = ConditionStatus.FALSE, Reason.NOT_FOUND
        message = f"{vm_problem}." + read_problems
    elif failed:
        status, reason = ConditionStatus.FALSE, Reason.BLOCKED
        message = "Blocking: " + "; ".join(f"{e.rule_id}: {e.message}" for e in failed) + "." + read_problems
    elif waiting:
        # Blocks like a failure, but may still clear on its own (FB022).
        status, reason = ConditionStatus.FALSE, Reason.WAITING
        message = "Waiting: " + "; ".join(f"{e.rule_id}: {e.message}" for e in waiting) + "." + read_problems
    elif unknown or errors:
        status, reason = ConditionStatus.UNKNOWN, Reason.NOT_CHECKED
        rules = ", ".join(e.rule_id for e in unknown)
        message = (f"Not checked: {rules}." if rules else "") + read_problems
    else:
        status, reason = ConditionStatus.TRUE, Reason.ALL_PASSED
        message = f"Every prerequisite of master target {name} passed"
        if warnings:
            message += " (warnings: " + "; ".join(f"{e.rule_id}: {e.message}" for e in warnings) + ")"
        message += "."
    message = message.strip()
    conditions = set_condition(
        list(previous or ()),
        type=ConditionType.PREREQUISITES_MET,
        status=status,
        reason=reason,
        message=message,
        observed_generation=generation,
        now=now,
    )
    ready_message = (
        f"master target {name} can receive reprotected VMs" if status is ConditionStatus.TRUE else message
    )
    return set_condition(
        conditions,
        type=ConditionType.READY,
        status=ConditionStatus.TRUE if status is ConditionStatus.TRUE else ConditionStatus.FALSE,
        reason=reason,
        message=ready_message,
        observed_generation=generation,
        now=now,
    )


def build_master_target_status(
    previous: MasterTargetStatus,
    *,
    facts: FailbackFacts,
    errors: Sequence[str],
    generation: int,
    now: datetime,
    config: RuleConfig | None = None,
) -> tuple[MasterTargetStatus, tuple[Event, ...]]:
    """The whole status after a look, and the events for the rules whose result changed.

    `errors` say why Site Recovery or vCenter (or the objects naming them) could not be read;
    what only that side could tell keeps its last known value.
    """
    counted = with_reservations(facts, previous)
    entries = prerequisites(master_target_findings(counted, now, config), now, previous.prerequisites)
    vcenter = facts.vcenter
    vm = vcenter.master_target_vm if vcenter else None
    host = vcenter.master_target_host if vcenter else None
    status = MasterTargetStatus(
        observed_generation=generation,
        resolved=_resolved(facts, previous.resolved),
        esxi_host=vm.host if vm else (None if vcenter else previous.esxi_host),
        vmware_tools=vm.tools_running_status if vm else (None if vcenter else previous.vmware_tools),
        datastores=(
            tuple(_datastore(d) for d in host.datastores)
            if host
            else (None if vcenter else previous.datastores)
        ),
        prerequisites=entries,
        retention_waits=retention_wait_statuses(facts, config),
        disk_slots=disk_slots(facts, previous, config),
        conditions=tuple(
            _conditions(
                previous.conditions,
                entries,
                errors,
                missing_vm(facts),
                facts.master_target.name,
                generation,
                now,
            )
        ),
    )
    return status, prerequisite_events(previous.prerequisites, entries)
