"""Checks of the article's "Common issues": FB033 to FB039."""

from __future__ import annotations

from failback_operator.facts import FailbackFacts, OsType
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.lookups import (
    FORWARD_PROVIDERS,
    configuration_server,
    describe_age,
    find_process_server,
    fresh,
    is_reprotected,
    item_ref,
    listing,
    master_target_ref,
    plan_items,
)
from failback_operator.rules.model import Finding, ObjectRef, Severity, failed, passed, unverified
from failback_operator.rules.os_versions import parse_os_version

Findings = tuple[Finding, ...]

# Scenarios of a reprotect job running on an item (`currentScenario`).
REPROTECT_SCENARIOS = frozenset({"SwitchReplicationGroupProtection", "SwitchProtection", "Reprotect"})
# ESXi's product line ids: embeddedEsx (ESXi), esx (classic ESX); ws, gsx, vpx are no failback hosts.
ESXI_PRODUCT_LINES = frozenset({"embeddedesx", "esx"})


def check_fb033(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB033: Linux VMs lose the network manager package on their way back."""
    rule = "FB033"
    findings: list[Finding] = []
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        os_type = entry.item.os_type if entry.item else None
        if os_type is OsType.LINUX:
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    f"Linux VM {entry.name} comes back without the network manager package (removed "
                    "in Azure)",
                    "reinstall the network manager package on the failed-back VM",
                )
            )
        elif os_type is None:
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    f"OS type of {entry.name} is unknown: if it is Linux, it comes back without "
                    "network manager",
                    "reinstall the network manager package on a failed-back Linux VM",
                )
            )
        else:
            findings.append(passed(rule, Severity.INFO, ref, f"{entry.name} is {os_type}"))
    if not findings:
        findings.append(passed(rule, Severity.INFO, master_target_ref(facts), "no items"))
    return tuple(findings)


def check_fb034(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB034: Linux VMs with a static IP keep DHCP after failback."""
    rule = "FB034"
    findings: list[Finding] = []
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        item = entry.item
        if item is None or item.os_type is None:
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    f"OS type of {entry.name} is unknown: a Linux VM with a static IP keeps DHCP "
                    "after failback",
                    "set the static IP address again on a failed-back Linux VM",
                )
            )
        elif item.os_type is OsType.LINUX and item.source_ip_static is not False:
            observed = "had a static IP" if item.source_ip_static else "may have had a static IP"
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    f"Linux VM {entry.name} {observed}; it got DHCP in Azure and keeps DHCP after failback",
                    "set the static IP address again on the failed-back VM",
                )
            )
        else:
            findings.append(passed(rule, Severity.INFO, ref, f"{entry.name} keeps its addressing"))
    if not findings:
        findings.append(passed(rule, Severity.INFO, master_target_ref(facts), "no items"))
    return tuple(findings)


def check_fb035(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB035: the master target's ESXi host is not on the free hypervisor licence."""
    rule = "FB035"
    host = facts.vcenter.master_target_host if facts.vcenter else None
    if host is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "the master target's ESXi host was not read"
            ),
        )
    ref = ObjectRef(kind="EsxiHost", name=host.name)
    edition = (host.licence_edition_key or "").casefold()
    name = host.licence_name or ""
    if not edition and not name:
        return (unverified(rule, Severity.BLOCK, ref, f"the licence of ESXi host {host.name} was not read"),)
    free = edition.split(".")[0] in ctx.config.free_hypervisor_editions or (
        "hypervisor" in name.casefold() and "eval" not in edition
    )
    licence = f"{name or edition} ({host.licence_edition_key or 'no edition key'})"
    if free:
        return (
            failed(
                rule,
                Severity.BLOCK,
                ref,
                f"ESXi host {host.name} {host.version or ''} runs the free hypervisor licence {licence}: "
                "failover works, failback does not",
                "assign an evaluation or paid vSphere licence to the host",
            ),
        )
    return (passed(rule, Severity.BLOCK, ref, f"ESXi host {host.name} licence {licence}"),)


