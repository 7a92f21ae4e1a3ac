"""Checks of the article's "Process server in Azure": FB014 to FB016."""

from __future__ import annotations

from failback_operator.facts import FailbackFacts, NetworkPath
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.lookups import (
    configuration_server,
    describe_age,
    find_process_server,
    fresh,
    listing,
    master_target_ref,
    plan_ref,
)
from failback_operator.rules.model import Finding, ObjectRef, Severity, failed, passed, unverified

Findings = tuple[Finding, ...]


def check_fb014(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB014: the plan's process server is registered with a recent heartbeat, and sits in Azure."""
    rule = "FB014"
    server = configuration_server(facts)
    if server is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "the configuration server was not read"
            ),
        )
    findings: list[Finding] = []
    registered = [p.name for p in server.process_servers] or ["none"]
    for plan in facts.plans:
        if not plan.process_server:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    plan_ref(plan),
                    f"plan {plan.name} names no process server (registered: {listing(registered)})",
                    "name the process server deployed in Azure in spec.processServer",
                )
            )
            continue
        ref = ObjectRef(kind="ProcessServer", name=plan.process_server)
        process_server = find_process_server(server, plan.process_server)
        if process_server is None:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"process server {plan.process_server} is not registered with configuration server "
                    f"{server.name} (registered: {listing(registered)})",
                    "deploy a process server in Azure and register it with the configuration server",
                )
            )
            continue
        heartbeat = describe_age(process_server.last_heartbeat, ctx.now)
        if not fresh(process_server.last_heartbeat, ctx.now, ctx.config.heartbeat_max_age):
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"process server {process_server.name} last heartbeat {heartbeat}"
                    f" (health {process_server.health or 'unknown'})",
                    "make sure the process server runs and reaches the configuration server and "
                    "the master target",
                )
            )
            continue
        if process_server.in_azure is False:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"process server {process_server.name} ({process_server.ip_address or 'no address'}) "
                    "is on-premises, not in Azure (see FB015)",
                    "deploy a process server in Azure, close to the failed-over VMs",
                )
            )
        elif process_server.in_azure is None:
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    # No heartbeat age here: a note is written into the plan's status, and an age
                    # in it would rewrite the status at every look.
                    f"process server {process_server.name} is registered with a recent heartbeat; whether "
                    "it runs in Azure cannot be told from Site Recovery",
                    "make sure the process server is deployed in Azure, close to the failed-over VMs",
                )
            )
        else:
            findings.append(
                passed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"process server {process_server.name} in Azure, heartbeat {heartbeat}",
                )
            )
    if not findings:
        findings.append(
            passed(rule, Severity.BLOCK, master_target_ref(facts), "no plans name a process server")
        )
    return tuple(findings)


def check_fb015(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB015: an on-premises process server over ExpressRoute is for a proof of concept only."""
    rule = "FB015"
    server = configuration_server(facts)
    if server is None:
        return (
            unverified(
                rule, Severity.INFO, master_target_ref(facts), "the configuration server was not read"
            ),
        )
    findings: list[Finding] = []
    for plan in facts.plans:
        process_server = find_process_server(server, plan.process_server) if plan.process_server else None
        if process_server is None:
            continue  # FB014 reports a missing process server
        ref = ObjectRef(kind="ProcessServer", name=process_server.name)
        if process_server.in_azure is False:
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    f"process server {process_server.name} is on-premises: acceptable over "
                    "ExpressRoute private "
                    "peering for a proof of concept only",
                    "for production, use a process server in Azure close to the failed-over VMs",
                )
            )
        else:
            where = "in Azure" if process_server.in_azure else "of unknown location"
            findings.append(
                passed(rule, Severity.INFO, ref, f"process server {process_server.name} is {where}")
            )
    if not findings:
        findings.append(passed(rule, Severity.INFO, master_target_ref(facts), "no process server to place"))
    return tuple(findings)


def check_fb016(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB016: replication back runs only over S2S VPN or ExpressRoute private peering."""
    rule = "FB016"
    private = {NetworkPath.SITE_TO_SITE_VPN, NetworkPath.EXPRESS_ROUTE_PRIVATE_PEERING}
    findings: list[Finding] = []
    for plan in facts.plans:
        ref = plan_ref(plan)
        if plan.network_path in private:
            findings.append(
                passed(rule, Severity.INFO, ref, f"plan {plan.name} replicates over {plan.network_path}")
            )
        else:
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    f"plan {plan.name} declares network path {plan.network_path or 'none'}: replication back "
                    "runs only over S2S VPN or ExpressRoute private peering",
                    "provide a site-to-site VPN or ExpressRoute private peering with enough bandwidth",
                )
            )
    if not findings:
        findings.append(passed(rule, Severity.INFO, master_target_ref(facts), "no plans to check"))
    return tuple(findings)
