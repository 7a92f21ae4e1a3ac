"""The vault poller wakes exactly the plans a change concerns, and polls fast only while an end is due."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from failback_operator.facts import Job, ProtectedItem
from failback_operator.services.plan_index import PlanIndex
from failback_operator.services.vault_poller import (
    JobClock,
    JobDurations,
    NextPolls,
    PollPace,
    SyncProgress,
    VaultPoller,
    concerned_plans,
    followed_jobs,
    next_poll,
    next_polls,
)

NOW = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
PACE = PollPace(interval=timedelta(seconds=10), fast=timedelta(seconds=1), reads_per_second=4)


def _plan(
    name: str, items: tuple[str, ...], vault: str = "vault-a", status: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "team-apps", "name": name, "creationTimestamp": "2026-11-28T20:00:00Z"},
        "spec": {
            "vaultRef": {"name": vault},
            "groups": [{"name": "g", "recoveryPlan": f"rp-{name}", "items": [{"name": i} for i in items]}],
        },
        "status": status or {},
    }


def _item(name: str, state: str = "Protected") -> ProtectedItem:
    return ProtectedItem(name=name, friendly_name=name.removesuffix("-new"), protection_state=state)


def _job(
    job_id: str,
    target: str | None,
    state: str = "InProgress",
    scenario: str = "UnplannedFailover",
    **times: datetime,
) -> Job:
    return Job(id=job_id, scenario=scenario, state=state, target_object_name=target, **times)


async def _index(*plans: Mapping[str, Any]) -> PlanIndex:
    async def listed() -> list[Mapping[str, Any]]:
        return list(plans)

    index = PlanIndex(listed)
    await index.prime()
    return index


async def test_an_item_change_wakes_only_the_plan_naming_it() -> None:
    index = await _index(_plan("app1", ("vm-a-new",)), _plan("app2", ("vm-b-new",)))
    woken = concerned_plans(await index.of_vault("vault-a"), {"item|vm-b-new"}, {})
    assert [p.name for p in woken] == ["app2"]


async def test_a_job_change_wakes_the_plan_of_its_vm_or_recovery_plan() -> None:
    """Site Recovery names a job's target by VM name (or recovery plan), not by item name."""
    index = await _index(_plan("app1", ("vm-a-new",)), _plan("app2", ("vm-b-new",)))
    plans = await index.of_vault("vault-a")
    items = (_item("vm-a-new"), _item("vm-b-new"))
    by_vm = {"j1": _job("j1", "vm-a")}
    assert [p.name for p in concerned_plans(plans, {"job|j1"}, by_vm, items)] == ["app1"]
    by_plan = {"j2": _job("j2", "rp-app2")}
    assert [p.name for p in concerned_plans(plans, {"job|j2"}, by_plan, items)] == ["app2"]
    unnamed = {"j3": _job("j3", None)}
    assert len(concerned_plans(plans, {"job|j3"}, unnamed, items)) == 2


async def test_a_job_a_plan_recorded_wakes_it_by_its_id() -> None:
    waiting = _plan(
        "app1",
        ("vm-a-new",),
        status={"items": [{"name": "vm-a-new", "intent": {"operation": "Reprotect", "jobName": "J-42"}}]},
    )
    index = await _index(waiting, _plan("app2", ("vm-b-new",)))
    woken = concerned_plans(await index.of_vault("vault-a"), {"job|j-42"}, {})
    assert [p.name for p in woken] == ["app1"]


async def test_the_index_follows_watch_events_and_lists_once() -> None:
    index = await _index(_plan("app1", ("vm-a-new",)))
    index.seen(_plan("app2", ("vm-b-new",), vault="vault-b"))
    index.deleted("team-apps", "app1")
    assert [p.name for p in await index.plans()] == ["app2"]
    assert [p.name for p in await index.of_vault("vault-b")] == ["app2"]
    assert index.lists == 1


async def test_a_plan_deleted_while_the_list_is_on_its_way_stays_deleted() -> None:
    index: PlanIndex

    async def listed() -> list[Mapping[str, Any]]:
        index.deleted("team-apps", "app1")  # the watch's event overtakes the list's answer
        return [_plan("app1", ("vm-a-new",))]

    index = PlanIndex(listed)
    assert await index.plans() == ()


def test_nothing_running_polls_at_the_quiet_pace() -> None:
    assert next_poll([], NOW, PACE, lengths={}, awaiting_job=False, listed=10) == PACE.quiet


