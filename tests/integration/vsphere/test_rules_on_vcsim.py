"""vcsim scenarios read by the adapter and judged by the rule catalogue: each fails its rule and no other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VMFS_DATASTORE, Inventory

from failback_operator.facts import FailbackFacts
from failback_operator.facts.asr import ProtectedItem, VaultFacts
from failback_operator.facts.spec import MasterTargetDeclaration, OsType, PlanDeclaration
from failback_operator.facts.vsphere import VCenterFacts
from failback_operator.rules import CATALOGUE, CheckContext, CheckPhase
from failback_operator.vsphere.connection import VCenterSession
from failback_operator.vsphere.reader import PlanItemVm, VCenterQuery, VmRef, read_vcenter_facts

pytestmark = pytest.mark.vcsim

# The rules judged on vCenter facts alone (FB005 and FB035 need answers vcsim cannot give: unit tests).
VCENTER_RULES = ("FB001", "FB006", "FB020", "FB023", "FB024", "FB025", "FB026", "FB027", "FB038", "FB043")


@dataclass(frozen=True)
class Built:
    """What a scenario built: the master target's name, the plan's items, and the plans to check."""

    master_target: str
    items: tuple[PlanItemVm, ...] = ()
    plans: tuple[PlanDeclaration, ...] = ()
    vault: VaultFacts | None = None


def clean(inv: Inventory, unique: str) -> Built:
    inv.create_vm(f"mt-{unique}", host=inv.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE)
    return Built(f"mt-{unique}")


def snapshot(inv: Inventory, unique: str) -> Built:
    built = clean(inv, unique)
    inv.snapshot(inv.vm(built.master_target), "nightly-backup")
    return built


def pvscsi(inv: Inventory, unique: str) -> Built:
    built = clean(inv, unique)
    inv.add_controller(inv.vm(built.master_target), "pvscsi", bus=1)
    return built


def no_enable_uuid(inv: Inventory, unique: str) -> Built:
    inv.create_vm(
        f"mt-{unique}", host=inv.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE, enable_uuid=None
    )
    return Built(f"mt-{unique}")


def tools_not_running(inv: Inventory, unique: str) -> Built:
    inv.create_vm(
        f"mt-{unique}", host=inv.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE, tools_running=False
    )
    return Built(f"mt-{unique}")


def nfs_only_host(inv: Inventory, unique: str) -> Built:
    host = inv.standalone_host(f"esx-nfs-{unique}.example")
    inv.nas_datastore(host, f"nfs-{unique}", "NFS")
    inv.create_vm(f"mt-{unique}", host=host, datastore=f"nfs-{unique}")
    return Built(f"mt-{unique}")


def sixty_one_disks(inv: Inventory, unique: str) -> Built:
    inv.create_vm(f"mt-{unique}", host=inv.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE, disks=61)
    return Built(f"mt-{unique}")


def storage_drs(inv: Inventory, unique: str) -> Built:
    host = inv.host(MASTER_TARGET_HOST)
    datastore = inv.nas_datastore(host, f"pooled-{unique}", "VMFS")
    inv.create_vm(f"mt-{unique}", host=host, datastore=f"pooled-{unique}")
    inv.storage_pod(f"pod-{unique}", [datastore])
    return Built(f"mt-{unique}")


def shared_uuid(inv: Inventory, unique: str) -> Built:
    host = inv.host(MASTER_TARGET_HOST)
    protected = inv.create_vm(f"app-{unique}", host=host, datastore=VMFS_DATASTORE, power_on=False)
    inv.create_vm(f"mt-{unique}", host=host, datastore=VMFS_DATASTORE, uuid=protected.config.uuid)
    item = PlanItemVm(item=f"app-{unique}", vm=VmRef(instance_uuid=protected.config.instanceUuid))
    return Built(f"mt-{unique}", items=(item,))


def name_collision(inv: Inventory, unique: str) -> Built:
    built = clean(inv, unique)
    # The item's VM is gone; reprotect would create "erp-…" where a VM of that name already sits.
    inv.create_vm(
        f"erp-{unique}", host=inv.host(MASTER_TARGET_HOST), datastore=VMFS_DATASTORE, power_on=False
    )
    item = PlanItemVm(item=f"erp-{unique}", vm=VmRef(instance_uuid="00000000-0000-0000-0000-0000000e7e70"))
    plan = PlanDeclaration(name=f"plan-{unique}", master_target="mt", items=(f"erp-{unique}",))
    # Its disk count, kept from before reprotect, so the slot check (FB027) has what it needs.
    vault = VaultFacts(protected_items=(ProtectedItem(name=f"erp-{unique}", disk_count=1),))
    return Built(built.master_target, items=(item,), plans=(plan,), vault=vault)


def with_mounts_vcsim_cannot_model(facts: VCenterFacts) -> VCenterFacts:
    """Mark NAS-made datastores mounted read-write, as vCenter reports them and vcsim cannot.

    vcsim's CreateNasDatastore leaves `Datastore.host` empty, so the adapter reads their mount as
    unknown (asserted here), and the catalogue rightly refuses an unknown mount. Only that fact is
    filled in; the datastore types the scenarios vary are the ones vcsim returned.
    """
    host = facts.master_target_host
    assert host is not None
    nas_made = [ds for ds in host.datastores if ds.access_mode is None]
    assert all(ds.mounted is None for ds in nas_made)
    datastores = tuple(
        replace(ds, mounted=True, access_mode="readWrite") if ds in nas_made else ds for ds in host.datastores
    )
    return replace(facts, master_target_host=replace(host, datastores=datastores))


SCENARIOS: dict[str, tuple[Callable[[Inventory, str], Built], set[str]]] = {
    "clean": (clean, set()),
    "snapshot": (snapshot, {"FB006"}),
    "pvscsi": (pvscsi, {"FB026"}),
    "no-enable-uuid": (no_enable_uuid, {"FB024"}),
    "tools-not-running": (tools_not_running, {"FB023"}),
    "nfs-only-host": (nfs_only_host, {"FB025"}),
    "61-disks": (sixty_one_disks, {"FB027"}),
    "storage-drs": (storage_drs, {"FB020"}),
    "shared-uuid": (shared_uuid, {"FB001"}),
    "name-collision": (name_collision, {"FB043"}),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario_fails_its_rule_and_no_other(
    session: VCenterSession, inventory: Inventory, unique: str, scenario: str
) -> None:
    build, expected = SCENARIOS[scenario]
    built = build(inventory, unique)
    query = VCenterQuery(master_target=VmRef(name=built.master_target), items=built.items)
    vcenter = with_mounts_vcsim_cannot_model(read_vcenter_facts(session, query).facts)
    facts = FailbackFacts(
        master_target=MasterTargetDeclaration(name="mt", os_type=OsType.WINDOWS, vm_name=built.master_target),
        vcenter=vcenter,
        plans=built.plans,
        # Which on-premises VM an item came from is Site Recovery's fact (FB001, FB043): a vault is
        # read, listing the scenario's items where it has any.
        vault=built.vault or VaultFacts(),
    )
    context = CheckContext(phase=CheckPhase.PRE_REPROTECT, now=datetime.now(UTC))
    checks = {entry.id: entry.check for entry in CATALOGUE if entry.id in VCENTER_RULES}
    assert set(checks) == set(VCENTER_RULES)

    findings = [
        finding for rule, check in checks.items() if check is not None for finding in check(facts, context)
    ]

    assert {finding.rule for finding in findings} == set(VCENTER_RULES)
    failing = {finding.rule for finding in findings if not finding.passed}
    assert failing == expected, [f.message for f in findings if not f.passed]
