"""Checks of the article's "Master target server": FB017 to FB027."""

from __future__ import annotations

from dataclasses import replace

from failback_operator.facts import (
    EsxiHost,
    FailbackFacts,
    HostDatastore,
    OsType,
    RootVolumeLayout,
    ScsiControllerKind,
)
from failback_operator.facts.reservations import MASTER_TARGET_DISK_SLOTS
from failback_operator.rules.disk_slots import DiskSlotUsage, disk_slot_usage, item_disk_count
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.lookups import (
    VMS_UNKNOWN,
    configuration_server,
    find_item,
    is_reprotected,
    item_ref,
    item_vm_unknown,
    listing,
    master_target_os_type,
    master_target_ref,
    on_premises_vm,
    plan_items,
    registered_master_target,
)
from failback_operator.rules.model import CheckPhase, Finding, ObjectRef, Severity, failed, passed, unverified
from failback_operator.rules.retention import (
    RetentionWaitAction,
    default_retention_drive,
    duration_text,
    normalise_retention_drive,
    offered_volume,
    retention_volume_wait,
    wait_deadline,
    wait_for_drive,
)

Findings = tuple[Finding, ...]

_UNSUITABLE_FILE_SYSTEMS = frozenset({"fat", "fat16", "fat32"})
# Datastore types a master target's host must have at least one of (FB025, FB045).
SUITABLE_DATASTORE_TYPES = frozenset({"vmfs", "vsan"})


def _mt_vm_missing(rule: str, facts: FailbackFacts) -> Finding:
    return unverified(
        rule, Severity.BLOCK, master_target_ref(facts), "the master target VM was not read from vCenter"
    )


def _mt_host(facts: FailbackFacts) -> EsxiHost | None:
    return facts.vcenter.master_target_host if facts.vcenter else None


def mounted_read_write(datastore: HostDatastore) -> bool:
    """Whether the host can write to the datastore: accessible, read-write, not unmounted (unknown is no)."""
    return (
        datastore.accessible is True
        and datastore.mounted is not False
        and datastore.access_mode == "readWrite"
    )


def describe_mount(datastore: HostDatastore) -> str:
    """`DS-77 (VMFS, readWrite, accessible)` for messages."""
    access = "accessible" if datastore.accessible is not False else "inaccessible"
    mounted = "" if datastore.mounted is not False else ", unmounted"
    kind = datastore.type or "unknown type"
    return f"{datastore.name} ({kind}, {datastore.access_mode or 'unknown access'}, {access}{mounted})"


def check_fb017(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB017: Linux VMs need a separate Linux master target that is not on LVM."""
    rule, mt = "FB017", master_target_ref(facts)
    entries = list(plan_items(facts))
    linux_items = [e.name for e in entries if e.item and e.item.os_type is OsType.LINUX]
    unknown = [e.name for e in entries if e.item is None or e.item.os_type is None]
    mt_os = master_target_os_type(facts)
    if unknown and mt_os is not OsType.LINUX:
        return (
            failed(
                rule,
                Severity.WARN,
                mt,
                f"OS type unknown for {listing(unknown)}: cannot tell whether they need a Linux "
                "master target",
                "read the items' OS before reprotect (Site Recovery clears it afterwards)",
            ),
        )
    if not linux_items and mt_os is not OsType.LINUX:
        return (
            passed(
                rule, Severity.BLOCK, mt, "no Linux VMs to receive; a Windows master target may be built in"
            ),
        )
    problems: list[str] = []
    if linux_items and mt_os is not OsType.LINUX:
        problems.append(
            f"Linux VMs {listing(linux_items)} need a Linux master target, this one is {mt_os or 'unknown'}"
        )
    server = configuration_server(facts)
    registered = registered_master_target(facts)
    built_in = {n.casefold() for n in (server.name, server.host_name) if n} if server else set()
    if linux_items and server and registered and registered.name.casefold() in built_in:
        problems.append(
            f"Linux VMs cannot use the master target built into configuration server {server.name}"
        )
    layout = facts.master_target.root_volume_layout
    if mt_os is OsType.LINUX:
        if layout is RootVolumeLayout.LVM:
            problems.append("the Linux master target's root volume is on LVM, which is not supported")
        elif layout is None:
            problems.append(
                "the Linux master target does not declare its root volume layout (vSphere cannot see LVM)"
            )
    if problems:
        return (
            failed(
                rule,
                Severity.BLOCK,
                mt,
                "; ".join(problems),
                "deploy a separate Linux master target without LVM and declare "
                "spec.rootVolumeLayout: Standard",
            ),
        )
    return (passed(rule, Severity.BLOCK, mt, f"Linux master target with a {layout} root volume"),)


def check_fb018(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB018: an existing on-premises VM's datastores are mounted read-write on the master target's host."""
    rule = "FB018"
    host = _mt_host(facts)
    if facts.vcenter is None or host is None:
        return (
            unverified(
                rule, Severity.BLOCK, master_target_ref(facts), "the master target's ESXi host was not read"
            ),
        )
    if facts.vault is None:
        return (unverified(rule, Severity.BLOCK, master_target_ref(facts), VMS_UNKNOWN),)
    mounts = {d.name.casefold(): d for d in host.datastores}
    findings: list[Finding] = []
    for entry in plan_items(facts):
        ref = item_ref(entry.name)
        if entry.item is None:
            findings.append(unverified(rule, Severity.BLOCK, ref, item_vm_unknown(entry.name)))
            continue
        vm = on_premises_vm(facts, entry.name, entry.item)
        if vm is None or not vm.exists:
            continue
        bad = []
        for name in vm.datastores:
            mount = mounts.get(name.casefold())
            if mount is None:
                bad.append(f"{name} (not mounted)")
            elif not mounted_read_write(mount):
                bad.append(describe_mount(mount))
        if bad:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"master target host {host.name} cannot write the disks of "
                    f"{vm.name or entry.name}: {listing(bad)}",
                    f"mount the VM's datastores read-write on {host.name}",
                )
            )
        else:
            findings.append(
                passed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"{host.name} mounts {listing(list(vm.datastores)) or 'no datastores'} read-write",
                )
            )
    if not findings:
        findings.append(passed(rule, Severity.BLOCK, master_target_ref(facts), "no existing on-premises VMs"))
    return tuple(findings)