def test_an_intent_waiting_for_its_job_polls_fast() -> None:
    assert next_poll([], NOW, PACE, lengths={}, awaiting_job=True, listed=10) == PACE.fast


def test_jobs_are_timed_on_the_operators_clock_from_when_a_poll_first_saw_them() -> None:
    """Site Recovery's timestamps are on its own clock (a simulator's may even run faster)."""
    clock = JobClock()
    running = _job("j1", "vm-a", start=NOW + timedelta(days=3))  # whatever Site Recovery's clock says
    assert clock.running([running], NOW) == [(running, timedelta(0))]
    later = NOW + timedelta(seconds=30)
    assert clock.running([running], later) == [(running, timedelta(seconds=30))]
    ended = _job("j1", "vm-a", state="Succeeded")
    assert clock.running([ended], NOW + timedelta(seconds=60)) == []
    assert clock.lengths["UnplannedFailover"].shortest == timedelta(seconds=60)
    assert clock.running([ended], NOW + timedelta(seconds=90)) == []  # learned once


def test_a_running_job_is_polled_fast_only_within_the_span_jobs_of_its_kind_took() -> None:
    lengths = {
        "UnplannedFailover": JobDurations(shortest=timedelta(seconds=60), longest=timedelta(seconds=80))
    }

    def delay(age: float) -> timedelta:
        running = _job("j1", "vm-a")
        return next_poll(
            [(running, timedelta(seconds=age))], NOW, PACE, lengths=lengths, awaiting_job=False, listed=10
        )

    assert delay(10) == timedelta(seconds=50)  # far from any end seen: not before the shortest
    assert delay(55) == timedelta(seconds=5)  # wakes when the shortest such job had ended
    assert delay(70) == PACE.fast  # inside the span: every fast poll
    assert delay(80 + 200) == timedelta(seconds=20)  # long overdue: backs off with the overrun


def test_a_job_of_a_kind_never_seen_ending_is_polled_in_proportion_to_its_age() -> None:
    def delay(age: float) -> timedelta:
        running = _job("j1", "vm-a")
        return next_poll(
            [(running, timedelta(seconds=age))], NOW, PACE, lengths={}, awaiting_job=False, listed=10
        )

    assert delay(5) == PACE.fast
    assert delay(40) == timedelta(seconds=4)
    assert delay(600) == PACE.quiet


def test_a_reprotect_job_is_followed_by_its_items_not_its_end() -> None:
    """No step follows a reprotect's end: the replication back after it is what a plan waits for."""
    running = _job("j1", "vm-a", scenario="SwitchReplicationGroupProtection")
    polls = next_polls(
        [(running, timedelta(seconds=3))],
        NOW,
        PACE,
        lengths={},
        awaiting_job=False,
        jobs_listed=10,
        items_listed=10,
    )
    assert polls == NextPolls(jobs=PACE.quiet, items=PACE.interval)


def test_the_fast_pace_stays_within_the_read_budget() -> None:
    """6,000 jobs are 60 pages: at 4 reads a second, one read of them in 15 s at most."""
    delay = next_poll([], NOW, PACE, lengths={}, awaiting_job=True, listed=6000)
    assert delay == timedelta(seconds=15)


