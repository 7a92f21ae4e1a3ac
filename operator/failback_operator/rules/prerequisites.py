"""Checks of the article's "Before you begin": FB001 to FB013."""

from __future__ import annotations

from failback_operator.facts import FAILBACK_POLICY_PROVIDERS, Architecture, FailbackFacts
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.job_errors import JOB_ERRORS
from failback_operator.rules.lookups import (
    FORWARD_PROVIDERS,
    VMS_UNKNOWN,
    configuration_server,
    describe_age,
    find_process_server,
    fresh,
    is_reprotected,
    item_ref,
    item_vm_unknown,
    listing,
    master_target_os_version,
    master_target_ref,
    plan_items,
    plan_ref,
    registered_master_target,
)
from failback_operator.rules.model import Finding, ObjectRef, Severity, failed, passed, unverified
from failback_operator.rules.os_versions import compare_os_versions, parse_os_version

Findings = tuple[Finding, ...]


def _norm(uuid: str | None) -> str | None:
    return uuid.replace("-", "").casefold() if uuid else None


def check_fb001(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB001: the master target shares no VM UUID or disk UUID with a protected on-premises VM."""
    rule, mt = "FB001", master_target_ref(facts)
    vcenter = facts.vcenter
    vm = vcenter.master_target_vm if vcenter else None
    if vcenter is None or vm is None:
        return (unverified(rule, Severity.BLOCK, mt, "the master target VM was not read from vCenter"),)
    if facts.vault is None:
        return (unverified(rule, Severity.BLOCK, mt, VMS_UNKNOWN),)
    mt_ids = {"VM UUID": _norm(vm.uuid), "instance UUID": _norm(vm.instance_uuid)}
    mt_disks = {_norm(d.backing_uuid) for d in vm.disks if d.backing_uuid}
    findings: list[Finding] = []
    for other in vcenter.on_premises_vms:
        if not other.exists:
            continue
        clashes = [
            f"{label} {getattr(other, attr)}"
            for label, attr in (("VM UUID", "uuid"), ("instance UUID", "instance_uuid"))
            if _norm(getattr(other, attr)) is not None and _norm(getattr(other, attr)) == mt_ids[label]
        ]
        clashes += [f"disk UUID {u}" for u in other.disk_backing_uuids if _norm(u) in mt_disks]
        if clashes:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    mt,
                    f"master target {vm.name} shares {listing(clashes)} with on-premises VM "
                    f"{other.name or other.item} (cloned from one template): reprotect would fail",
                    "deploy a master target that was not cloned from the protected VMs' template",
                )
            )
    findings += [
        unverified(rule, Severity.BLOCK, item_ref(entry.name), item_vm_unknown(entry.name))
        for entry in plan_items(facts)
        if entry.item is None
    ]
    if findings:
        return tuple(findings)
    compared = sum(1 for other in vcenter.on_premises_vms if other.exists)
    return (
        passed(
            rule,
            Severity.BLOCK,
            mt,
            f"master target {vm.name} shares no VM or disk UUID with the {compared} on-premises "
            "VM(s) compared",
        ),
    )


def check_fb002(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB002: the master target (and, failing back to another vCenter, that vCenter) is discovered."""
    rule, mt = "FB002", master_target_ref(facts)
    server = configuration_server(facts)
    if server is None:
        return (
            unverified(rule, Severity.BLOCK, mt, "the configuration server was not read from Site Recovery"),
        )
    findings: list[Finding] = []
    if facts.master_target.architecture is Architecture.CLASSIC:
        registered = registered_master_target(facts)
        if registered is None:
            known = [m.name for m in server.master_targets] or ["none"]
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    mt,
                    f"master target {facts.master_target.registered_as or facts.master_target.name} is not "
                    f"registered with configuration server {server.name} (registered: {listing(known)})",
                    "install the master target and register it with the configuration server, "
                    "or name the registered one in spec.registeredAs",
                )
            )
    vcenter = facts.vcenter.vcenter if facts.vcenter else facts.master_target.vcenter
    different = any(plan.different_vcenter for plan in facts.plans)
    if vcenter and (different or server.vcenters):
        discovered = [v.name for v in server.vcenters] + [
            v.ip_address for v in server.vcenters if v.ip_address
        ]
        if vcenter.casefold() not in {d.casefold() for d in discovered}:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ObjectRef(kind="VCenter", name=vcenter),
                    f"vCenter {vcenter} is not discovered by configuration server {server.name} "
                    f"(discovered: {listing(discovered) or 'none'}); its datastores will not be offered",
                    "add the vCenter to the configuration server with a run-as account and wait "
                    "for discovery",
                )
            )
    if findings:
        return tuple(findings)
    seen = []
    if facts.master_target.architecture is Architecture.CLASSIC:
        seen.append("the master target is registered")
    if vcenter and (different or server.vcenters):
        seen.append(f"vCenter {vcenter} is discovered")
    if not seen:
        seen.append("failback goes to the original vCenter")
    return (passed(rule, Severity.BLOCK, mt, f"configuration server {server.name}: {', '.join(seen)}"),)


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return "not set"
    return f"{minutes // 60} h" if minutes > 60 and minutes % 60 == 0 else f"{minutes} min"


