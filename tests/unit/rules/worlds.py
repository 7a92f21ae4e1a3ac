"""Clean worlds for the rule tests: facts in which every check passes, shaped like the recorded responses.

Names and values follow the Site Recovery recordings (configuration server PwsTestCS, process
server V2A-PS-200, item V2A-W2K16-201-new, retention volume "F", VMFS datastores datastore1 and
DS-77). Each scenario changes one thing in one of these worlds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from failback_operator.facts import (
    ApprovalRequirement,
    Architecture,
    ConfigurationServer,
    CurrentScenario,
    DiscoveredVCenter,
    DowntimeWindow,
    EsxiHost,
    FailbackFacts,
    FailbackPolicy,
    HostDatastore,
    Job,
    JobTask,
    MasterTargetDeclaration,
    MasterTargetServer,
    MasterTargetVm,
    NetworkPath,
    OnPremisesVm,
    OsType,
    PlanDeclaration,
    ProcessServer,
    ProtectedDisk,
    ProtectedItem,
    RecoveryPlan,
    RegisteredDatastore,
    ReplicationGroup,
    RetentionVolume,
    RunApproval,
    RunAsAccount,
    RunAsPrivileges,
    ScsiController,
    ScsiControllerKind,
    VaultFacts,
    VCenterFacts,
    VirtualDisk,
)
from failback_operator.rules.config import DEFAULT_RUN_AS_PRIVILEGES

NOW = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
GIB = 2**30

MT_ID = "30AE6187-5869-8E44-B8AF6AA66E3ECC8F"
PS_ID = "14968BDF-E18E-7F45-A9B0E3EFAC2DDCA2"
POLICY_ID = (
    "/Subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v"
    "/replicationPolicies/Ploicyv2a-failback"
)
ITEM_1 = "V2A-W2K16-201-new"
ITEM_2 = "V2A-W2K12-203-new"


def _mt_disks(extra: int = 0) -> tuple[VirtualDisk, ...]:
    return tuple(
        VirtualDisk(
            key=2000 + n,
            label=f"Hard disk {n + 1}",
            backing_uuid=f"6000C29a-0000-0000-0000-00000000{n:04d}",
            file_name=f"[datastore1] mt-win01/mt-win01_{n}.vmdk",
            datastore="datastore1",
            controller_key=1000 + n // 15,
            unit_number=n % 15,
            capacity_bytes=40 * GIB,
        )
        for n in range(3 + extra)
    )


def _host() -> EsxiHost:
    return EsxiHost(
        name="esx01.example.test",
        moref="host-21",
        product_line_id="embeddedEsx",
        product_name="VMware ESXi",
        version="8.0.2",
        build="22380479",
        licence_edition_key="eval",
        licence_name="Evaluation Mode",
        datastores=(
            HostDatastore(
                name="datastore1",
                type="VMFS",
                accessible=True,
                mounted=True,
                access_mode="readWrite",
                capacity_bytes=439 * GIB,
                free_bytes=154 * GIB,
            ),
            HostDatastore(
                name="DS-77",
                type="VMFS",
                accessible=True,
                mounted=True,
                access_mode="readWrite",
                capacity_bytes=2047 * GIB,
                free_bytes=247 * GIB,
            ),
            HostDatastore(
                name="nfs-iso",
                type="NFS",
                accessible=True,
                mounted=True,
                access_mode="readOnly",
                capacity_bytes=100 * GIB,
                free_bytes=50 * GIB,
            ),
        ),
        memory_bytes=256 * GIB,
        memory_usage_bytes=64 * GIB,
        connection_state="connected",
        vm_names=("mt-win01", "fileserver01"),
    )


def _item(name: str, friendly: str, os_version: str, *, vm_id: str) -> ProtectedItem:
    return ProtectedItem(
        name=name,
        id=f"/Subscriptions/s/.../replicationProtectedItems/{name}",
        friendly_name=friendly,
        instance_type="InMageAzureV2",
        protection_state="UnplannedFailoverCommitted",
        protection_state_description="Failover committed",
        replication_health="Normal",
        failover_health="Normal",
        active_location="Recovery",
        allowed_operations=("CompleteMigration", "DisableProtection", "SwitchProtection"),
        current_scenario=CurrentScenario(name="None"),
        os_type=OsType.WINDOWS,
        os_version=os_version,
        disk_count=2,
        disks=(
            ProtectedDisk(id="{A0F5A31E-BE66-4F83-A382-F3478D1C800F}", name="Disk0", is_os_disk=True),
            ProtectedDisk(id="{5D628CF2-6CAA-468D-9E7A-35881C0D00DE}", name="Disk1"),
            ProtectedDisk(id="temporary", name="Temporary Storage", is_azure_temporary=True),
        ),
        multi_vm_group_name="826b9831-3f12-4bd2-aa80-77ae9e925548",
        recovery_plan="rp-app",
        failed_over_from_on_premises=True,
        migrated=False,
        protected_as_physical=False,
        azure_vm_exists=True,
        azure_vm_in_original_resource_group=True,
        rpo_seconds=1583,
        master_target_id=MT_ID,
        process_server_id=PS_ID,
        policy_id=POLICY_ID,
        agent_last_heartbeat=NOW - timedelta(minutes=4),
        last_successful_failover=NOW - timedelta(days=2),
        azure_vm_name=friendly,
        source_vm_id=vm_id,
        source_ip_static=False,
        known_to_configuration_server=True,
        datastores=("datastore1",),
        source_vm_ram_mb=4094,
    )


def before_reprotect() -> FailbackFacts:
    """Two Windows VMs failed over to Azure and committed, a classic Windows master target ready for them."""
    server = ConfigurationServer(
        name="PwsTestCS",
        fabric_name="9a60d28b65543435e52e1b81073c6a3aca7dd5d00d201e49fbe4e86848c495ed",
        host_name="PwsTestCS",
        ip_address="10.144.130.132",
        last_heartbeat=NOW - timedelta(minutes=2),
        connected=True,
        service_status="Running",
        health="Normal",
        process_servers=(
            ProcessServer(
                id=PS_ID,
                name="V2A-PS-200",
                ip_address="10.150.108.21",
                os_type=OsType.WINDOWS,
                last_heartbeat=NOW - timedelta(minutes=3),
                health="Normal",
                service_status="Running",
                in_azure=True,
            ),
        ),
        master_targets=(
            MasterTargetServer(
                id=MT_ID,
                name="mt-win01",
                ip_address="10.150.108.30",
                os_type=OsType.WINDOWS,
                os_version="Microsoft Windows Server 2016 Datacenter",
                disk_count=3,
                last_heartbeat=NOW - timedelta(minutes=1),
                retention_volumes=(
                    RetentionVolume(name="F", capacity_bytes=10734268416, free_bytes=10688544768),
                ),
                datastores=(
                    RegisteredDatastore(
                        name="datastore1",
                        uuid="6005a082-e4a06cce-c50c-f0d4e2e6578e",
                        type="VMFS",
                        capacity_gb=439.5,
                        free_gb=154.11,
                    ),
                    RegisteredDatastore(
                        name="DS-77",
                        uuid="5c5d35b2-509cd314-afbf-f8bc124d5eea",
                        type="VMFS",
                        capacity_gb=2047.75,
                        free_gb=247.02,
                    ),
                ),
            ),
        ),
        run_as_accounts=(
            RunAsAccount(id="1", name="vcenteruser", vcenter_user="VSPHERE.LOCAL\\asr-discovery"),
            RunAsAccount(id="2", name="windowsuser"),
            RunAsAccount(id="3", name="linuxuser"),
        ),
        vcenters=(
            DiscoveredVCenter(name="vcenter.example.test", run_as_account_id="1", process_server_id=PS_ID),
        ),
    )
    vault = VaultFacts(
        observed_at=NOW,
        configuration_server=server,
        failback_policies=(
            FailbackPolicy(
                id=POLICY_ID,
                name="Ploicyv2a-failback",
                provider="InMage",
                rpo_threshold_minutes=15,
                retention_minutes=1440,
                app_consistent_frequency_minutes=60,
                multi_vm_sync_status="Enabled",
                associated_configuration_servers=("PwsTestCS",),
            ),
        ),
        recovery_plans=(
            RecoveryPlan(
                name="rp-app",
                item_ids=tuple(
                    f"/Subscriptions/s/.../replicationProtectedItems/{n}" for n in (ITEM_1, ITEM_2)
                ),
            ),
        ),
        protected_items=(
            _item(
                ITEM_1,
                "V2A-W2K16-201",
                "Microsoft Windows Server 2016 Datacenter",
                vm_id="d3731098-963a-11eb-a892-000d3ad78fab",
            ),
            _item(
                ITEM_2,
                "V2A-W2K12-203",
                "Windows Server 2012 R2 Standard",
                vm_id="e1c1b7a2-963a-11eb-a892-000d3ad78fab",
            ),
        ),
    )
    vcenter = VCenterFacts(
        vcenter="vcenter.example.test",
        observed_at=NOW,
        version="8.0.2",
        master_target_vm=MasterTargetVm(
            name="mt-win01",
            moref="vm-101",
            uuid="42019a3c-1111-2222-3333-444455556666",
            instance_uuid="50219a3c-1111-2222-3333-444455556666",
            disks=_mt_disks(),
            controllers=(
                ScsiController(
                    key=1000, bus_number=0, kind=ScsiControllerKind.LSI_LOGIC, label="SCSI controller 0"
                ),
            ),
            enable_uuid="TRUE",
            tools_running_status="guestToolsRunning",
            guest_id="windows9Server64Guest",
            guest_full_name="Microsoft Windows Server 2016 (64-bit)",
            power_state="poweredOn",
            host="esx01.example.test",
            datastores=("datastore1",),
            storage_drs_enabled=False,
        ),
        master_target_host=_host(),
        on_premises_vms=(
            OnPremisesVm(
                item=ITEM_1,
                exists=True,
                name="V2A-W2K16-201",
                moref="vm-201",
                uuid="4201aaaa-0000-0000-0000-000000000201",
                instance_uuid="5021aaaa-0000-0000-0000-000000000201",
                disk_backing_uuids=("6000C29b-0000-0000-0000-000000000201",),
                power_state="poweredOff",
                datastores=("datastore1",),
                memory_mb=4096,
                host="esx01.example.test",
            ),
            OnPremisesVm(
                item=ITEM_2,
                exists=True,
                name="V2A-W2K12-203",
                moref="vm-203",
                uuid="4201aaaa-0000-0000-0000-000000000203",
                instance_uuid="5021aaaa-0000-0000-0000-000000000203",
                disk_backing_uuids=("6000C29b-0000-0000-0000-000000000203",),
                power_state="poweredOff",
                datastores=("DS-77",),
                memory_mb=8192,
                host="esx01.example.test",
            ),
        ),
        vm_names_at_target=frozenset({"mt-win01", "fileserver01"}),
        run_as_privileges=(
            RunAsPrivileges(
                user="VSPHERE.LOCAL\\asr-discovery",
                entity="datacenter dc1",
                privileges=DEFAULT_RUN_AS_PRIVILEGES | {"System.Read", "System.View"},
            ),
        ),
    )
    plan = PlanDeclaration(
        name="bring-app-home",
        namespace="apps",
        vault="vault",
        master_target="mt-win01",
        process_server="V2A-PS-200",
        datastore="datastore1",
        groups=(ReplicationGroup(name="app", items=(ITEM_1, ITEM_2), recovery_plan="rp-app"),),
        window=DowntimeWindow(start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=3)),
        approval=ApprovalRequirement(required=True),
        run="run-1",
        requested_by="alice",
        network_path=NetworkPath.SITE_TO_SITE_VPN,
        keep_ip_addresses=False,
        vcenter="vcenter.example.test",
        run_as_account="windowsuser",
    )
    return FailbackFacts(
        master_target=MasterTargetDeclaration(
            name="mt-win01",
            architecture=Architecture.CLASSIC,
            os_type=OsType.WINDOWS,
            vm_name="mt-win01",
            retention_drive="F:",
            vault="vault",
            vcenter="vcenter.example.test",
            registered_as=MT_ID,
        ),
        vault=vault,
        vcenter=vcenter,
        plans=(plan,),
        approvals=(
            RunApproval(
                name="go-run-1", plan="bring-app-home", run="run-1", approved_by="bob", namespace="apps"
            ),
        ),
    )


def reprotected() -> FailbackFacts:
    """The same world after reprotect: items InMage Protected, their disks attached to the master target."""
    world = before_reprotect()
    assert world.vault is not None
    assert world.vcenter is not None
    assert world.vcenter.master_target_vm is not None
    items = tuple(
        replace(
            item,
            instance_type="InMage",
            protection_state="Protected",
            protection_state_description="Protected",
            active_location="Primary",
            allowed_operations=("UnplannedFailover", "DisableProtection"),
        )
        for item in world.vault.protected_items
    )
    vm = replace(world.vcenter.master_target_vm, disks=_mt_disks(extra=4))
    return replace(
        world,
        vault=replace(world.vault, protected_items=items),
        vcenter=replace(world.vcenter, master_target_vm=vm),
        placements_at_reprotect=vm.disk_placements,
    )


def _failover_job(item: ProtectedItem) -> Job:
    def task(task_id: str, name: str, friendly: str) -> JobTask:
        return JobTask(
            id=task_id, name=name, friendly_name=friendly, state="Succeeded", state_description="Completed"
        )

    return Job(
        id=f"job-ufo-{item.friendly_name}",
        scenario="UnplannedFailover",
        name="Failover",
        state="Succeeded",
        start=NOW - timedelta(minutes=10),
        end=NOW - timedelta(minutes=2),
        target_object_id=item.source_vm_id,
        target_object_name=item.friendly_name,
        tasks=(
            task(
                "UnplannedFailoverPreflightChecksTask",
                "VmUfoPrerequisitesCheck",
                "Prerequisites check for failover",
            ),
            task("ShutdownVmOnPrimaryForUFO", "VmShutdownVmOnPrimary", "Shut down the virtual machine"),
            task(
                "PrepareForUnPlannedFailoverTask",
                "VmPrepareForUnPlannedFailover",
                "Synchronizing the latest changes",
            ),
            task("FailoverTask", "VmFailover", "Start failover"),
            task("StartVmOnSecondary", "VmFoStartVmOnSecondary", "Start the replica virtual machine"),
        ),
    )


def failing_back() -> FailbackFacts:
    """After the failback failover and before commit: each item's failover job shut down and synchronised."""
    world = reprotected()
    assert world.vault is not None
    jobs = tuple(_failover_job(item) for item in world.vault.protected_items)
    return replace(world, vault=replace(world.vault, jobs=jobs))