class _Store:
    async def get(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        return {"metadata": {"name": name}, "spec": {}}


class _Sources:
    async def site_recovery_named(self, name: str) -> tuple[None, Any]:
        return None, type("Source", (), {"config": None, "identity": None})()


class _Reads:
    def __init__(self) -> None:
        self.items: tuple[ProtectedItem, ...] = (_item("vm-a-new"), _item("vm-b-new"))
        self.jobs: tuple[Job, ...] = ()
        self.expired: list[tuple[str, ...]] = []

    def expire(self, config: Any, identity: Any, kinds: Any) -> None:
        self.expired.append(tuple(kinds))

    def connect(self, *_: Any) -> Any:
        reads = self

        class Client:
            async def protected_items(self) -> tuple[ProtectedItem, ...]:
                return reads.items

            async def recent_jobs(self, since: datetime) -> tuple[Job, ...]:
                return reads.jobs

        return Client()


def _poller(
    reads: _Reads, index: Any, clock: list[datetime], wake: Callable[[str], None] | None = None
) -> VaultPoller:
    """A poller over the fake store, sources and reads, on a clock the test moves."""
    return VaultPoller(
        store=_Store(),  # type: ignore[arg-type]
        sources=_Sources(),  # type: ignore[arg-type]
        reads=reads,  # type: ignore[arg-type]
        wake=lambda namespace, name: wake(name) if wake else None,
        clock=lambda: clock[0],
        pace=PACE,
        index=index,
    )


async def test_the_poller_wakes_all_at_first_then_only_the_plans_concerned() -> None:
    index = await _index(
        _plan("app1", ("vm-a-new",)), _plan("app2", ("vm-b-new",)), _plan("other", ("x",), "b")
    )
    woken: list[str] = []
    reads = _Reads()
    clock = [NOW]
    poller = _poller(reads, index, clock, woken.append)

    async def poll_when_due(delay: timedelta) -> timedelta:
        clock[0] += delay
        return await poller.poll("vault-a")

    delay = await poll_when_due(timedelta(0))
    assert sorted(woken) == ["app1", "app2"]
    assert [set(kinds) for kinds in reads.expired] == [{"items", "jobs"}]  # afresh, not the looks' copy
    woken.clear()
    delay = await poll_when_due(delay)
    assert woken == []  # nothing changed
    reads.jobs = (_job("j1", "rp-app2"),)
    delay = await poll_when_due(delay)
    assert woken == ["app2"]
    assert delay == PACE.fast  # a job of a kind never seen ending, just started: its jobs list soon
    reads.expired.clear()
    await poll_when_due(delay)
    assert [set(kinds) for kinds in reads.expired] == [{"jobs"}]  # the items list is not due yet


def test_a_machine_replicating_back_is_polled_for_when_its_progress_says_it_ends() -> None:
    """A resync is no job: its expected end comes from the progress seen at two polls."""
    progress = SyncProgress()
    watched = frozenset({"vm-a-new"})

    def syncing(percent: int) -> tuple[ProtectedItem, ...]:
        return (
            ProtectedItem(
                name="vm-a-new", protection_state="ProtectionInitiated", sync_progress_percent=percent
            ),
            ProtectedItem(name="not-a-plans", sync_progress_percent=percent),
        )

    assert progress.expected_ends(syncing(10), watched, NOW) == [None]  # one sight gives no rate
    later = NOW + timedelta(seconds=100)
    ends = progress.expected_ends(syncing(60), watched, later)
    assert ends == [later + timedelta(seconds=80)]  # 50 % in 100 s: the last 40 % in 80 s
    delay = next_poll([], later, PACE, lengths={}, awaiting_job=False, listed=10, sync_ends=ends)
    assert delay == PACE.quiet  # 80 s away
    first_sight = next_poll([], NOW, PACE, lengths={}, awaiting_job=False, listed=10, sync_ends=[None])
    assert first_sight == PACE.interval  # a second sight soon, for the rate
    near = later + timedelta(seconds=76)
    assert next_poll([], near, PACE, lengths={}, awaiting_job=False, listed=10, sync_ends=ends) == timedelta(
        seconds=4
    )
    done = (ProtectedItem(name="vm-a-new", protection_state="Protected", sync_progress_percent=100),)
    assert progress.expected_ends(done, watched, near) == []


async def test_the_index_lists_again_now_and_then_without_undoing_newer_events() -> None:
    """Plans of namespaces this operator does not watch still count, at the relisting pace."""
    listed: list[Mapping[str, Any]] = [_plan("app1", ("vm-a-new",))]
    clock = [0.0]

    async def list_plans() -> list[Mapping[str, Any]]:
        return list(listed)

    index = PlanIndex(list_plans, relist_seconds=300, monotonic=lambda: clock[0])
    assert [p.name for p in await index.plans()] == ["app1"]
    listed.append(_plan("elsewhere", ("vm-b-new",)))  # created in a namespace not watched
    clock[0] += 10
    assert [p.name for p in await index.plans()] == ["app1"]  # not before the relisting pace
    clock[0] += 300
    assert sorted(p.name for p in await index.plans()) == ["app1", "elsewhere"]
    assert index.lists == 2


async def test_a_plan_that_starts_a_job_hurries_its_vaults_poller() -> None:
    """A short job started between two slow polls is looked for at once, then its end."""
    index = await _index(_plan("app1", ("vm-a-new",)))
    recorded = _plan(
        "app1",
        ("vm-a-new",),
        status={"items": [{"name": "vm-a-new", "intent": {"operation": "Commit", "jobName": "J-7"}}]},
    )
    assert index.seen(recorded) == {"jobs"}
    assert index.seen(recorded) == frozenset()  # the same job again: nothing new
    reprotecting = _plan(
        "app2",
        ("vm-b-new",),
        status={"items": [{"name": "vm-b-new", "intent": {"operation": "Reprotect", "jobName": "J-8"}}]},
    )
    # The replication back follows a reprotect: its progress shows on the items.
    assert index.seen(reprotecting) == {"items"}
    reads = _Reads()
    clock = [NOW]
    poller = _poller(reads, index, clock, None)
    assert await poller.poll("vault-a") == PACE.quiet
    clock[0] += timedelta(seconds=2)
    reads.expired.clear()
    poller.hurry("vault-a", {"jobs"})
    poller.hurry("vault-a", {"jobs"})  # another plan's call a moment later
    assert await poller.poll("vault-a") == PACE.fast  # within the fast pace, not at once...
    assert reads.expired == [()]
    clock[0] += PACE.fast
    await poller.poll("vault-a")
    assert [set(kinds) for kinds in reads.expired] == [set(), {"jobs"}]  # ...one read for both calls


async def test_a_job_seen_ending_has_its_items_read_with_it() -> None:
    """Plans woken by a job's end must see the items it changed, not the items of before."""
    index = await _index(_plan("app1", ("vm-a-new",)))
    reads = _Reads()
    reads.jobs = (_job("j1", "rp-app1"),)
    clock = [NOW]
    poller = _poller(reads, index, clock, None)
    delay = await poller.poll("vault-a")
    assert delay == PACE.fast
    clock[0] += delay
    reads.expired.clear()
    await poller.poll("vault-a")
    assert [set(kinds) for kinds in reads.expired] == [{"jobs"}]  # still running: the jobs only
    reads.jobs = (_job("j1", "rp-app1", state="Succeeded"),)
    clock[0] += PACE.fast
    reads.expired.clear()
    await poller.poll("vault-a")
    assert {kind for kinds in reads.expired for kind in kinds} == {"jobs", "items"}


async def test_a_recovery_plans_per_machine_jobs_lead_to_no_step() -> None:
    """A machine of a recovery plan runs child jobs of the plan's job: their ends hurry nothing."""
    index = await _index(_plan("app1", ("vm-a-new",)))
    reads = _Reads()
    reads.jobs = (_job("rp-job", "rp-app1"), _job("child", "vm-a"))
    clock = [NOW]
    poller = _poller(reads, index, clock, None)
    delay = await poller.poll("vault-a")
    clock[0] += delay
    reads.jobs = (_job("rp-job", "rp-app1"), _job("child", "vm-a", state="Succeeded"))
    reads.expired.clear()
    delay = await poller.poll("vault-a")
    assert [set(kinds) for kinds in reads.expired] == [{"jobs"}]  # the child's end brings no items
    clock[0] += delay
    reads.jobs = (_job("child", "vm-a", state="Succeeded"),)  # only the child was ever followed...
    await poller.poll("vault-a")
    # ...and it taught nothing: a failover of this plan is still of a kind never seen ending.
    assert poller._watches["vault-a"].job_clock.lengths == {}


async def test_a_machine_outside_any_recovery_plan_is_followed_by_its_own_jobs() -> None:
    """A one-machine group without a recovery plan fails over by the machine's own job."""
    alone = _plan("app1", ("vm-a-new",))
    alone["spec"]["groups"][0].pop("recoveryPlan")
    index = await _index(alone)
    reads = _Reads()
    reads.jobs = (_job("j1", "vm-a"),)
    clock = [NOW]
    poller = _poller(reads, index, clock, None)
    assert await poller.poll("vault-a") == PACE.fast
    clock[0] += PACE.fast
    reads.jobs = (_job("j1", "vm-a", state="Succeeded"),)
    reads.expired.clear()
    await poller.poll("vault-a")
    assert {kind for kinds in reads.expired for kind in kinds} == {"jobs", "items"}


def test_followed_jobs_are_named_recovery_plan_reprotect_or_lone_machine_jobs() -> None:
    from failback_operator.services.plan_index import _slim

    grouped = _slim(
        _plan(
            "app1",
            ("vm-a-new",),
            status={"items": [{"name": "vm-a-new", "intent": {"operation": "Commit", "jobName": "J-7"}}]},
        )
    )
    lone = _plan("app2", ("vm-b-new",))
    lone["spec"]["groups"][0].pop("recoveryPlan")
    jobs = (
        _job("J-7", None),  # named by the plan's intent
        _job("rp-job", "RP-APP1"),  # its recovery plan's, whatever the case
        _job("child", "vm-a"),  # a child of the recovery plan's job
        _job("own", "vm-b"),  # a machine of no recovery plan
        _job("reprotect", "vm-a", scenario="SwitchReplicationGroupProtection"),  # its machine's
        _job("foreign", "vm-z"),
        _job("foreign-reprotect", "vm-z", scenario="SwitchReplicationGroupProtection"),
    )
    items = (_item("vm-a-new"), _item("vm-b-new"))
    followed = followed_jobs(jobs, [grouped, _slim(lone)], items)
    assert [job.id for job in followed] == ["J-7", "rp-job", "own", "reprotect"]


async def test_a_reprotect_under_way_has_the_items_read_at_the_plain_pace() -> None:
    """Its machine's stage still says failed over: the running reprotect is what says to look."""
    index = await _index(_plan("app1", ("vm-a-new",)))
    reads = _Reads()
    reads.jobs = (_job("r1", "vm-a", scenario="SwitchReplicationGroupProtection"),)
    poller = _poller(reads, index, [NOW], None)
    assert await poller.poll("vault-a") == PACE.interval


async def test_a_reprotect_seen_ending_leaves_the_items_to_their_own_pace() -> None:
    """No step follows a reprotect's end: the replication back it starts shows at the items' pace."""
    index = await _index(_plan("app1", ("vm-a-new",)))
    reads = _Reads()
    reads.jobs = (_job("j1", "vm-a", scenario="SwitchReplicationGroupProtection"),)
    clock = [NOW]
    poller = _poller(reads, index, clock, None)
    await poller.poll("vault-a")
    poller.hurry("vault-a", ["jobs"])  # a failover started elsewhere: the jobs are read soon
    clock[0] += PACE.fast
    reads.jobs = (_job("j1", "vm-a", state="Succeeded", scenario="SwitchReplicationGroupProtection"),)
    reads.expired.clear()
    await poller.poll("vault-a")
    assert [set(kinds) for kinds in reads.expired] == [{"jobs"}]


def test_a_plan_with_machines_under_way_has_the_items_read_at_the_plain_pace() -> None:
    """After a restart no job is hurried for: the plans' own stages say they wait on the vault."""
    polls = next_polls(
        [], NOW, PACE, lengths={}, awaiting_job=False, jobs_listed=1, items_listed=1, in_flight=True
    )
    assert polls == NextPolls(jobs=PACE.quiet, items=PACE.interval)


async def test_a_plan_is_under_way_while_a_machine_is() -> None:
    syncing = _plan("app1", ("vm-a-new",), status={"items": [{"name": "vm-a-new", "stage": "Syncing"}]})
    waiting = _plan(
        "app2", ("vm-b-new",), status={"items": [{"name": "vm-b-new", "stage": "ProtectedToOnPremises"}]}
    )
    index = await _index(syncing, waiting)
    assert {p.name: p.in_flight for p in await index.plans()} == {"app1": True, "app2": False}


async def test_the_index_gives_a_look_only_the_plans_naming_its_items() -> None:
    from failback_operator.workflow import claims_on

    older = _plan("app1", ("vm-a-new",))
    newer = _plan("app2", ("vm-a-new", "vm-b-new"))
    newer["metadata"]["creationTimestamp"] = "2026-11-28T21:00:00Z"
    index = await _index(older, newer, _plan("app3", ("vm-c-new",)))
    naming = await index.naming(newer)
    assert sorted(p["metadata"]["name"] for p in naming) == ["app1", "app2"]
    assert claims_on(naming, newer) == {"vm-a-new": "team-apps/app1"}


async def test_a_reprotect_started_has_the_items_read_at_the_plain_pace_not_at_once() -> None:
    index = await _index(_plan("app1", ("vm-a-new",)))
    reads = _Reads()
    clock = [NOW]
    poller = _poller(reads, index, clock, None)
    assert await poller.poll("vault-a") == PACE.quiet
    poller.hurry("vault-a", {"items"})
    reads.expired.clear()
    assert await poller.poll("vault-a") == PACE.interval  # nothing read now, the items in 10 s
    assert reads.expired == [()]


class _FailingOnce:
    """A plan index whose next lookup fails (the API server briefly unreachable)."""

    def __init__(self, index: PlanIndex) -> None:
        self.index = index
        self.fail = False

    async def of_vault(self, vault: str) -> Any:
        if self.fail:
            self.fail = False
            raise ConnectionError("the API server did not answer")
        return await self.index.of_vault(vault)


async def test_a_change_seen_while_the_plans_cannot_be_listed_still_wakes_them_next_poll() -> None:
    flaky = _FailingOnce(await _index(_plan("app1", ("vm-a-new",))))
    woken: list[str] = []
    reads = _Reads()
    clock = [NOW]
    poller = _poller(reads, flaky, clock, woken.append)
    await poller.poll("vault-a")
    woken.clear()
    reads.items = (_item("vm-a-new", "UnplannedFailoverCommitted"), _item("vm-b-new"))
    flaky.fail = True
    clock[0] += timedelta(hours=1)  # every list due
    with pytest.raises(ConnectionError):
        await poller.poll("vault-a")
    assert woken == []
    clock[0] += timedelta(hours=1)
    await poller.poll("vault-a")
    assert woken == ["app1"]  # the change was not taken as seen while nobody could be woken


async def test_machines_replicating_back_at_a_known_rate_are_read_when_they_should_end() -> None:
    """No plain pace while the progress tells when the replication back ends; a machine whose end
    nothing tells (no progress reported yet, as an appliance may) keeps the plain pace."""
    syncing = {"items": [{"name": "vm-a-new", "stage": "Syncing"}]}
    index = await _index(_plan("app1", ("vm-a-new",), status=syncing))
    reads = _Reads()
    clock = [NOW]
    poller = _poller(reads, index, clock, None)

    def progress(percent: int | None) -> tuple[ProtectedItem, ...]:
        return (
            ProtectedItem(
                name="vm-a-new", protection_state="ProtectionInitiated", sync_progress_percent=percent
            ),
        )

    async def items_read_in() -> timedelta:
        await poller.poll("vault-a")
        return poller._watches["vault-a"].due["items"] - clock[0]

    reads.items = progress(10)
    assert await items_read_in() == PACE.interval  # one sight: no rate yet
    clock[0] += PACE.interval
    reads.items = progress(20)  # 10 % in 10 s: the last 80 % in 80 s
    assert await items_read_in() == PACE.quiet  # not before the quiet pace
    clock[0] += PACE.quiet
    reads.items = progress(80)  # the rate holds: 20 % left, 20 s
    assert await items_read_in() == timedelta(seconds=20)

    other = _plan("app2", ("vm-b-new",), status={"items": [{"name": "vm-b-new", "stage": "Syncing"}]})
    index.seen(other)
    reads.items = (*progress(90), ProtectedItem(name="vm-b-new", protection_state="ProtectionInitiated"))
    clock[0] += timedelta(seconds=20)
    assert await items_read_in() == PACE.interval  # vm-b-new's end is not known


async def test_a_reprotect_listed_running_is_over_once_its_machine_replicates_back() -> None:
    """The jobs list is read at its quiet pace during a reprotect: the items tell its end first."""
    reprotecting = {"items": [{"name": "vm-a-new", "stage": "Syncing"}]}
    index = await _index(_plan("app1", ("vm-a-new",), status=reprotecting))
    reads = _Reads()
    reads.jobs = (_job("r1", "vm-a", scenario="SwitchReplicationGroupProtection"),)
    clock = [NOW]
    poller = _poller(reads, index, clock, None)

    def progress(percent: int) -> tuple[ProtectedItem, ...]:
        return (
            ProtectedItem(
                name="vm-a-new",
                friendly_name="vm-a",
                protection_state="ProtectionInitiated",
                sync_progress_percent=percent,
            ),
        )

    reads.items = progress(10)
    await poller.poll("vault-a")
    clock[0] += PACE.interval
    reads.items = progress(20)
    await poller.poll("vault-a")  # the jobs list, not due, still shows the reprotect running
    assert poller._watches["vault-a"].jobs[0].state == "InProgress"
    assert poller._watches["vault-a"].due["items"] - clock[0] == PACE.quiet