def check_fb019(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB019: where the on-premises VM is gone, report the host and datastore that will receive it."""
    rule = "FB019"
    host = _mt_host(facts)
    if facts.vcenter is None:
        return (unverified(rule, Severity.INFO, master_target_ref(facts), "vCenter facts were not read"),)
    if facts.vault is None:
        return (unverified(rule, Severity.INFO, master_target_ref(facts), VMS_UNKNOWN),)
    findings: list[Finding] = []
    for entry in plan_items(facts):
        vm = on_premises_vm(facts, entry.name, entry.item)
        ref = item_ref(entry.name)
        if entry.item is None:
            findings.append(unverified(rule, Severity.INFO, ref, item_vm_unknown(entry.name)))
            continue
        if vm is not None and vm.exists:
            findings.append(passed(rule, Severity.INFO, ref, f"{entry.name} fails back onto its existing VM"))
            continue
        findings.append(
            failed(
                rule,
                Severity.INFO,
                ref,
                f"{entry.name} no longer exists on-premises: reprotect creates a new VM on host "
                f"{host.name if host else 'unknown'}, datastore {entry.plan.datastore or 'not chosen'}",
                "nothing to do if that placement is right; otherwise change the plan's datastore",
            )
        )
    if not findings:
        findings.append(passed(rule, Severity.INFO, master_target_ref(facts), "no items to place"))
    return tuple(findings)


def check_fb020(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB020: the master target is excluded from Storage DRS and its disks have not moved since reprotect."""
    rule, mt = "FB020", master_target_ref(facts)
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    if vm is None:
        severity = Severity.BLOCK if ctx.phase is CheckPhase.CONTINUOUS else Severity.WARN
        return (unverified(rule, severity, mt, "the master target VM was not read from vCenter"),)
    findings: list[Finding] = []
    if vm.storage_drs_enabled is not False:
        state = "enabled" if vm.storage_drs_enabled else "unknown"
        findings.append(
            failed(
                rule,
                Severity.WARN,
                mt,
                f"Storage DRS is {state} for master target {vm.name}: Storage vMotion could move its disks",
                "exclude the master target from Storage DRS (VM override: automation disabled)",
            )
        )
    recorded = facts.placements_at_reprotect
    if ctx.phase is CheckPhase.CONTINUOUS and recorded is not None:
        now = {p.disk: p for p in vm.disk_placements}
        moved = [
            f"{before.disk}: {before.datastore} -> {now[before.disk].datastore}"
            for before in recorded
            if before.disk in now
            and (now[before.disk].datastore, now[before.disk].file_name)
            != (before.datastore, before.file_name)
        ]
        gone = [before.disk for before in recorded if before.disk not in now]
        if moved or gone:
            details = moved + [f"{disk}: detached" for disk in gone]
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    mt,
                    f"master target {vm.name} disks moved since reprotect: {listing(details)}",
                    "move the disks back (Storage vMotion) before failback, or failback cannot detach them",
                )
            )
    if not findings:
        message = f"master target {vm.name} is excluded from Storage DRS"
        if ctx.phase is CheckPhase.CONTINUOUS:
            message += (
                "; no disk placement recorded at reprotect yet"
                if recorded is None
                else f"; its {len(recorded)} disks are where reprotect left them"
            )
        findings.append(passed(rule, Severity.WARN, mt, message))
    return tuple(findings)