WORLDS = {"before-reprotect": before_reprotect, "reprotected": reprotected, "failing-back": failing_back}

_FACTS = TypeAdapter(FailbackFacts)
_RELATIVE = re.compile(r"^now(?:([+-])(\d+)([smhd]))?$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _resolve(value: Any) -> Any:
    """`now`, `now-20m`, `now+2h` become datetimes; lists and dicts are resolved inside."""
    if isinstance(value, str):
        match = _RELATIVE.match(value)
        if match:
            if match.group(1) is None:
                return NOW
            delta = timedelta(**{_UNITS[match.group(3)]: int(match.group(2))})
            return NOW + delta if match.group(1) == "+" else NOW - delta
        return value
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    return value


def _set_path(data: Any, path: str, value: Any) -> None:
    parts = path.split(".")
    target = data
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        if last not in target:
            raise KeyError(f"{path}: no field {last!r}")
        target[last] = value


def _listify(value: Any) -> Any:
    """asdict keeps tuples; make them lists so paths can index and assign into them."""
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_listify(v) for v in value]
    return value


def patched(world: FailbackFacts, changes: dict[str, Any]) -> FailbackFacts:
    """The world with dotted-path changes applied (`vault.protected_items.0.os_type: Linux`), re-validated."""
    data = _listify(asdict(world))
    for path, value in changes.items():
        _set_path(data, path, _resolve(value))
    return _FACTS.validate_python(data)


