"""MasterTarget status from facts: one prerequisite per rule, conditions, disk slots, events on change."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from failback_operator.api.status import (
    DiskSlotReservation,
    DiskSlots,
    MasterTargetStatus,
    PrerequisiteResult,
)
from failback_operator.facts import FailbackFacts, RetentionWait, Snapshot
from failback_operator.status.master_targets import (
    MASTER_TARGET_RULES,
    build_master_target_status,
    retention_waits_from_status,
)
from tests.unit.rules.worlds import NOW, before_reprotect


def clean() -> FailbackFacts:
    """The classic Windows master target of the rule worlds, without plans."""
    return replace(before_reprotect(), plans=(), approvals=())


def with_vm(facts: FailbackFacts, **changes: object) -> FailbackFacts:
    assert facts.vcenter is not None
    assert facts.vcenter.master_target_vm is not None
    vm = replace(facts.vcenter.master_target_vm, **changes)
    return replace(facts, vcenter=replace(facts.vcenter, master_target_vm=vm))


def results(status: MasterTargetStatus) -> dict[str, PrerequisiteResult]:
    return {p.rule_id: p.result for p in status.prerequisites or ()}


def condition(status: MasterTargetStatus, kind: str) -> tuple[str, str, str]:
    found = next(c for c in status.conditions or () if c.type == kind)
    return found.status.value, found.reason, found.message


def build(facts: FailbackFacts, previous: MasterTargetStatus | None = None, errors: tuple[str, ...] = ()):
    return build_master_target_status(
        previous or MasterTargetStatus(), facts=facts, errors=errors, generation=3, now=NOW
    )


def test_clean_master_target_passes_one_entry_per_rule() -> None:
    status, events = build(clean())

    assert set(results(status)) == MASTER_TARGET_RULES
    assert set(results(status).values()) == {PrerequisiteResult.PASSED}
    assert all(p.checked_at == NOW for p in status.prerequisites or ())
    assert condition(status, "PrerequisitesMet")[:2] == ("True", "AllPassed")
    assert condition(status, "Ready")[0] == "True"
    assert status.observed_generation == 3
    assert status.esxi_host == "esx01.example.test"
    assert status.vmware_tools == "guestToolsRunning"
    assert {d.name: d.writable for d in status.datastores or ()} == {
        "datastore1": True,
        "DS-77": True,
        "nfs-iso": False,
    }
    assert status.resolved is not None
    assert status.resolved.retention_drive == "F"
    assert status.disk_slots == DiskSlots(capacity=60, used=3, reserved=0, free=57)
    assert events == ()  # a first look that finds everything well is not news


def test_snapshot_fails_fb006_and_blocks() -> None:
    facts = with_vm(clean(), snapshots=(Snapshot(name="nightly-backup"),))

    status, events = build(facts)

    assert results(status)["FB006"] is PrerequisiteResult.FAILED
    assert [r for r, v in results(status).items() if v is not PrerequisiteResult.PASSED] == ["FB006"]
    fb006 = next(p for p in status.prerequisites or () if p.rule_id == "FB006")
    assert "nightly-backup" in (fb006.message or "")
    assert "Remedy:" in (fb006.message or "")
    met = condition(status, "PrerequisitesMet")
    assert met[:2] == ("False", "Blocked")
    assert "FB006" in met[2]
    assert condition(status, "Ready")[0] == "False"
    assert [(e.type.value, e.reason) for e in events] == [("Warning", "PrerequisiteFailed")]
    assert events[0].message.startswith("FB006 first checked -> Failed")


def test_events_only_when_an_outcome_changes() -> None:
    broken = with_vm(clean(), snapshots=(Snapshot(name="nightly-backup"),))
    first, _ = build(broken)

    again, events = build(broken, previous=first)
    assert events == ()
    transition = next(c for c in again.conditions or () if c.type == "PrerequisitesMet").last_transition_time
    assert (
        transition
        == next(c for c in first.conditions or () if c.type == "PrerequisitesMet").last_transition_time
    )

    fixed, events = build_master_target_status(
        again, facts=clean(), errors=(), generation=3, now=NOW + timedelta(minutes=5)
    )
    assert [(e.type.value, e.reason) for e in events] == [("Normal", "PrerequisitePassed")]
    assert events[0].message.startswith("FB006 Failed -> Passed")
    met = next(c for c in fixed.conditions or () if c.type == "PrerequisitesMet")
    assert met.status.value == "True"
    assert met.last_transition_time == "2026-11-27T23:05:00Z"


def test_storage_drs_exposure_is_a_warning_that_does_not_block() -> None:
    status, _ = build(with_vm(clean(), storage_drs_enabled=True))

    assert results(status)["FB020"] is PrerequisiteResult.WARNING
    met = condition(status, "PrerequisitesMet")
    assert met[0] == "True"
    assert "warnings: FB020" in met[2]


def test_missing_disk_enable_uuid_fails_fb024() -> None:
    status, _ = build(with_vm(clean(), enable_uuid=None))

    assert results(status)["FB024"] is PrerequisiteResult.FAILED


def test_vcenter_not_read_is_unknown_never_passed_and_keeps_last_known_values() -> None:
    first, _ = build(clean())
    facts = replace(clean(), vcenter=None)
    error = "vCenter 127.0.0.1:9: connection refused"

    status, events = build(facts, previous=first, errors=(error,))

    vcenter_rules = {"FB005", "FB006", "FB020", "FB023", "FB024", "FB025", "FB026", "FB035", "FB038"}
    assert {r for r, v in results(status).items() if v is PrerequisiteResult.UNKNOWN} == vcenter_rules
    assert PrerequisiteResult.FAILED not in results(status).values()
    met = condition(status, "PrerequisitesMet")
    assert met[:2] == ("Unknown", "NotChecked")
    assert error in met[2]
    assert condition(status, "Ready")[0] == "False"
    # What only vCenter could say stays as last read; Site Recovery's count keeps `used` current.
    assert status.esxi_host == "esx01.example.test"
    assert status.disk_slots is not None
    assert status.disk_slots.used == 3
    # One warning names every rule left unchecked, instead of one warning each.
    [unknown] = events
    assert unknown.reason == "PrerequisiteUnknown"
    assert all(rule in unknown.message for rule in vcenter_rules)


def test_nothing_read_keeps_the_last_disk_count() -> None:
    first, _ = build(clean())
    status, _ = build(replace(clean(), vcenter=None, vault=None), previous=first, errors=("both down",))

    assert status.disk_slots is not None
    assert (status.disk_slots.used, status.disk_slots.free) == (3, 57)


def test_reservations_are_kept_as_read_and_counted() -> None:
    reservations = (
        DiskSlotReservation(namespace="team-a", name="plan-a", run="r1", disks=10, since=NOW),
        DiskSlotReservation(namespace="team-b", name="plan-b", disks=5),
    )
    previous = MasterTargetStatus(
        disk_slots=DiskSlots(capacity=60, used=1, reserved=15, reservations=reservations)
    )

    status, _ = build(clean(), previous=previous)

    assert status.disk_slots == DiskSlots(
        capacity=60, used=3, reserved=15, free=42, reservations=reservations
    )
    assert status.to_status()["diskSlots"]["reservations"][0] == {
        "namespace": "team-a",
        "name": "plan-a",
        "run": "r1",
        "disks": 10,
        "since": "2026-11-27T23:00:00Z",
    }


def test_reservations_beyond_sixty_slots_fail_fb027() -> None:
    previous = MasterTargetStatus(
        disk_slots=DiskSlots(reservations=(DiskSlotReservation(namespace="t", name="big", disks=58),))
    )

    status, _ = build(clean(), previous=previous)

    assert results(status)["FB027"] is PrerequisiteResult.FAILED
    assert status.disk_slots is not None
    assert status.disk_slots.free == 0
    fb027 = next(p for p in status.prerequisites or () if p.rule_id == "FB027")
    assert "t/big: 58" in (fb027.message or "")


def test_status_validates_against_the_crd_shape() -> None:
    status, _ = build(with_vm(clean(), snapshots=(Snapshot(name="x"),)))
    written = status.to_status()

    assert MasterTargetStatus.model_validate(written) == status
    assert all(len(p["message"]) <= 4096 for p in written["prerequisites"])


def test_a_vm_vcenter_does_not_have_is_named_not_just_unchecked() -> None:
    facts = clean()
    assert facts.vcenter is not None
    facts = replace(facts, vcenter=replace(facts.vcenter, master_target_vm=None))

    status, _ = build(facts)

    assert results(status)["FB006"] is PrerequisiteResult.UNKNOWN
    met = condition(status, "PrerequisitesMet")
    assert met[:2] == ("False", "NotFound")
    assert met[2].startswith("vCenter vcenter.example.test has no VM with name 'mt-win01': check spec.vm")
    assert condition(status, "Ready")[:2] == ("False", "NotFound")


def test_a_retention_drive_being_waited_for_is_waiting_not_failed() -> None:
    since = NOW - timedelta(minutes=4)
    wait = RetentionWait(
        master_target="mt-win01", drive="G", missing_since=since, refreshed_at=since, refresh_job="j1"
    )
    facts = clean()
    facts = replace(
        facts, master_target=replace(facts.master_target, retention_drive="G"), retention_waits=(wait,)
    )

    status, events = build(facts)

    assert results(status)["FB021"] is PrerequisiteResult.WAITING
    fb021 = next(p for p in status.prerequisites or () if p.rule_id == "FB021")
    assert fb021.waiting_until == since + timedelta(minutes=15)
    assert "Remedy" not in (fb021.message or "")
    met = condition(status, "PrerequisitesMet")
    assert met[:2] == ("False", "Waiting")
    assert met[2].startswith("Waiting: FB021: master target mt-win01 does not offer retention drive G")
    assert condition(status, "Ready")[:2] == ("False", "Waiting")
    assert status.retention_waits is not None
    (shown,) = status.retention_waits
    assert (shown.drive, shown.missing_since, shown.refreshed_at, shown.refresh_job, shown.wait_until) == (
        "G",
        since,
        since,
        "j1",
        since + timedelta(minutes=15),
    )
    assert [(e.type, e.reason) for e in events] == [("Normal", "PrerequisiteWaiting")]
    assert retention_waits_from_status("mt-win01", status) == (wait,)
    assert MasterTargetStatus.model_validate(status.to_status()) == status

    later, later_events = build_master_target_status(
        status, facts=facts, errors=(), generation=3, now=NOW + timedelta(minutes=12)
    )
    assert results(later)["FB021"] is PrerequisiteResult.FAILED
    assert [(e.type, e.reason) for e in later_events] == [("Warning", "PrerequisiteFailed")]


def test_no_wait_leaves_no_retention_waits_in_status() -> None:
    status, _ = build(clean())
    assert status.retention_waits is None
    assert "retentionWaits" not in status.to_status()


def test_a_master_target_looked_at_again_unchanged_keeps_its_status_to_the_letter() -> None:
    """Only the time passed: nothing to write, so its plans' looks can stand on their decisions."""
    first, _ = build(clean())
    later, events = build_master_target_status(
        first, facts=clean(), errors=(), generation=3, now=NOW + timedelta(minutes=1)
    )
    assert later == first
    assert events == ()
    # A rule whose result changes is checked at the new time; the others keep theirs.
    changed, _ = build_master_target_status(
        first,
        facts=with_vm(clean(), snapshots=(Snapshot(name="nightly-backup"),)),
        errors=(),
        generation=3,
        now=NOW + timedelta(minutes=2),
    )
    assert changed.prerequisites is not None
    assert {p.rule_id for p in changed.prerequisites if p.checked_at != NOW} == {"FB006"}
