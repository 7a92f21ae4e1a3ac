"""Facts Site Recovery clears after reprotect are kept from the read before it; reported values win."""

from __future__ import annotations

from failback_operator.facts.asr import ProtectedDisk, ProtectedItem
from failback_operator.facts.spec import OsType
from failback_operator.gathering.kept_facts import keep_cleared_facts, with_kept_facts

BEFORE = ProtectedItem(
    name="V2A-W2K16-201-new",
    instance_type="InMageAzureV2",
    os_type=OsType.WINDOWS,
    os_version="Microsoft Windows Server 2016 Datacenter",
    disk_count=2,
    disks=(ProtectedDisk(id="d0", is_os_disk=True), ProtectedDisk(id="d1")),
    master_target_id="30AE6187",
    multi_vm_group_name="app1-group",
)
# As Site Recovery reports an InMage item after reprotect: OS version, disks and master target gone.
AFTER = ProtectedItem(name="v2a-w2k16-201-NEW", instance_type="InMage", os_type=OsType.WINDOWS)


def test_cleared_facts_are_filled_in() -> None:
    (item,) = with_kept_facts([AFTER], {"V2A-W2K16-201-new": BEFORE})

    assert item.instance_type == "InMage"
    assert item.os_version == "Microsoft Windows Server 2016 Datacenter"
    assert item.disk_count == 2
    assert [d.id for d in item.disks] == ["d0", "d1"]
    assert item.master_target_id == "30AE6187"
    assert item.multi_vm_group_name == "app1-group"


def test_reported_values_win() -> None:
    now = ProtectedItem(name=BEFORE.name, os_version="Microsoft Windows Server 2019 Datacenter", disk_count=3)
    (item,) = with_kept_facts([now], {BEFORE.name: BEFORE})
    assert item.os_version == "Microsoft Windows Server 2019 Datacenter"
    assert item.disk_count == 3


def test_unknown_items_pass_through() -> None:
    other = ProtectedItem(name="other")
    assert with_kept_facts([other], {BEFORE.name: BEFORE}) == (other,)


def test_keep_accumulates_across_reads() -> None:
    kept = keep_cleared_facts([BEFORE])
    kept = keep_cleared_facts([AFTER], kept)

    assert kept[BEFORE.name.casefold()].os_version == BEFORE.os_version
    assert kept[BEFORE.name.casefold()].instance_type == "InMage"
    # A third read, still cleared, still completed.
    (item,) = with_kept_facts([AFTER], kept)
    assert item.disks == BEFORE.disks