def modernized_before_reprotect() -> FailbackFacts:
    """The same VMs protected with the modernized architecture: the appliance plays the master target."""
    world = before_reprotect()
    assert world.vault is not None
    items = tuple(
        replace(item, instance_type="InMageRcm", master_target_id=None, process_server_id=None)
        for item in world.vault.protected_items
    )
    policy = replace(
        world.vault.failback_policies[0],
        name="appconsistency-policy-failback",
        provider="InMageRcmFailback",
        rpo_threshold_minutes=None,
        retention_minutes=None,
        crash_consistent_frequency_minutes=5,
    )
    server = world.vault.configuration_server
    assert server is not None
    return replace(
        world,
        master_target=replace(
            world.master_target,
            architecture=Architecture.MODERNIZED,
            registered_as=None,
            reprotect_agent="7d30ec24-f20e-4c17-8dfd-d7ccb444b072",
            log_storage_account_id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/log",
        ),
        vault=replace(
            world.vault,
            protected_items=items,
            failback_policies=(policy,),
            configuration_server=replace(server, architecture=Architecture.MODERNIZED, master_targets=()),
        ),
        plans=(replace(world.plans[0], process_server=None, run_as_account=None),),
    )


WORLDS["modernized-before-reprotect"] = modernized_before_reprotect