_RETENTION_VOLUME = (
    "add a dedicated volume (not FAT/FAT32, not the install or cache volume, not a replication target, "
    "not locked)"
)
_RETENTION_REMEDY_WAITING = (
    _RETENTION_VOLUME
    + "; the operator refreshes the configuration server and waits for it to be listed (FB022)"
)
_RETENTION_REMEDY_FAILED = (
    _RETENTION_VOLUME + ", refresh the configuration server and wait up to 15 minutes for it to be listed "
    "(FB022)"
)


def _retention_drive_missing(
    facts: FailbackFacts,
    ctx: CheckContext,
    ref: ObjectRef,
    registered: str,
    drive: str,
    offered: list[str],
) -> Finding:
    """FB021 for a drive that is not offered: waiting while FB022's wait runs, failed after it.

    Where nothing keeps waits (preflight), it fails at once; where the operator keeps them, a drive
    without a wait yet is one the master target's reconciler is about to start waiting for.
    """
    os_type = master_target_os_type(facts)
    missing = (
        f"master target {registered} does not offer retention drive {drive} (offered: {listing(offered)})"
    )
    if facts.retention_waits is None:
        return failed("FB021", Severity.BLOCK, ref, missing, _RETENTION_REMEDY_FAILED)
    wait = wait_for_drive(facts.retention_waits, facts.master_target.name, drive, os_type)
    if wait is None:
        return Finding(
            rule="FB021",
            severity=Severity.BLOCK,
            object=ref,
            message=f"{missing}; the operator starts waiting up to "
            f"{duration_text(ctx.config.retention_volume_wait)} for it to be listed (FB022)",
            remedy=_RETENTION_REMEDY_WAITING,
            waiting_until=ctx.now + ctx.config.retention_volume_wait,
        )
    refresh = (
        f"configuration server refresh asked at {wait.refreshed_at:%H:%M:%SZ}"
        if wait.refreshed_at
        else "no configuration server refresh asked yet"
    )
    decision = retention_volume_wait(
        offered=False,
        missing_since=wait.missing_since,
        refreshed_at=wait.refreshed_at,
        now=ctx.now,
        config=ctx.config,
    )
    if decision.action is RetentionWaitAction.FAIL:
        return failed(
            "FB021",
            Severity.BLOCK,
            ref,
            f"{missing}; {decision.reason} at {wait.missing_since:%Y-%m-%dT%H:%M:%SZ} ({refresh}, FB022)",
            _RETENTION_REMEDY_FAILED,
        )
    deadline = wait_deadline(wait, ctx.config)
    return Finding(
        rule="FB021",
        severity=Severity.BLOCK,
        object=ref,
        message=f"{missing}; waiting until {deadline:%Y-%m-%dT%H:%M:%SZ} for it to be listed, as a newly "
        f"added volume can take that long ({refresh}, FB022)",
        remedy=_RETENTION_REMEDY_WAITING,
        waiting_until=deadline,
    )


