"""Checks of the article's "Failback": FB040 to FB045, and FB046 (a recovery plan holds its group)."""

from __future__ import annotations

from collections.abc import Collection

from failback_operator.facts import EsxiHost, FailbackFacts, Job, JobTask
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.lookups import (
    FAILOVER_SCENARIOS,
    VMS_UNKNOWN,
    host_named,
    is_reprotected,
    item_ref,
    listing,
    master_target_os_type,
    master_target_ref,
    on_premises_vm,
    plan_items,
    plan_ref,
    registered_master_target,
)
from failback_operator.rules.master_target import SUITABLE_DATASTORE_TYPES, describe_mount, mounted_read_write
from failback_operator.rules.model import Finding, ObjectRef, Severity, failed, passed, unverified
from failback_operator.rules.window import failback_gate

Findings = tuple[Finding, ...]

REPROTECT_SCENARIOS = frozenset({"SwitchReplicationGroupProtection", "Reprotect"})


def check_fb040(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB040: failback starts only inside the downtime window and, where asked, after approval."""
    rule = "FB040"
    findings: list[Finding] = []
    for plan in facts.plans:
        gate = failback_gate(plan, facts.approvals, ctx.now)
        ref = plan_ref(plan)
        if gate.allowed:
            by = f", approved by {gate.approval.approved_by} ({gate.approval.name})" if gate.approval else ""
            findings.append(
                passed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"inside the downtime window until {gate.closes_at:%Y-%m-%dT%H:%M:%SZ}{by}",
                )
            )
        else:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"failback of {plan.name} may not start now ({ctx.now:%Y-%m-%dT%H:%M:%SZ}): "
                    f"{'; '.join(gate.reasons)}",
                    "wait for the downtime window, or change it, and have a second person approve this run",
                )
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no plans to fail back"))
    return tuple(findings)


def check_fb041(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB041: the master target runs the same OS type as every VM it receives."""
    rule = "FB041"
    mt_os = master_target_os_type(facts)
    findings: list[Finding] = []
    registered = registered_master_target(facts)
    declared = facts.master_target.os_type
    if declared and registered and registered.os_type and registered.os_type is not declared:
        findings.append(
            failed(
                rule,
                Severity.BLOCK,
                master_target_ref(facts),
                f"master target {facts.master_target.name} is declared {declared}, the configuration server "
                f"reports {registered.name} as {registered.os_type}",
                "correct spec.osType or point the MasterTarget at the right master target",
            )
        )
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        item_os = entry.item.os_type if entry.item else None
        if mt_os is None:
            findings.append(unverified(rule, Severity.BLOCK, ref, "the master target's OS type is unknown"))
        elif item_os is None:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"OS type of {entry.name} is unknown; master target is {mt_os}",
                    "read the item's OS before reprotect (Site Recovery clears it afterwards)",
                )
            )
        elif item_os is not mt_os:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"{entry.name} runs {item_os}, master target {facts.master_target.name} runs {mt_os}",
                    f"reprotect {entry.name} through a {item_os} master target",
                )
            )
        else:
            findings.append(
                passed(rule, Severity.BLOCK, ref, f"{entry.name} and the master target both run {mt_os}")
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no items"))
    return tuple(findings)


def _is_shutdown(task: JobTask) -> bool:
    text = f"{task.id} {task.name} {task.friendly_name or ''}".casefold()
    return "shutdown" in text or "shut down" in text


def _is_sync(task: JobTask) -> bool:
    return (
        task.id == "PrepareForUnPlannedFailoverTask" or "synchroniz" in (task.friendly_name or "").casefold()
    )


SHUTDOWN_GROUP_TYPES = frozenset({"RecoveryPlanShutdownGroupTaskDetails"})
MACHINE_TASK_TYPE = "VirtualMachineTaskDetails"


def is_recovery_plan_job(job: Job) -> bool:
    """A job run by a recovery plan: its per-machine work sits in machine tasks of its groups."""
    return job.target_instance_type == "RecoveryPlan" or any(
        task.task_type == MACHINE_TASK_TYPE for task in job.all_tasks()
    )


def machine_tasks(job: Job, machines: Collection[str], *, group_types: Collection[str] = ()) -> list[JobTask]:
    """The machine tasks of a recovery-plan job acting on one of `machines` (names compared casefolded).

    With `group_types`, only those under a group task of one of those types (e.g. the shut-down group).
    """
    wanted = {name.casefold() for name in machines if name}
    groups = [t for t in job.tasks if not group_types or t.task_type in group_types]
    return [
        task
        for group in groups
        for task in group.walk()
        if task.task_type == MACHINE_TASK_TYPE and (task.target_object_name or "").casefold() in wanted
    ]


def _plan_shutdown_problems(job: Job, machines: Collection[str]) -> list[str]:
    """FB042 in a recovery-plan job: the shut-down group's task for the machine succeeded.

    The shut-down group (RecoveryPlanShutdownGroupTaskDetails) holds one machine task per VM, whose
    child job shuts the Azure VM down and synchronises its last changes.
    """
    shutdown_groups = [t for t in job.tasks if t.task_type in SHUTDOWN_GROUP_TYPES]
    if not shutdown_groups:
        return ["no shut-down group in the recovery plan job"]
    tasks = machine_tasks(job, machines, group_types=SHUTDOWN_GROUP_TYPES)
    if not tasks:
        group = shutdown_groups[0]
        return [
            f"the shut-down group is {group.state_description or group.state} with no task for "
            f"{listing(sorted(machines)) if machines else 'this machine'}"
        ]
    return [
        f"shut-down of {task.target_object_name or task.friendly_name} is "
        f"{task.state_description or task.state}"
        for task in tasks
        if task.state != "Succeeded"
    ]


def shutdown_problems(job: Job, machines: Collection[str] = ()) -> list[str]:
    """What is wrong with the failover job's shut-down and sync tasks; empty when both succeeded.

    Unplanned failover (classic) has separate shut-down and sync tasks; a planned failover
    (modernized) shuts down in its failover task and syncs as part of it. A recovery-plan job
    does it in its shut-down group, one machine task per VM (`machines`: the VM's names).
    A job list entry has no tasks: until the job is read by name, nothing is confirmed.
    """
    if not job.tasks:
        return ["the job's tasks were not read (a job list shows none)" if not job.detailed else "no tasks"]
    if is_recovery_plan_job(job):
        return _plan_shutdown_problems(job, machines)
    problems: list[str] = []
    shutdown = [t for t in job.tasks if _is_shutdown(t)]
    if not shutdown:
        problems.append("no shut-down task in the job")
    sync = [t for t in job.tasks if _is_sync(t)]
    if job.scenario == "UnplannedFailover" and not sync:
        problems.append("no synchronise-latest-changes task in the job")
    for task in shutdown + sync:
        if task.state != "Succeeded":
            problems.append(
                f"task {task.friendly_name or task.name} is {task.state_description or task.state}"
            )
    return problems


def check_fb042(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB042: the failover job shut the Azure VM down and synchronised it before commit."""
    rule = "FB042"
    if facts.vault is None:
        return (
            unverified(rule, Severity.BLOCK, master_target_ref(facts), "Site Recovery jobs were not read"),
        )
    findings: list[Finding] = []
    # A recovery plan's per-machine child jobs are parts of its job, not failovers of their own.
    jobs_index = facts.vault.job_index()
    children = jobs_index.children
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        item = entry.item
        names = {entry.name} | ({item.name, item.friendly_name} if item else set())
        names.discard(None)
        ids = {item.source_vm_id, item.id} - {None} if item else set()
        recovery_plan = entry.group.recovery_plan if entry.group else None
        mine = sorted(
            (
                j
                for j in jobs_index.acting_on([*names, *ids, recovery_plan])
                if j.id not in children
                and (
                    j.target_object_name in names
                    or j.target_object_id in ids
                    or (recovery_plan is not None and j.target_object_name == recovery_plan)
                )
            ),
            key=lambda j: j.start.timestamp() if j.start else 0.0,
        )
        # Only a failover after the last reprotect is the failback; an older one went to Azure.
        last_reprotect = max((i for i, j in enumerate(mine) if j.scenario in REPROTECT_SCENARIOS), default=-1)
        jobs = [j for j in mine[last_reprotect + 1 :] if j.scenario in FAILOVER_SCENARIOS]
        if not jobs:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"no failover job found for {entry.name}: its shut-down and sync cannot be confirmed",
                    "do not commit until the failover job is found and shows the shut-down task succeeded",
                )
            )
            continue
        job = jobs[-1]
        problems = shutdown_problems(job, {n for n in names if n})
        if problems:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"failover job {job.id} of {entry.name}: {listing(problems)}; the Azure VM's "
                    "last changes may "
                    "not have come home",
                    "do not commit: cancel the failover where possible and fail back with source-site "
                    "operations required (shut down the Azure VM)",
                )
            )
        else:
            findings.append(
                passed(
                    rule, Severity.BLOCK, ref, f"failover job {job.id}: Azure VM shut down and synchronised"
                )
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no items"))
    return tuple(findings)


def check_fb043(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB043: no VM of the same name exists where reprotect will create a new VM."""
    rule = "FB043"
    if facts.vcenter is None:
        return (unverified(rule, Severity.BLOCK, master_target_ref(facts), "vCenter facts were not read"),)
    if facts.vault is None:
        return (unverified(rule, Severity.BLOCK, master_target_ref(facts), VMS_UNKNOWN),)
    taken = {name.casefold() for name in facts.vcenter.vm_names_at_target}
    if facts.vcenter.master_target_host is not None:
        taken |= {name.casefold() for name in facts.vcenter.master_target_host.vm_names}
    findings: list[Finding] = []
    for entry in plan_items(facts):
        vm = on_premises_vm(facts, entry.name, entry.item)
        if vm is not None and vm.exists:
            continue  # fails back onto the existing VM
        if entry.item is not None and is_reprotected(entry.item):
            continue  # the new VM already exists: reprotect created it
        ref = item_ref(entry.name)
        new_name = (
            (vm.name if vm else None) or (entry.item.friendly_name if entry.item else None) or entry.name
        )
        if new_name.casefold() in taken:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"a VM named {new_name} already exists where reprotect would create it (job error 78052)",
                    "rename or remove the existing VM, or choose another host/folder for the master target",
                )
            )
        else:
            findings.append(passed(rule, Severity.BLOCK, ref, f"no VM named {new_name} at the target"))
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no new VMs to create"))
    return tuple(findings)