def check_fb003(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB003: a failback policy exists, is associated with the configuration server, with its fixed values."""
    rule = "FB003"
    server = configuration_server(facts)
    if facts.vault is None or server is None:
        return (
            unverified(
                rule,
                Severity.BLOCK,
                master_target_ref(facts),
                "the vault's policies were not read from Site Recovery",
            ),
        )
    policies = [p for p in facts.vault.failback_policies if p.provider in FAILBACK_POLICY_PROVIDERS]
    names = {n.casefold() for n in (server.name, server.fabric_name) if n}
    associated = [
        p for p in policies if any(a.casefold() in names for a in p.associated_configuration_servers)
    ]
    server_ref = ObjectRef(kind="ConfigurationServer", name=server.name)
    if not associated:
        found = ", ".join(
            f"{p.name} (associated with {', '.join(p.associated_configuration_servers) or 'nothing'})"
            for p in policies
        )
        return (
            failed(
                rule,
                Severity.BLOCK,
                server_ref,
                f"no failback policy is associated with configuration server {server.name}"
                + (f"; failback policies found: {found}" if found else "; no failback policy found"),
                "create the replication policy again (its failback policy is created and associated with it)",
            ),
        )
    policy = associated[0]
    policy_ref = ObjectRef(kind="FailbackPolicy", name=policy.name)
    values = (
        f"RPO threshold {_duration(policy.rpo_threshold_minutes)}, recovery point retention "
        f"{_duration(policy.retention_minutes)}, app-consistent frequency "
        f"{_duration(policy.app_consistent_frequency_minutes)}"
    )
    if policy.crash_consistent_frequency_minutes is not None:
        values += f", crash-consistent frequency {_duration(policy.crash_consistent_frequency_minutes)}"
    if facts.master_target.architecture is not Architecture.CLASSIC:
        return (passed(rule, Severity.BLOCK, policy_ref, f"failback policy {policy.name}: {values}"),)
    config = ctx.config
    differences = [
        f"{label} {actual} (expected {expected})"
        for label, actual, expected in (
            ("RPO threshold", policy.rpo_threshold_minutes, config.policy_rpo_threshold_minutes),
            ("retention", policy.retention_minutes, config.policy_retention_minutes),
            (
                "app-consistent frequency",
                policy.app_consistent_frequency_minutes,
                config.policy_app_consistent_frequency_minutes,
            ),
        )
        if actual != expected
    ]
    if differences:
        return (
            failed(
                rule,
                Severity.WARN,
                policy_ref,
                f"failback policy {policy.name} differs from the fixed values: {listing(differences)}",
                "the failback policy cannot be edited: check it is the one created with the forward policy",
            ),
        )
    return (passed(rule, Severity.BLOCK, policy_ref, f"failback policy {policy.name}: {values}"),)


def check_fb004(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB004: the configuration server is running and connected (recent heartbeat)."""
    rule = "FB004"
    server = configuration_server(facts)
    if server is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "the configuration server was not read"
            ),
        )
    ref = ObjectRef(kind="ConfigurationServer", name=server.name)
    heartbeat = describe_age(server.last_heartbeat, ctx.now)
    problems = []
    if server.connected is False:
        problems.append(f"it is not connected (service status {server.service_status or 'unknown'})")
    if (server.health or "").casefold() == "critical":
        # Site Recovery's own verdict, which needs no clock: a modernized appliance reports no
        # service status, and a heartbeat judged by the operator's clock alone misses a skew.
        problems.append("Site Recovery reports its health Critical")
    limit = int(ctx.config.heartbeat_max_age.total_seconds() // 60)
    if not fresh(server.last_heartbeat, ctx.now, ctx.config.heartbeat_max_age):
        problems.append(f"its last heartbeat was {heartbeat}, older than {limit} min")
    if problems:
        return (
            failed(
                rule,
                Severity.BLOCK,
                ref,
                f"configuration server {server.name}: {'; '.join(problems)}",
                "start the configuration server and its services and restore its connection to the vault",
            ),
        )
    # No heartbeat time when it passes: the master target's status lists passing rules too, and a
    # time in it would rewrite that status at every look.
    return (
        passed(
            rule,
            Severity.BLOCK,
            ref,
            f"configuration server {server.name} heartbeat within the last {limit} min",
        ),
    )


def _discovery_user(facts: FailbackFacts) -> str | None:
    """The vCenter user behind the run-as account the configuration server discovers this vCenter with."""
    server = configuration_server(facts)
    if server is None or facts.vcenter is None:
        return None
    wanted = facts.vcenter.vcenter.casefold()
    for discovered in server.vcenters:
        if wanted in {discovered.name.casefold(), (discovered.ip_address or "").casefold()}:
            for account in server.run_as_accounts:
                if account.id == discovered.run_as_account_id:
                    return account.vcenter_user
    return None


def check_fb005(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB005: the configuration server's run-as account holds the privileges reprotect needs."""
    rule = "FB005"
    if facts.vcenter is None or not facts.vcenter.run_as_privileges:
        return (
            unverified(
                rule,
                Severity.BLOCK,
                ObjectRef(kind="VCenter", name=facts.vcenter.vcenter if facts.vcenter else "unknown"),
                "the run-as account's effective privileges were not read from vCenter",
            ),
        )
    findings: list[Finding] = []
    expected = _discovery_user(facts)
    read = sorted({grant.user for grant in facts.vcenter.run_as_privileges})
    if expected is not None and expected.casefold() not in {user.casefold() for user in read}:
        findings.append(
            unverified(
                rule,
                Severity.BLOCK,
                ObjectRef(kind="RunAsAccount", name=expected),
                f"the configuration server discovers {facts.vcenter.vcenter} as {expected}, "
                f"but privileges were read for {listing(read)}",
            )
        )
    for grant in facts.vcenter.run_as_privileges:
        ref = ObjectRef(kind="RunAsAccount", name=grant.user)
        if not grant.checked:
            findings.append(
                unverified(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"privileges of {grant.user} on {grant.entity} could not be read",
                )
            )
            continue
        missing = sorted(ctx.config.run_as_privileges - grant.privileges)
        if missing:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"run-as account {grant.user} lacks {len(missing)} privilege(s) on {grant.entity}: "
                    f"{listing(missing)} (it holds {len(grant.privileges)}); reprotect cannot "
                    "discover datastores",
                    "give the account the Site Recovery role (not read-only) on the datacenter, propagated, "
                    "update the vCenter credentials on the configuration server and retry",
                )
            )
        else:
            findings.append(
                passed(
                    rule, Severity.BLOCK, ref, f"run-as account {grant.user} holds the required privileges"
                )
            )
    return tuple(findings)


