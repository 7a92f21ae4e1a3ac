"""FB027 disk-slot arithmetic: used + reserved + requested within 60, never negative, never counted twice."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from failback_operator.facts import DiskReservation, ProtectedDisk, ProtectedItem
from failback_operator.rules.disk_slots import disk_slot_usage, item_disk_count


def reservation(
    plan: str, item: str, disks: int, *, attached: bool = False, mt: str = "mt-win01"
) -> DiskReservation:
    return DiskReservation(plan=plan, master_target=mt, item=item, disk_count=disks, attached=attached)


def test_used_reserved_free() -> None:
    usage = disk_slot_usage(
        master_target="mt-win01",
        own_disks=5,
        reservations=[reservation("apps/a", "vm1", 4), reservation("apps/b", "vm2", 6)],
    )
    assert (usage.used, usage.reserved, usage.free) == (5, 10, 45)
    assert [(h.plan, h.disks) for h in usage.holders] == [("apps/a", 4), ("apps/b", 6)]


def test_attached_reservation_ends() -> None:
    usage = disk_slot_usage(
        master_target="mt-win01", own_disks=9, reservations=[reservation("apps/a", "vm1", 4, attached=True)]
    )
    assert usage.reserved == 0
    assert usage.free == 51


def test_other_master_targets_do_not_count() -> None:
    usage = disk_slot_usage(
        master_target="mt-win01", own_disks=1, reservations=[reservation("apps/a", "vm1", 40, mt="mt-win02")]
    )
    assert usage.reserved == 0


def test_request_already_reserved_counts_once() -> None:
    usage = disk_slot_usage(
        master_target="mt-win01",
        own_disks=3,
        reservations=[reservation("apps/a", "vm1", 4)],
        requested={"vm1": 4, "vm2": 2},
    )
    assert (usage.reserved, usage.requested, usage.total) == (4, 2, 9)


def test_sixty_fits_sixty_one_does_not() -> None:
    fits = disk_slot_usage(master_target="m", own_disks=20, requested={"vm": 40})
    over = disk_slot_usage(master_target="m", own_disks=20, requested={"vm": 41})
    assert fits.fits
    assert fits.over_by == 0
    assert not over.fits
    assert over.over_by == 1


def test_temporary_disk_excluded() -> None:
    item = ProtectedItem(
        name="vm",
        disk_count=3,
        disks=(
            ProtectedDisk(id="os", is_os_disk=True),
            ProtectedDisk(id="data"),
            ProtectedDisk(id="temp", is_azure_temporary=True),
        ),
    )
    assert item_disk_count(item) == 2
    assert item_disk_count(ProtectedItem(name="vm", disk_count=3)) == 3
    assert item_disk_count(ProtectedItem(name="vm")) is None


reservations = st.lists(
    st.builds(
        DiskReservation,
        plan=st.sampled_from(["apps/a", "apps/b", "ops/c"]),
        master_target=st.sampled_from(["mt-win01", "mt-win02"]),
        item=st.sampled_from([f"vm{n}" for n in range(8)]),
        disk_count=st.integers(min_value=-2, max_value=70),
        attached=st.booleans(),
    ),
    max_size=12,
)
requests = st.dictionaries(
    st.sampled_from([f"vm{n}" for n in range(12)]), st.integers(min_value=-2, max_value=70)
)


@given(st.integers(min_value=-5, max_value=200), reservations, requests)
def test_slots_never_negative(own: int, held: list[DiskReservation], wanted: dict[str, int]) -> None:
    usage = disk_slot_usage(master_target="mt-win01", own_disks=own, reservations=held, requested=wanted)
    assert usage.used >= 0
    assert usage.reserved >= 0
    assert usage.requested >= 0
    assert 0 <= usage.free <= usage.capacity
    assert usage.over_by >= 0
    assert usage.fits == (usage.over_by == 0)


@given(st.integers(min_value=0, max_value=60), reservations)
def test_reservations_not_double_counted(own: int, held: list[DiskReservation]) -> None:
    usage = disk_slot_usage(master_target="mt-win01", own_disks=own, reservations=held + held)
    once = disk_slot_usage(master_target="mt-win01", own_disks=own, reservations=held)
    assert usage == once
    live = {r.item: r.disk_count for r in held if r.master_target == "mt-win01" and not r.attached}
    assert usage.reserved <= sum(
        max(
            max(
                r.disk_count
                for r in held
                if r.item == item and r.master_target == "mt-win01" and not r.attached
            ),
            0,
        )
        for item in live
    )
    assert sum(h.disks for h in usage.holders) == usage.reserved


@given(st.integers(min_value=0, max_value=60), reservations, requests)
def test_requesting_reserved_items_adds_nothing(
    own: int, held: list[DiskReservation], wanted: dict[str, int]
) -> None:
    base = disk_slot_usage(master_target="mt-win01", own_disks=own, reservations=held)
    live = {r.item for r in held if r.master_target == "mt-win01" and not r.attached}
    only_reserved = {item: count for item, count in wanted.items() if item in live}
    assert (
        disk_slot_usage(
            master_target="mt-win01", own_disks=own, reservations=held, requested=only_reserved
        ).total
        == base.total
    )