def check_fb044(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB044: the hosts that power the failed-back VMs on have enough free memory."""
    rule = "FB044"
    if facts.vcenter is None:
        return (unverified(rule, Severity.WARN, master_target_ref(facts), "vCenter facts were not read"),)
    if facts.vault is None:
        return (unverified(rule, Severity.WARN, master_target_ref(facts), VMS_UNKNOWN),)
    needs: dict[str, int] = {}
    unknown: list[str] = []
    hosts: dict[str, EsxiHost | None] = {}
    for entry in plan_items(facts):
        vm = on_premises_vm(facts, entry.name, entry.item)
        host_name = vm.host if vm is not None and vm.exists and vm.host else None
        host = host_named(facts, host_name) if host_name else facts.vcenter.master_target_host
        key = host.name if host else (host_name or "unknown host")
        hosts[key] = host
        memory = (vm.memory_mb if vm and vm.memory_mb else None) or (
            entry.item.source_vm_ram_mb if entry.item else None
        )
        if memory is None:
            unknown.append(entry.name)
            continue
        needs[key] = needs.get(key, 0) + memory
    findings: list[Finding] = []
    for key in sorted(hosts):
        host = hosts[key]
        ref = ObjectRef(kind="EsxiHost", name=key)
        need = needs.get(key, 0)
        free = host.free_memory_bytes if host else None
        if free is None:
            findings.append(
                unverified(rule, Severity.WARN, ref, f"free memory of {key} is unknown (VMs need {need} MiB)")
            )
        elif free // 2**20 < need:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"host {key} has {free // 2**20} MiB free, the failed-back VMs need {need} MiB "
                    "(job error 8038)",
                    "free memory on the host or move VMs away before failback",
                )
            )
        else:
            findings.append(
                passed(rule, Severity.WARN, ref, f"host {key} has {free // 2**20} MiB free for {need} MiB")
            )
    if unknown:
        findings.append(
            failed(
                rule,
                Severity.WARN,
                master_target_ref(facts),
                f"memory size unknown for {listing(unknown)}",
                "read the VMs' memory size before failback",
            )
        )
    if not findings:
        findings.append(passed(rule, Severity.WARN, master_target_ref(facts), "no VMs to power on"))
    return tuple(findings)


def check_fb045(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB045: the plan's datastore is mounted read-write on the master target's host and is VMFS or vSAN."""
    rule = "FB045"
    host = facts.vcenter.master_target_host if facts.vcenter else None
    if host is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "the master target's ESXi host was not read"
            ),
        )
    findings: list[Finding] = []
    for plan in facts.plans:
        ref = plan_ref(plan)
        if not plan.datastore:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"plan {plan.name} names no datastore (reprotect always requires one)",
                    f"name a VMFS or vSAN datastore mounted on {host.name} in spec.datastore",
                )
            )
            continue
        mount = next((d for d in host.datastores if d.name.casefold() == plan.datastore.casefold()), None)
        if mount is None:
            mounted = [d.name for d in host.datastores] or ["none"]
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"datastore {plan.datastore} is not mounted on master target host {host.name} "
                    f"(mounted: {listing(mounted)}; job error 8061)",
                    f"mount {plan.datastore} on {host.name} or choose a datastore it mounts",
                )
            )
        elif not mounted_read_write(mount) or (mount.type or "").casefold() not in SUITABLE_DATASTORE_TYPES:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"datastore {describe_mount(mount)} on {host.name} is not a read-write VMFS or "
                    "vSAN datastore",
                    "choose a VMFS or vSAN datastore mounted read-write on the master target's host",
                )
            )
        else:
            findings.append(
                passed(rule, Severity.BLOCK, ref, f"datastore {describe_mount(mount)} on {host.name}")
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no plans name a datastore"))
    return tuple(findings)


def check_fb046(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB046: a group's recovery plan holds exactly the group's items before its failover or commit.

    A recovery-plan failover or commit acts on every machine the plan holds: a machine that is not
    in the group would be failed over or committed with it, one missing from the plan would be left.
    """
    rule = "FB046"
    findings: list[Finding] = []
    grouped = [(plan, group) for plan in facts.plans for group in plan.groups if group.recovery_plan]
    if not grouped:
        return (
            passed(rule, Severity.BLOCK, master_target_ref(facts), "no group goes through a recovery plan"),
        )
    if facts.vault is None or facts.vault.recovery_plans is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "Site Recovery's recovery plans were not read"
            ),
        )
    for plan, group in grouped:
        assert group.recovery_plan is not None
        ref = ObjectRef(kind="ReplicationGroup", name=f"{plan.name}/{group.name}")
        found = facts.vault.recovery_plan_named(group.recovery_plan)
        if found is None:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"recovery plan {group.recovery_plan} of group {group.name} does not exist in the vault",
                    "create the recovery plan with exactly the group's machines, or name the right one in "
                    "spec.groups[].recoveryPlan",
                )
            )
            continue
        held = {name.casefold(): name for name in found.item_names}
        wanted = {name.casefold(): name for name in group.items}
        foreign = sorted(held[key] for key in held.keys() - wanted.keys())
        missing = sorted(wanted[key] for key in wanted.keys() - held.keys())
        if not foreign and not missing:
            findings.append(
                passed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"recovery plan {found.name} holds exactly group {group.name}: "
                    f"{listing(sorted(wanted.values()))}",
                )
            )
            continue
        differences, changes = [], []
        if foreign:
            differences.append(f"holds {listing(foreign)}, not in group {group.name}")
            changes.append(f"remove {listing(foreign)}")
        if missing:
            differences.append(f"lacks {listing(missing)} of group {group.name}")
            changes.append(f"add {listing(missing)}")
        findings.append(
            failed(
                rule,
                Severity.BLOCK,
                ref,
                f"recovery plan {found.name} {'; '.join(differences)}: its failover and commit act on every "
                "machine it holds",
                f"in the vault, {' and '.join(changes)} in recovery plan {found.name} so that it holds "
                "exactly the group's machines, or make the group list the same machines",
            )
        )
    return tuple(findings)