def check_fb006(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB006: no snapshots on the master target (block); snapshots on protected VMs are merged (info)."""
    rule, mt = "FB006", master_target_ref(facts)
    vcenter = facts.vcenter
    vm = vcenter.master_target_vm if vcenter else None
    if vcenter is None or vm is None:
        return (unverified(rule, Severity.BLOCK, mt, "the master target VM was not read from vCenter"),)
    findings: list[Finding] = []
    if vm.snapshots:
        names = [s.name for s in vm.snapshots]
        findings.append(
            failed(
                rule,
                Severity.BLOCK,
                mt,
                f"master target {vm.name} has {len(names)} snapshot(s): {listing(names)}",
                "delete the master target's snapshots and exclude it from backup jobs that take snapshots",
            )
        )
    else:
        findings.append(passed(rule, Severity.BLOCK, mt, f"master target {vm.name} has no snapshots"))
    for other in vcenter.on_premises_vms:
        if other.exists and other.snapshots:
            names = [s.name for s in other.snapshots]
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    item_ref(other.item),
                    f"on-premises VM {other.name or other.item} has {len(names)} snapshot(s): "
                    f"{listing(names)}; "
                    "the reprotect job merges them",
                    "nothing to do; delete them first if you want to keep control of when they are merged",
                )
            )
    return tuple(findings)


def check_fb007(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB007: all VMs of one replication group run the same OS type."""
    rule = "FB007"
    findings: list[Finding] = []
    for plan in facts.plans:
        for group in plan.groups:
            ref = ObjectRef(kind="ReplicationGroup", name=f"{plan.name}/{group.name}")
            by_os: dict[str, list[str]] = {}
            for entry in plan_items(facts):
                if entry.plan is plan and entry.group is group:
                    os_type = entry.item.os_type if entry.item else None
                    by_os.setdefault(os_type.value if os_type else "unknown", []).append(entry.name)
            known = {k: v for k, v in by_os.items() if k != "unknown"}
            described = "; ".join(f"{os}: {listing(names)}" for os, names in sorted(by_os.items()))
            if len(known) > 1:
                findings.append(
                    failed(
                        rule,
                        Severity.BLOCK,
                        ref,
                        f"replication group {group.name} mixes OS types ({described})",
                        "split the group by OS type; each OS needs its own master target",
                    )
                )
            elif "unknown" in by_os:
                findings.append(
                    failed(
                        rule,
                        Severity.WARN,
                        ref,
                        f"replication group {group.name}: OS type unknown for {listing(by_os['unknown'])}",
                        "read the items' OS before reprotect (Site Recovery clears it afterwards)",
                    )
                )
            else:
                findings.append(
                    passed(rule, Severity.BLOCK, ref, f"replication group {group.name}: {described}")
                )
    if not findings:
        findings.append(
            passed(rule, Severity.BLOCK, master_target_ref(facts), "no replication groups to check")
        )
    return tuple(findings)


def check_fb008(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB008: all VMs of one replication group use the same master target."""
    rule = "FB008"
    findings: list[Finding] = []
    # A group (by recovery plan, else by name) may be declared in several plans: all must agree.
    targets: dict[str, set[str]] = {}
    for plan in facts.plans:
        for group in plan.groups:
            target = group.master_target or plan.master_target or facts.master_target.name
            key = group.recovery_plan or group.name
            targets.setdefault(key, set()).add(target)
            ref = ObjectRef(kind="ReplicationGroup", name=f"{plan.name}/{group.name}")
            if group.master_target and plan.master_target and group.master_target != plan.master_target:
                findings.append(
                    failed(
                        rule,
                        Severity.BLOCK,
                        ref,
                        f"replication group {group.name} names master target {group.master_target}, "
                        f"plan {plan.name} names {plan.master_target}",
                        "reprotect every VM of a group through one master target",
                    )
                )
    for key, names in sorted(targets.items()):
        if len(names) > 1:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ObjectRef(kind="ReplicationGroup", name=key),
                    f"replication group {key} is sent to {len(names)} master targets: "
                    f"{listing(sorted(names))}",
                    "reprotect every VM of a group through one master target",
                )
            )
    # Items Site Recovery groups together (multi-VM group) must not be split over master targets.
    group_targets: dict[str, set[str]] = {}
    for entry in plan_items(facts):
        if entry.item and entry.item.multi_vm_group_name:
            target = (
                (entry.group.master_target if entry.group else None)
                or entry.plan.master_target
                or facts.master_target.name
            )
            group_targets.setdefault(entry.item.multi_vm_group_name, set()).add(target)
    for name, names in sorted(group_targets.items()):
        if len(names) > 1:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ObjectRef(kind="ReplicationGroup", name=name),
                    f"multi-VM group {name} is split over master targets {listing(sorted(names))}",
                    "reprotect every VM of a group through one master target",
                )
            )
    if findings:
        return tuple(findings)
    return (
        passed(
            rule, Severity.BLOCK, master_target_ref(facts), "each replication group uses one master target"
        ),
    )


def check_fb009(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB009: the master target's OS version is the same as or newer than every item's."""
    rule = "FB009"
    mt_text = master_target_os_version(facts)
    mt_version = parse_os_version(mt_text)
    findings: list[Finding] = []
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        item_text = entry.item.os_version if entry.item else None
        item_version = parse_os_version(item_text)
        if mt_version is None or item_version is None:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"cannot order OS versions: master target {mt_text or 'unknown'!s}, "
                    f"item {entry.name} {item_text or 'unknown'!s}",
                    "read the item's OS version before reprotect and check the master target's by hand",
                )
            )
            continue
        order = compare_os_versions(mt_version, item_version)
        if order is None:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"master target OS {mt_text} and item {entry.name} OS {item_text} cannot be compared",
                    "check by hand that the master target's OS is the same as or newer than the item's",
                )
            )
        elif order < 0:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"master target OS {mt_text} is older than item {entry.name} OS {item_text}",
                    "use a master target with the same or a newer OS version than the VMs it receives",
                )
            )
        else:
            findings.append(
                passed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"master target OS {mt_text} >= item {entry.name} OS {item_text}",
                )
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no items to compare"))
    return tuple(findings)


