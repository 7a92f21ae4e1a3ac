"""One poller per vault: reads its items and jobs and wakes the plans a change concerns.

Plans look at their own pace (every active poll while jobs run); the poller makes them look as
soon as Site Recovery reports a change, so a finished job or a protected item is acted on at once
without every plan reading the vault more often. Each list has its own time. The jobs list is read
at a quiet pace, and fast while a plan has recorded an intent whose job is not listed yet, or a
job a step follows (failover, commit, cancel) is within the span jobs of its kind took to end
here (timed on the operator's clock). The items list is read at the quiet pace, at the plain pace
while a machine a plan waits for is reprotected or replicates back at a rate not yet known, and
fast when its progress says it is about to be protected; a job's end brings its items with it.
The fast pace is bounded by a read budget, counted in list pages.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from failback_operator.azure import SiteRecoveryError
from failback_operator.facts.asr import Job, ProtectedItem
from failback_operator.gathering.sources import SourceResolver
from failback_operator.gathering.vault_reads import POLLED_KINDS, SharedVaultReads
from failback_operator.rules.failback import REPROTECT_SCENARIOS
from failback_operator.services.plan_index import IndexedPlan, PlanIndex
from failback_operator.storage.kube import KubeStore, NotFoundError

__all__ = [
    "JobClock",
    "JobDurations",
    "NextPolls",
    "PollPace",
    "SyncProgress",
    "VaultPoller",
    "concerned_plans",
    "followed_jobs",
    "next_poll",
    "next_polls",
    "vault_facts",
    "vault_fingerprint",
]

log = logging.getLogger(__name__)

_RUNNING = frozenset({"NotStarted", "InProgress"})


def _item_line(item: ProtectedItem) -> str:
    return "|".join(
        str(part)
        for part in (
            item.name,
            item.instance_type,
            item.protection_state,
            item.active_location,
            ",".join(sorted(item.allowed_operations)),
            item.current_scenario.name if item.current_scenario else "",
            item.replication_health,
        )
    )


def _item_of_vm(items: Iterable[ProtectedItem]) -> dict[str, str]:
    """Item names by the VM name Site Recovery gives a job's target (both case-folded)."""
    return {(i.friendly_name or i.name).casefold(): i.name.casefold() for i in items}


def vault_facts(items: Iterable[ProtectedItem], jobs: Iterable[Job]) -> dict[str, str]:
    """What a plan's next step depends on, per item and per job: key -> condensed state."""
    facts = {f"item|{item.name.casefold()}": _item_line(item) for item in items}
    facts.update({f"job|{job.id}": f"{job.state}" for job in jobs})
    return facts


