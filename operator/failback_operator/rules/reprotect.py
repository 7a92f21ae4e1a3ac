"""Checks of the article's "Reprotect": FB031 and FB032 (FB028-FB030 are workflow behaviours)."""

from __future__ import annotations

from failback_operator.facts import FailbackFacts, RecoveryPointType
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.lookups import (
    VMS_UNKNOWN,
    is_reprotected,
    item_ref,
    listing,
    master_target_ref,
    on_premises_vm,
    plan_items,
    replicating_back,
)
from failback_operator.rules.model import Finding, Severity, failed, passed, unverified

Findings = tuple[Finding, ...]

FAILBACK_OPERATIONS = frozenset({"PlannedFailover", "UnplannedFailover"})
# Recovery point types that need a recent application-consistent point (FB032).
APP_CONSISTENT_POINTS = frozenset({RecoveryPointType.APPLICATION_CONSISTENT, RecoveryPointType.LATEST_TAG})


def check_fb031(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB031: a reprotected item's on-premises VM stays powered off until failback."""
    rule = "FB031"
    if facts.vcenter is None:
        return (unverified(rule, Severity.BLOCK, master_target_ref(facts), "vCenter facts were not read"),)
    if facts.vault is None:
        # Which items replicate back, and from which VMs, is Site Recovery's to say.
        return (unverified(rule, Severity.BLOCK, master_target_ref(facts), VMS_UNKNOWN),)
    findings: list[Finding] = []
    for entry in plan_items(facts):
        if entry.item is None or not replicating_back(entry.item):
            continue  # before reprotect, or failed back: the on-premises VM may run
        vm = on_premises_vm(facts, entry.name, entry.item)
        ref = item_ref(entry.name)
        if vm is None or not vm.exists:
            findings.append(
                passed(rule, Severity.BLOCK, ref, f"{entry.name} has no on-premises VM to power on")
            )
        elif vm.power_state == "poweredOn":
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"on-premises VM {vm.name or entry.name} is poweredOn after reprotect: failback "
                    "is blocked "
                    "because its disks no longer match what replicates from Azure",
                    "power the on-premises VM off; if it wrote data, reprotect again before failing back",
                )
            )
        else:
            findings.append(
                passed(
                    rule, Severity.BLOCK, ref, f"on-premises VM {vm.name or entry.name} is {vm.power_state}"
                )
            )
    if not findings:
        findings.append(
            passed(
                rule, Severity.BLOCK, master_target_ref(facts), "no item is replicating back to on-premises"
            )
        )
    return tuple(findings)


def blocking_health_errors(
    codes: list[str], recovery_point: RecoveryPointType, app_blockers: frozenset[str]
) -> list[str]:
    """The health error codes that defeat the chosen recovery point (531006 only app-consistent ones)."""
    if recovery_point not in APP_CONSISTENT_POINTS:
        return []
    return [code for code in codes if code in app_blockers]


def check_fb032(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB032: each item is protected back to on-premises with failover allowed; health fits the point type."""
    rule = "FB032"
    if facts.vault is None:
        return (
            unverified(rule, Severity.BLOCK, master_target_ref(facts), "Site Recovery items were not read"),
        )
    findings: list[Finding] = []
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        item = entry.item
        if item is None:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"item {entry.name} is not listed by Site Recovery",
                    "check the name",
                )
            )
            continue
        allowed = sorted(FAILBACK_OPERATIONS & set(item.allowed_operations))
        if not is_reprotected(item) or item.protection_state != "Protected" or not allowed:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"item {entry.name} is not ready for failback: provider {item.instance_type}, "
                    "protection state "
                    f"{item.protection_state}, allowed operations "
                    f"{listing(list(item.allowed_operations)) or 'none'}",
                    "wait until reprotect completes and Site Recovery reports the item Protected",
                )
            )
            continue
        point = entry.plan.recovery_point_type
        codes = [e.code for e in item.health_errors]
        blockers = blocking_health_errors(codes, point, ctx.config.app_consistent_blocking_errors)
        if blockers:
            texts = [f"{e.code} ({e.summary or e.message})" for e in item.health_errors if e.code in blockers]
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"item {entry.name} health error {listing(texts)} defeats a {point} failback",
                    "fail back to the latest (crash-consistent) point, or wait for a new "
                    "app-consistent point",
                )
            )
            continue
        others = [f"{e.code} {e.severity}" for e in item.health_errors if e.severity.casefold() != "info"]
        if others or (item.replication_health or "Normal") != "Normal":
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"item {entry.name} is Protected with replication health {item.replication_health}"
                    + (f", health errors {listing(others)}" if others else ""),
                    "review the health errors in Site Recovery before failing back",
                )
            )
            continue
        findings.append(
            passed(rule, Severity.BLOCK, ref, f"item {entry.name} Protected, {listing(allowed)} allowed")
        )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no items to fail back"))
    return tuple(findings)