def check_fb010(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB010: the configuration server knows every VM of the plans."""
    rule = "FB010"
    server = configuration_server(facts)
    if facts.vault is None or server is None:
        return (
            unverified(rule, Severity.BLOCK, master_target_ref(facts), "Site Recovery items were not read"),
        )
    findings: list[Finding] = []
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        if entry.item is None or entry.item.known_to_configuration_server is False:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"item {entry.name} is not known to configuration server {server.name}",
                    "restore the configuration server from backup (same IP address), then check again",
                )
            )
        else:
            findings.append(passed(rule, Severity.BLOCK, ref, f"item {entry.name} is known to {server.name}"))
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no items to look up"))
    return tuple(findings)


def check_fb011(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB011: the failed-over Azure VMs reach the configuration server (agent heartbeats, job errors)."""
    rule = "FB011"
    if facts.vault is None:
        return (
            unverified(rule, Severity.WARN, master_target_ref(facts), "Site Recovery items were not read"),
        )
    connectivity_codes = {code for code, remedy in JOB_ERRORS.items() if remedy.rule == rule}
    findings: list[Finding] = []
    for entry in plan_items(facts):
        item = entry.item
        if item is None or is_reprotected(item) or item.instance_type not in FORWARD_PROVIDERS:
            continue
        ref = item_ref(entry.name)
        names = {entry.name, item.name, item.friendly_name}
        errors = [
            f"job {job.name or job.scenario} error {error.code}"
            for job in facts.vault.job_index().acting_on([*names, item.source_vm_id, item.id])
            if job.target_object_name in names or job.target_object_id in {item.source_vm_id, item.id}
            for error in job.errors
            if error.code in connectivity_codes
        ]
        stale = not fresh(item.agent_last_heartbeat, ctx.now, ctx.config.agent_heartbeat_max_age)
        if errors or stale:
            parts = []
            if stale:
                parts.append(f"agent heartbeat {describe_age(item.agent_last_heartbeat, ctx.now)}")
            parts += errors
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"Azure VM of {entry.name} may not reach the configuration server: {listing(parts)}",
                    "connect Azure to on-premises over site-to-site VPN or ExpressRoute private peering",
                )
            )
        else:
            findings.append(
                passed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"agent of {entry.name} heartbeat {describe_age(item.agent_last_heartbeat, ctx.now)}",
                )
            )
    if not findings:
        findings.append(
            passed(rule, Severity.WARN, master_target_ref(facts), "no failed-over items to check")
        )
    return tuple(findings)