def check_fb021(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB021: the retention drive is offered by the master target and usable."""
    rule, mt = "FB021", master_target_ref(facts)
    registered = registered_master_target(facts)
    if registered is None:
        return (
            unverified(
                rule, Severity.BLOCK, mt, "the master target is not registered with the configuration server"
            ),
        )
    os_type = master_target_os_type(facts)
    wanted = {
        plan.retention_drive or facts.master_target.retention_drive or default_retention_drive(os_type)
        for plan in facts.plans
    } or {facts.master_target.retention_drive or default_retention_drive(os_type)}
    offered = [
        f"{v.name} ({(v.capacity_bytes or 0) // 2**30} GiB, {(v.free_bytes or 0) // 2**30} GiB free)"
        for v in registered.retention_volumes
    ] or ["none"]
    findings: list[Finding] = []
    for drive in sorted(wanted):
        ref = ObjectRef(
            kind="RetentionVolume", name=f"{registered.name}/{normalise_retention_drive(drive, os_type)}"
        )
        volume = offered_volume(registered.retention_volumes, drive, os_type)
        if volume is None:
            findings.append(_retention_drive_missing(facts, ctx, ref, registered.name, drive, offered))
            continue
        problems = []
        if not volume.capacity_bytes:
            problems.append(f"capacity {volume.capacity_bytes or 0} bytes")
        if volume.file_system and volume.file_system.casefold() in _UNSUITABLE_FILE_SYSTEMS:
            problems.append(f"file system {volume.file_system}")
        if volume.locked:
            problems.append("locked")
        if volume.cache_volume:
            problems.append("it is the cache/install volume")
        if volume.in_use:
            problems.append("used for something else")
        if problems:
            findings.append(
                failed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"retention volume {volume.name} on {registered.name} is unusable: {listing(problems)}",
                    "use a dedicated, unlocked NTFS/ext4 volume of non-zero capacity for retention",
                )
            )
        elif volume.free_bytes == 0:
            findings.append(
                failed(
                    rule,
                    Severity.WARN,
                    ref,
                    f"retention volume {volume.name} on {registered.name} has no free space",
                    "free space on the retention volume or add a larger one",
                )
            )
        else:
            findings.append(
                passed(
                    rule,
                    Severity.BLOCK,
                    ref,
                    f"retention volume {volume.name} offered ({(volume.free_bytes or 0) // 2**30} GiB free)",
                )
            )
    return tuple(findings)


def check_fb023(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB023: VMware Tools / open-vm-tools run on the master target."""
    rule, mt = "FB023", master_target_ref(facts)
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    if vm is None:
        return (_mt_vm_missing(rule, facts),)
    if vm.tools_running_status in ("guestToolsRunning", "guestToolsExecutingScripts"):
        return (passed(rule, Severity.BLOCK, mt, f"VMware Tools on {vm.name}: {vm.tools_running_status}"),)
    return (
        failed(
            rule,
            Severity.BLOCK,
            mt,
            f"VMware Tools on master target {vm.name} are {vm.tools_running_status or 'not reported'}: "
            "the datastores of its ESXi host cannot be discovered",
            "install and start VMware Tools (Windows) or open-vm-tools (Linux) on the master target",
        ),
    )


def check_fb024(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB024: `disk.EnableUUID=true` is set on the master target VM."""
    rule, mt = "FB024", master_target_ref(facts)
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    if vm is None:
        return (_mt_vm_missing(rule, facts),)
    if vm.enable_uuid is not None and vm.enable_uuid.strip().casefold() == "true":
        return (passed(rule, Severity.BLOCK, mt, f"disk.EnableUUID={vm.enable_uuid} on {vm.name}"),)
    observed = "missing" if vm.enable_uuid is None else f"set to {vm.enable_uuid!r}"
    remedy = "power the master target off and set disk.EnableUUID=TRUE in its configuration parameters"
    if not facts.master_target.remediate_enable_uuid:
        remedy += " (or set spec.remediation.enableDiskUuid to let the operator do it)"
    return (
        failed(rule, Severity.BLOCK, mt, f"disk.EnableUUID on master target {vm.name} is {observed}", remedy),
    )


def check_fb025(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB025: the master target's ESXi host has a VMFS (or vSAN) datastore attached."""
    rule, mt = "FB025", master_target_ref(facts)
    host = _mt_host(facts)
    if host is None:
        return (unverified(rule, Severity.BLOCK, mt, "the master target's ESXi host was not read"),)
    suitable = [
        d.name
        for d in host.datastores
        if (d.type or "").casefold() in SUITABLE_DATASTORE_TYPES and mounted_read_write(d)
    ]
    if suitable:
        return (
            passed(
                rule, Severity.BLOCK, mt, f"host {host.name} has VMFS/vSAN datastores {listing(suitable)}"
            ),
        )
    found = [describe_mount(d) for d in host.datastores] or ["none"]
    return (
        failed(
            rule,
            Severity.BLOCK,
            ObjectRef(kind="EsxiHost", name=host.name),
            f"ESXi host {host.name} of the master target has no usable VMFS or vSAN datastore: "
            f"{listing(found)}",
            "attach a VMFS (or vSAN) datastore to the host; NFS and RDM are not supported",
        ),
    )


def check_fb026(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB026: the master target's SCSI controllers are LSI Logic, as Microsoft documents: no PVSCSI.

    The article: "The master target can't have a Paravirtual SCSI controller. The controller can
    only be an LSI Logic controller." vSphere's LSI Logic SAS is another controller type, which no
    Microsoft document names for the master target, so it is not taken as LSI Logic (docs/rules.md).
    """
    rule, mt = "FB026", master_target_ref(facts)
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    if vm is None:
        return (_mt_vm_missing(rule, facts),)
    wrong = [
        f"{c.label or f'SCSI controller {c.bus_number}'} ({c.kind})"
        for c in vm.controllers
        if c.kind is not ScsiControllerKind.LSI_LOGIC
    ]
    if wrong:
        return (
            failed(
                rule,
                Severity.BLOCK,
                mt,
                f"master target {vm.name} has SCSI controllers other than LSI Logic: {listing(wrong)}; "
                "the failback article allows only LSI Logic (reprotect fails with PVSCSI)",
                "change them to LSI Logic (parallel) controllers",
            ),
        )
    if not vm.controllers:
        return (
            failed(
                rule,
                Severity.BLOCK,
                mt,
                f"master target {vm.name} has no SCSI controller",
                "add LSI Logic SCSI controllers for the disks reprotect attaches",
            ),
        )
    kinds = sorted({c.kind.value for c in vm.controllers})
    return (passed(rule, Severity.BLOCK, mt, f"master target {vm.name} SCSI controllers: {listing(kinds)}"),)


def master_target_disk_slots(
    facts: FailbackFacts, capacity: int = MASTER_TARGET_DISK_SLOTS
) -> DiskSlotUsage | None:
    """Used / reserved / requested slots of the master target, for FB027 and its status; None if unknown."""
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    registered = registered_master_target(facts)
    if vm is not None:
        own = len(vm.disks)
    elif registered is not None and registered.disk_count is not None:
        own = registered.disk_count
    else:
        return None
    requested: dict[str, int] = {}
    for entry in plan_items(facts):
        if entry.item is not None and is_reprotected(entry.item):
            continue  # already attached: counted among the master target's own disks
        count = item_disk_count(entry.item) if entry.item else None
        requested[entry.name] = count if count is not None else 0
    # Site Recovery reporting an item reprotected means its disks are attached: its reservation ended.
    reservations = tuple(
        replace(r, attached=True) if not r.attached and _reprotected_in_vault(facts, r.item) else r
        for r in facts.reservations
    )
    return disk_slot_usage(
        master_target=facts.master_target.name,
        own_disks=own,
        reservations=reservations,
        requested=requested,
        capacity=capacity,
    )


def _reprotected_in_vault(facts: FailbackFacts, item_name: str) -> bool:
    item = find_item(facts, item_name)
    return item is not None and is_reprotected(item)


def check_fb027(facts: FailbackFacts, ctx: CheckContext) -> Findings:
    """FB027: own disks + reserved + requested disks fit in the master target's 60 slots."""
    rule, mt = "FB027", master_target_ref(facts)
    usage = master_target_disk_slots(facts, ctx.config.master_target_disk_slots)
    if usage is None:
        return (unverified(rule, Severity.BLOCK, mt, "the master target's disks were not read"),)
    unknown = [
        e.name
        for e in plan_items(facts)
        if not (e.item and is_reprotected(e.item)) and (e.item is None or item_disk_count(e.item) is None)
    ]
    if unknown:
        return (
            failed(
                rule,
                Severity.BLOCK,
                mt,
                f"disk count unknown for {listing(unknown)}: cannot reserve master target slots",
                "read the items' disks before reprotect (Site Recovery clears them afterwards)",
            ),
        )
    summary = (
        f"{usage.used} used + {usage.reserved} reserved + {usage.requested} requested = {usage.total} "
        f"of {usage.capacity} slots"
    )
    if not usage.fits:
        holders = ", ".join(f"{h.plan}: {h.disks}" for h in usage.holders) or "none"
        return (
            failed(
                rule,
                Severity.BLOCK,
                mt,
                f"master target {facts.master_target.name} would need {summary}, {usage.over_by} too many "
                f"(reservations: {holders})",
                "add SCSI slots (up to 4 controllers of 15) or reprotect the rest through another "
                "master target",
            ),
        )
    return (passed(rule, Severity.BLOCK, mt, summary),)