def vault_fingerprint(items: Iterable[ProtectedItem], jobs: Iterable[Job]) -> str:
    """The whole vault's `vault_facts`, condensed, in a stable order."""
    lines = sorted(f"{key}={value}" for key, value in vault_facts(items, jobs).items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def concerned_plans(
    plans: Iterable[IndexedPlan],
    changed: Iterable[str],
    jobs: Mapping[str, Job],
    items: Iterable[ProtectedItem] = (),
) -> list[IndexedPlan]:
    """The plans a change concerns: they name the item, or know the job, or the job acts on their
    items (by VM name, as Site Recovery names a job's target) or recovery plans.

    A changed job whose target is not named concerns every plan of the vault (better a look too many).
    """
    item_of_vm = _item_of_vm(items)
    names: set[str] = set()
    job_ids: set[str] = set()
    everyone = False
    for key in changed:
        kind, _, name = key.partition("|")
        if kind == "item":
            names.add(name)
            continue
        job_ids.add(name.casefold())
        job = jobs.get(name)
        target = (job.target_object_name or "").casefold() if job else ""
        if target:
            names.update({target, item_of_vm.get(target, target)})
        elif job is not None:
            everyone = True
    plans = list(plans)
    if everyone:
        return plans
    return [
        plan for plan in plans if plan.items & names or plan.recovery_plans & names or plan.jobs & job_ids
    ]


def followed_jobs(
    jobs: Iterable[Job], plans: Iterable[IndexedPlan], items: Iterable[ProtectedItem]
) -> tuple[Job, ...]:
    """The jobs a plan follows: the poller hurries for these only.

    A plan's own calls' jobs (by name), its recovery plans' jobs, the reprotects of its machines,
    and the jobs of its machines that belong to no recovery plan. A machine of a recovery plan runs
    per-machine child jobs of the plan's job (shut down, fail over, boot, commit): they end along
    the way and lead to no step, so they neither speed the jobs list up, nor teach how long jobs of
    their kind take, nor bring the items along.
    """
    plans = list(plans)
    named = {job for plan in plans for job in plan.step_jobs | plan.reprotect_jobs}
    recovery_plans = {name for plan in plans for name in plan.recovery_plans}
    machines = {name for plan in plans for name in plan.items}
    alone = {name for plan in plans for name in plan.items_without_plan}
    item_of_vm = _item_of_vm(items)
    followed: list[Job] = []
    for job in jobs:
        target = (job.target_object_name or "").casefold()
        item = item_of_vm.get(target, target)
        if (
            job.id.casefold() in named
            or target in recovery_plans
            or item in alone
            or (job.scenario in REPROTECT_SCENARIOS and item in machines)
        ):
            followed.append(job)
    return tuple(followed)


@dataclass(frozen=True, slots=True)
class JobDurations:
    """How long jobs of one kind took to end in this vault: the shortest and the longest seen."""

    shortest: timedelta
    longest: timedelta


@dataclass
class JobClock:
    """Running jobs' ages and ended jobs' lengths, on the operator's own clock.

    A job's age counts from when a poll first saw it running (right after the call that started
    it, since a plan waiting for its job's listing makes the poller hurry); its length ends when a
    poll first sees it ended. Site Recovery's own timestamps are on its clock, not ours.
    """

    _first_seen: dict[str, datetime] = field(default_factory=dict)
    lengths: dict[str, JobDurations] = field(default_factory=dict)

    def running(self, jobs: Iterable[Job], now: datetime) -> list[tuple[Job, timedelta]]:
        """The running jobs with their ages; the lengths of the jobs seen ending are learned."""
        ages: list[tuple[Job, timedelta]] = []
        listed: set[str] = set()
        for job in jobs:
            listed.add(job.id)
            if job.state in _RUNNING:
                ages.append((job, now - self._first_seen.setdefault(job.id, now)))
            elif job.id in self._first_seen:
                self._learn(job.scenario, now - self._first_seen.pop(job.id))
        for gone in set(self._first_seen) - listed:
            del self._first_seen[gone]
        return ages

    def _learn(self, scenario: str, length: timedelta) -> None:
        known = self.lengths.get(scenario)
        self.lengths[scenario] = (
            JobDurations(shortest=length, longest=length)
            if known is None
            else JobDurations(shortest=min(known.shortest, length), longest=max(known.longest, length))
        )


@dataclass
class SyncProgress:
    """When each watched machine is expected to finish replicating back, from the progress reported.

    A resync is no job: its end shows only as the item turning protected. Its progress, seen at two
    polls, gives its rate and so its expected end.
    """

    _first: dict[str, tuple[datetime, int]] = field(default_factory=dict)

    def expected_ends(
        self, items: Iterable[ProtectedItem], watched: frozenset[str], now: datetime
    ) -> list[datetime | None]:
        """Per watched machine replicating back, its expected end (None until its rate is known)."""
        return list(self.expected_end_by_item(items, watched, now).values())

    def expected_end_by_item(
        self, items: Iterable[ProtectedItem], watched: frozenset[str], now: datetime
    ) -> dict[str, datetime | None]:
        """The same, by case-folded item name."""
        ends: dict[str, datetime | None] = {}
        for item in items:
            key = item.name.casefold()
            percent = item.sync_progress_percent
            if key not in watched or percent is None or not 0 <= percent < 100:
                continue
            first = self._first.get(key)
            if first is None or percent < first[1]:
                self._first[key] = (now, percent)
                ends[key] = None
                continue
            since, was = first
            if percent > was:
                rate = (percent - was) / (now - since).total_seconds()
                ends[key] = now + timedelta(seconds=(100 - percent) / rate)
            else:
                ends[key] = None
        for key in set(self._first) - set(ends):
            del self._first[key]
        return ends


@dataclass(frozen=True, kw_only=True, slots=True)
class PollPace:
    """The poller's paces: slow by default, fast while an end is due, never above the read budget."""

    # While a plan waits on the vault for something not yet expected at a known time.
    interval: timedelta = timedelta(seconds=10)
    fast: timedelta = timedelta(seconds=1)
    # While nothing a plan's next step follows is under way (changes made by others show then).
    quiet: timedelta = timedelta(seconds=60)
    # Reads per second the fast pace may spend on one vault (ARM refills ~25 per second per principal).
    reads_per_second: float = 4.0
    page_size: int = 100


def _due(job: Job, age: timedelta, lengths: Mapping[str, JobDurations], pace: PollPace) -> timedelta:
    """When this running job's end is worth looking for."""
    known = lengths.get(job.scenario)
    if known is None:
        # No job of this kind was seen ending yet: look at a pace proportional to its age,
        # so its end is seen at most about a tenth of its length late.
        return max(pace.fast, age / 10)
    if age < known.shortest:
        # Not before the shortest such job took: wake just before it could end.
        return max(pace.fast, known.shortest - age)
    if age <= known.longest:
        return pace.fast
    # Longer than any such job so far: back off with the overrun.
    return max(pace.fast, (age - known.longest) / 10)


@dataclass(frozen=True, slots=True)
class NextPolls:
    """When to read each list again: the jobs for jobs' ends, the items for replication's end."""

    jobs: timedelta
    items: timedelta


def next_polls(
    running: Sequence[tuple[Job, timedelta]],
    now: datetime,
    pace: PollPace,
    *,
    lengths: Mapping[str, JobDurations],
    awaiting_job: bool,
    jobs_listed: int,
    items_listed: int,
    sync_ends: Sequence[datetime | None] = (),
    in_flight: bool = False,
) -> NextPolls:
    """The delays before the next reads of a vault's jobs and items, never above the read budget.

    `running` are the running jobs with their ages (`JobClock`); `*_listed` how many jobs and items
    the lists hold, for their cost in pages; `sync_ends` when the machines the plans wait for are
    expected to finish replicating back (None while not yet known); `in_flight` whether a plan has
    machines under way.
    """
    jobs_due = pace.fast if awaiting_job else pace.quiet
    # A plan whose machines are under way waits on the items (states, progress) at the plain pace.
    items_due = pace.interval if in_flight else pace.quiet
    for job, age in running:
        if job.scenario in REPROTECT_SCENARIOS:
            # No step follows a reprotect's end, but the replication back does: its progress
            # (on the items) is read at the plain pace until its end can be expected.
            items_due = min(items_due, pace.interval)
        else:
            jobs_due = min(jobs_due, _due(job, age, lengths, pace))
    for end in sync_ends:
        items_due = min(items_due, pace.interval if end is None else max(pace.fast, end - now))

    def within_budget(due: timedelta, listed: int) -> timedelta:
        pages = max(1, math.ceil(listed / pace.page_size))
        return min(pace.quiet, max(due, timedelta(seconds=pages / pace.reads_per_second)))

    return NextPolls(jobs=within_budget(jobs_due, jobs_listed), items=within_budget(items_due, items_listed))


def next_poll(
    running: Sequence[tuple[Job, timedelta]],
    now: datetime,
    pace: PollPace,
    *,
    lengths: Mapping[str, JobDurations],
    awaiting_job: bool,
    listed: int,
    sync_ends: Sequence[datetime | None] = (),
) -> timedelta:
    """The delay before the vault's next read of either list (`listed` counted for each)."""
    polls = next_polls(
        running,
        now,
        pace,
        lengths=lengths,
        awaiting_job=awaiting_job,
        jobs_listed=listed,
        items_listed=listed,
        sync_ends=sync_ends,
    )
    return min(polls.jobs, polls.items)


@dataclass
class _VaultWatch:
    """What the poller keeps of one vault between polls."""

    items: tuple[ProtectedItem, ...] = ()
    jobs: tuple[Job, ...] = ()
    facts: dict[str, str] | None = None
    due: dict[str, datetime] = field(default_factory=dict)
    sync_ends: dict[str, datetime | None] = field(default_factory=dict)
    syncs: SyncProgress = field(default_factory=SyncProgress)
    job_clock: JobClock = field(default_factory=JobClock)


@dataclass
class VaultPoller:
    """Reads each vault once per poll through the shared reads and wakes the plans a change concerns."""

    store: KubeStore
    sources: SourceResolver
    reads: SharedVaultReads
    wake: Callable[[str, str], None]
    clock: Callable[[], datetime]
    pace: PollPace
    index: PlanIndex
    _watches: dict[str, _VaultWatch] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    # Why each vault could not be polled last time, so that a lasting failure is logged once.
    _failing: dict[str, str] = field(default_factory=dict)

    @property
    def interval(self) -> timedelta:
        return self.pace.interval

    def hurry(self, vault: str, kinds: Iterable[str]) -> None:
        """A plan started a job (the caller wakes the poller).

        "jobs": a failover, commit or cancel, whose end its next step follows: read the jobs at the
        fast pace (the calls of plans acting together share that read; a recovery plan's job needs
        no read at once, its tracking id is followed at its end).
        "items": a reprotect, which the replication back follows: read the items at the plain pace.
        """
        watch = self._watches.get(vault)
        if watch is None:
            return
        now = self.clock()
        for kind in kinds:
            at = now + (self.pace.fast if kind == "jobs" else self.pace.interval)
            watch.due[kind] = min(watch.due.get(kind, at), at)

    async def poll(self, vault: str) -> timedelta:
        """Read the vault's lists that are due; wake the plans whose items or jobs changed.

        A vault that cannot be read (a bad Secret, no workload identity, no answer) is logged in one
        line when the reason changes, never as a traceback per poll: the RecoveryVault's Connected
        condition and each plan's Ready condition say why, and the plans look at their own pace.
        """
        watch = self._watches.setdefault(vault, _VaultWatch())
        # The plans first: a change is kept as seen only once the plans it concerns can be woken.
        plans = await self.index.of_vault(vault)
        try:
            due = await self._read(vault, watch, plans)
        except (NotFoundError, ValueError, SiteRecoveryError, TimeoutError) as error:
            reason = str(error) or type(error).__name__
            if self._failing.get(vault) != reason:
                self._failing[vault] = reason
                log.warning("vault %s cannot be polled: %s", vault, reason)
            return self.pace.interval
        if self._failing.pop(vault, None) is not None:
            log.info("vault %s is polled again", vault)
        return self._wake_and_pace(vault, watch, due, plans)

    async def _read(self, vault: str, watch: _VaultWatch, plans: Sequence[IndexedPlan]) -> set[str]:
        """Read the lists that are due into `watch`; the kinds read."""
        _, source = await self.sources.site_recovery_named(vault)
        now = self.clock()
        # A little early is on time: the daemon's sleep ends close to, not exactly at, a due time.
        due = {kind for kind in POLLED_KINDS if watch.due.get(kind, now) <= now + timedelta(milliseconds=200)}
        # Afresh: the shared reads serve looks for a while, but a poll is there to see what is new.
        self.reads.expire(source.config, source.identity, due)
        client = self.reads.connect(source.config, source.identity)
        if "jobs" in due:
            jobs = await client.recent_jobs(now - timedelta(days=1))
            # Only the end of a job a step follows (a failover, commit or cancel) brings its items
            # along: not a reprotect's (the replication back shows at the items' own pace), nor a
            # recovery plan's per-machine child job's.
            ended = {
                job.id
                for job in followed_jobs(jobs, plans, watch.items)
                if job.state not in _RUNNING and job.scenario not in REPROTECT_SCENARIOS
            }
            if "items" not in due and ended - {job.id for job in watch.jobs if job.state not in _RUNNING}:
                # A job ended: its items changed with it, and the plans woken must see both.
                due.add("items")
                self.reads.expire(source.config, source.identity, ("items",))
            watch.jobs = jobs
        if "items" in due:
            watch.items = await client.protected_items()
        return due

    def _wake_and_pace(
        self, vault: str, watch: _VaultWatch, due: set[str], plans: Sequence[IndexedPlan]
    ) -> timedelta:
        """Wake the plans the change concerns; the time until the next list is due."""
        self.polls[vault] = self.polls.get(vault, 0) + 1
        facts = vault_facts(watch.items, watch.jobs)
        before, watch.facts = watch.facts, facts
        if before is None:
            woken = list(plans)  # the first poll: every plan of the vault sees where things are
        else:
            changed = {key for key in facts.keys() | before.keys() if facts.get(key) != before.get(key)}
            by_id = {job.id: job for job in watch.jobs}
            woken = concerned_plans(plans, changed, by_id, watch.items) if changed else []
        for plan in woken:
            self.wake(plan.namespace, plan.name)
        now = self.clock()
        if "items" in due:
            watched = frozenset(name for plan in plans for name in plan.items)
            watch.sync_ends = watch.syncs.expected_end_by_item(watch.items, watched, now)
        # Machines replicating back whose ends the progress tells need no plain pace of their own:
        # the items are read when the first is expected to end (at the quiet pace at the latest).
        syncing = {name for plan in plans for name in plan.syncing}
        in_flight = any(plan.in_flight_otherwise for plan in plans) or any(
            watch.sync_ends.get(name) is None for name in syncing
        )
        running = watch.job_clock.running(followed_jobs(watch.jobs, plans, watch.items), now)
        item_of_vm = _item_of_vm(watch.items)
        # A reprotect whose machine reports its replication back is over, whatever the jobs list,
        # read at its quiet pace, still says: the items are then paced by that replication.
        running = [
            (job, age)
            for job, age in running
            if not (
                job.scenario in REPROTECT_SCENARIOS
                and item_of_vm.get(
                    (job.target_object_name or "").casefold(), (job.target_object_name or "").casefold()
                )
                in watch.sync_ends
            )
        ]
        polls = next_polls(
            running,
            now,
            self.pace,
            lengths=watch.job_clock.lengths,
            awaiting_job=any(plan.awaits_job for plan in plans),
            jobs_listed=len(watch.jobs),
            items_listed=len(watch.items),
            sync_ends=list(watch.sync_ends.values()),
            in_flight=in_flight,
        )
        for kind, delay in (("jobs", polls.jobs), ("items", polls.items)):
            at = now + delay
            watch.due[kind] = at if kind in due else min(watch.due.get(kind, at), at)
        return max(timedelta(0), min(watch.due.values()) - now)