def check_fb012(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB012: kept IP addresses need a private path and two NICs on the configuration server."""
    rule = "FB012"
    findings: list[Finding] = []
    for plan in facts.plans:
        ref = plan_ref(plan)
        if plan.keep_ip_addresses:
            nics = plan.failback_nic_count
            findings.append(
                failed(
                    rule,
                    Severity.INFO,
                    ref,
                    f"plan {plan.name} keeps IP addresses (failback NICs declared: "
                    f"{nics if nics is not None else 'unknown'}): the Azure VMs need S2S VPN or "
                    "ExpressRoute to "
                    "the configuration server's failback NIC",
                    "give the configuration server a second NIC for failback so source and failover ranges "
                    "do not overlap",
                )
            )
        else:
            findings.append(passed(rule, Severity.INFO, ref, f"plan {plan.name} does not keep IP addresses"))
    if not findings:
        findings.append(passed(rule, Severity.INFO, master_target_ref(facts), "no plans to check"))
    return tuple(findings)


def check_fb013(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB013: failback ports are open: probes where the operator can reach, heartbeats elsewhere."""
    rule = "FB013"
    findings: list[Finding] = []
    for probe in facts.probes:
        ref = ObjectRef(kind="Endpoint", name=f"{probe.host}:{probe.port}")
        if probe.reachable:
            findings.append(
                passed(rule, Severity.WARN, ref, f"{probe.target} {probe.host}:{probe.port} reachable")
            )
        else:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"{probe.target} {probe.host}:{probe.port} not reachable: {probe.error or 'no answer'}",
                    "open the port on the firewalls between the components",
                )
            )
    server = configuration_server(facts)
    if server is None:
        findings.append(
            unverified(
                rule, Severity.WARN, master_target_ref(facts), "no configuration server heartbeat to rely on"
            )
        )
        return tuple(findings)
    evidence = [(f"configuration server {server.name}", server.last_heartbeat)]
    wanted = {plan.process_server for plan in facts.plans if plan.process_server}
    for name in sorted(wanted):
        process_server = find_process_server(server, name)
        evidence.append((f"process server {name}", process_server.last_heartbeat if process_server else None))
    for label, heartbeat in evidence:
        ref = ObjectRef(kind="Heartbeat", name=label)
        if fresh(heartbeat, ctx.now, ctx.config.heartbeat_max_age):
            findings.append(
                passed(rule, Severity.WARN, ref, f"{label} heartbeat {describe_age(heartbeat, ctx.now)}")
            )
        else:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"{label} heartbeat {describe_age(heartbeat, ctx.now)}: its ports may be closed",
                    "open 443 to the configuration server and 9443 to the process server",
                )
            )
    return tuple(findings)