def check_fb036(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB036: a Windows Server 2008 R2 SP1 machine protected as physical cannot fail back."""
    rule = "FB036"
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
                unverified(rule, Severity.BLOCK, ref, f"{entry.name} is not listed by Site Recovery")
            )
            continue
        if is_reprotected(item):
            continue  # the reverse item reports every Azure VM as Physical: only the forward one tells
        version = parse_os_version(item.os_version)
        is_2008_r2 = version is not None and str(version) == "Windows Server 2008 R2"
        if is_2008_r2 and item.protected_as_physical:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"{entry.name} runs {item.os_version} and was protected as a physical server: "
                    "it cannot fail back from Azure",
                    "bring it home another way (backup/restore or migration); Site Recovery cannot "
                    "fail it back",
                )
            )
        elif is_2008_r2 and item.protected_as_physical is None:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"{entry.name} runs {item.os_version}; whether it was protected as physical is unknown",
                    "check its discovery type: a physical 2008 R2 SP1 server cannot fail back",
                )
            )
        else:
            findings.append(
                passed(rule, Severity.BLOCK, ref, f"{entry.name} is not a physical 2008 R2 server")
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no items before reprotect"))
    return tuple(findings)


def check_fb037(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB037: only VMs that failed over from on-premises, still protected and in place, can fail back."""
    rule = "FB037"
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
                    f"{entry.name} is not a protected item (protection disabled, or a VM created in Azure)",
                    "only machines that failed over from on-premises with protection still enabled "
                    "can fail back",
                )
            )
            continue
        reasons = []
        if item.migrated:
            reasons.append("it was migrated to Azure")
        if item.failed_over_from_on_premises is False:
            reasons.append("it did not fail over from on-premises")
        if item.azure_vm_exists is False:
            reasons.append(f"its Azure VM {item.azure_vm_name or ''} was deleted".replace("  ", " "))
        if item.azure_vm_in_original_resource_group is False:
            reasons.append("its Azure VM was moved to another resource group")
        # Site Recovery withholds every operation while a job runs: a reprotect under way is the
        # way home, not a reason against it.
        reprotecting = item.current_scenario is not None and item.current_scenario.name in REPROTECT_SCENARIOS
        if (
            not reasons
            and not reprotecting
            and not is_reprotected(item)
            and item.instance_type in FORWARD_PROVIDERS
        ):
            if item.active_location != "Recovery":
                reasons.append(f"it is not failed over (active location {item.active_location})")
            elif "SwitchProtection" not in item.allowed_operations:
                reasons.append(
                    "Site Recovery offers no reprotect for it (allowed: "
                    f"{listing(list(item.allowed_operations)) or 'none'})"
                )
        if reasons:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"{entry.name} cannot fail back: {'; '.join(reasons)}",
                    "only machines that failed over from on-premises can fail back; bring this one "
                    "home another way",
                )
            )
        else:
            findings.append(
                passed(rule, Severity.BLOCK, ref, f"{entry.name} ({item.instance_type}) can fail back")
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no items"))
    return tuple(findings)


def check_fb038(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB038: failback goes only to an ESXi host."""
    rule = "FB038"
    host = facts.vcenter.master_target_host if facts.vcenter else None
    if host is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "the master target's ESXi host was not read"
            ),
        )
    ref = ObjectRef(kind="EsxiHost", name=host.name)
    product = f"{host.product_name or 'unknown product'} {host.version or ''}".strip()
    if (host.product_line_id or "").casefold() in ESXI_PRODUCT_LINES:
        return (
            passed(rule, Severity.BLOCK, ref, f"host {host.name} runs {product} ({host.product_line_id})"),
        )
    return (
        failed(
            rule,
            Severity.BLOCK,
            ref,
            f"host {host.name} runs {product} (product line {host.product_line_id or 'unknown'}), not ESXi",
            "fail back to an ESXi host: not Hyper-V, a physical machine or VMware Workstation",
        ),
    )


def check_fb039(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB039: the process server reaches the configuration server (heartbeat, port 443)."""
    rule = "FB039"
    server = configuration_server(facts)
    if server is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "the configuration server was not read"
            ),
        )
    findings: list[Finding] = []
    for name in sorted({p.process_server for p in facts.plans if p.process_server}):
        process_server = find_process_server(server, name)
        if process_server is None:
            continue  # FB014 reports it
        ref = ObjectRef(kind="ProcessServer", name=process_server.name)
        heartbeat = describe_age(process_server.last_heartbeat, ctx.now)
        probes = [p for p in facts.probes if p.port == 443 and not p.reachable]
        if fresh(process_server.last_heartbeat, ctx.now, ctx.config.heartbeat_max_age):
            findings.append(
                passed(
                    rule, Severity.BLOCK, ref, f"process server {process_server.name} heartbeat {heartbeat}"
                )
            )
        else:
            extra = f"; port 443 probe failed: {probes[0].host}" if probes else ""
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"process server {process_server.name} has no recent heartbeat with configuration server "
                    f"{server.name} (last {heartbeat}){extra}",
                    "check port 443 from the process server to the configuration server and the process "
                    "server's services",
                )
            )
    if not findings:
        findings.append(
            passed(rule, Severity.BLOCK, master_target_ref(facts), "no registered process server named")
        )
    return tuple(findings)
