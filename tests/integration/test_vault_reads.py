"""Every look at a vault shares one batched read per kind, against the real simulator and SDK."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import pytest

from failback_operator.azure import ClientSecret, SiteRecovery, SiteRecoveryError, VaultConfig
from failback_operator.gathering.vault_reads import SharedVaultReads
from failback_operator.sim.asr import AsrSimulator

from .test_azure_adapter_contract import classic_reprotect

LIST_ITEMS = "ReplicationProtectedItems_List"
LIST_JOBS = "ReplicationJobs_List"


class _Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _source(simulator: AsrSimulator) -> tuple[VaultConfig, ClientSecret]:
    scenario = simulator.runtime.scenario
    config = VaultConfig(
        subscription_id=scenario.vault.subscription,
        resource_group=scenario.vault.resource_group,
        vault=scenario.vault.name,
        fabric=scenario.configuration_server.fabric_name,
        endpoint=simulator.base_url,
        authority=simulator.base_url,
        ca_file=str(simulator.ca_file),
        disable_instance_discovery=True,
    )
    identity = ClientSecret(
        tenant_id=simulator.tenant, client_id=simulator.client_id, client_secret=simulator.client_secret
    )
    return config, identity


async def test_looks_at_one_vault_share_one_read_per_kind(classic_sim: AsrSimulator) -> None:
    clock = _Clock()
    reads = SharedVaultReads(
        ttl_seconds=10, jobs_since=lambda: datetime.now(UTC) - timedelta(days=1), monotonic=clock
    )
    config, identity = _source(classic_sim)
    try:
        looks = [reads.connect(config, identity) for _ in range(5)]
        answers = await asyncio.gather(*(look.protected_items() for look in looks))
        assert {len(items) for items in answers} == {2}
        await asyncio.gather(*(look.recent_jobs(datetime.now(UTC) - timedelta(hours=1)) for look in looks))
        log = classic_sim.runtime.log
        assert log.count(LIST_ITEMS) == 1, log.counts()
        assert log.count(LIST_JOBS) == 1, log.counts()
        # Closing a look leaves the shared client open for the next one.
        await looks[0].close()
        assert len(await reads.connect(config, identity).protected_items()) == 2
        assert log.count(LIST_ITEMS) == 1
        clock.now += 11  # past the TTL: the next look reads again
        await reads.connect(config, identity).protected_items()
        assert log.count(LIST_ITEMS) == 2
        assert reads.reads["items"] == 2
    finally:
        await reads.close()


async def test_looks_whose_jobs_are_all_recent_enough_share_the_very_same_jobs(
    classic_sim: AsrSimulator,
) -> None:
    """The same tuple, not an equal copy: each look's index of the day's jobs is then built once."""
    reads = SharedVaultReads(ttl_seconds=10, jobs_since=lambda: datetime.now(UTC) - timedelta(days=1))
    config, identity = _source(classic_sim)
    try:
        looks = [reads.connect(config, identity) for _ in range(3)]
        for item in await looks[0].protected_items():  # a job per machine, started one after another
            await classic_reprotect(looks[0], item)
            classic_sim.runtime.advance(60)
        since = datetime.now(UTC) - timedelta(days=1)
        first, second, third = await asyncio.gather(*(look.recent_jobs(since) for look in looks))
        assert first, "the simulator's vault has jobs"
        assert second is first
        assert third is first
        # A look that wants fewer jobs gets only those.
        latest = max(job.start for job in first if job.start is not None)
        later = await looks[0].recent_jobs(latest)
        assert later is not first
        assert [job.id for job in later] == [
            job.id for job in first if job.start is None or job.start >= latest
        ]
        assert len(later) < len(first)
    finally:
        await reads.close()


async def test_a_changed_secret_gets_a_reader_of_its_own(classic_sim: AsrSimulator) -> None:
    reads = SharedVaultReads(ttl_seconds=60, jobs_since=lambda: datetime.now(UTC) - timedelta(days=1))
    config, identity = _source(classic_sim)
    try:
        await reads.connect(config, identity).protected_items()
        wrong = ClientSecret(
            tenant_id=identity.tenant_id, client_id=identity.client_id, client_secret="not-it"
        )
        # A wrong secret is not answered from the right one's shared read: it signs in and fails.
        with pytest.raises(SiteRecoveryError) as refused:
            await reads.connect(config, wrong).protected_items()
        assert "not-it" not in str(refused.value)
        await reads.connect(config, identity.model_copy()).protected_items()
        assert classic_sim.runtime.log.count(LIST_ITEMS) == 1  # the same identity shares its reader
    finally:
        await reads.close()


async def test_the_configuration_is_read_on_its_own_slower_period(classic_sim: AsrSimulator) -> None:
    """Items move with every step; fabric, configuration server, policies and recovery plans rarely do."""
    clock = _Clock()
    reads = SharedVaultReads(
        ttl_seconds=5,
        configuration_ttl_seconds=60,
        jobs_since=lambda: datetime.now(UTC) - timedelta(days=1),
        monotonic=clock,
    )
    config, identity = _source(classic_sim)

    async def look() -> None:
        client = reads.connect(config, identity)
        await asyncio.gather(
            client.protected_items(),
            client.recovery_plans(),
            client.configuration_server(),
            client.failback_policies(),
        )

    try:
        await look()
        for _ in range(5):
            clock.now += 6  # past the items' TTL, inside the configuration's period
            await look()
        assert reads.reads["items"] == 6
        configuration = ("recovery plans", "configuration server True", "policies", "fabric name")
        assert {kind: reads.reads.get(kind) for kind in configuration} == dict.fromkeys(configuration, 1)
        clock.now += 31  # the configuration's period is over: read once more
        await look()
        assert reads.reads["policies"] == 2
        assert reads.reads["configuration server True"] == 2
    finally:
        await reads.close()


async def test_the_vault_poller_reads_afresh_within_the_shared_time(classic_sim: AsrSimulator) -> None:
    """Looks share the poller's reads; the poller's own reads never come from the shared copy."""
    clock = _Clock()
    reads = SharedVaultReads(
        ttl_seconds=10, jobs_since=lambda: datetime.now(UTC) - timedelta(days=1), monotonic=clock
    )
    config, identity = _source(classic_sim)
    try:
        await reads.connect(config, identity).protected_items()
        reads.expire(config, identity, ("items", "jobs"))
        await reads.connect(config, identity).protected_items()
        await reads.connect(config, identity).protected_items()  # a look after the poll shares it
        assert classic_sim.runtime.log.count(LIST_ITEMS) == 2
    finally:
        await reads.close()


def _jobs_list_starts(simulator: AsrSimulator) -> list[str]:
    """The StartTime of each first page of the jobs list the simulator answered, in order."""
    starts = []
    for record in simulator.runtime.log.records():
        if record["operation"] == LIST_JOBS and "skiptoken" not in record["query"].lower():
            query = unquote_plus(record["query"])
            starts.append(query.split("StartTime eq '", 1)[1].split("'", 1)[0])
    return starts


async def test_the_jobs_are_listed_from_the_earliest_that_can_still_change(classic_sim: AsrSimulator) -> None:
    """Ended jobs are kept, not listed again; what the looks get equals a whole list of the day."""
    clock = _Clock()
    day_back = datetime.now(UTC) - timedelta(days=1)
    reads = SharedVaultReads(
        ttl_seconds=10, jobs_since=lambda: day_back, monotonic=clock, jobs_whole_read_seconds=900
    )
    config, identity = _source(classic_sim)
    whole = SiteRecovery.connect(config, identity)
    try:
        look = reads.connect(config, identity)
        items = await look.protected_items()
        for item in items:  # a reprotect per machine, one after another
            await classic_reprotect(look, item)
            classic_sim.runtime.advance(3)
        running = await look.recent_jobs(day_back)
        reprotects = [job for job in running if job.scenario == "SwitchReplicationGroupProtection"]
        assert len(reprotects) == len(items)
        assert {job.state for job in reprotects} == {"InProgress"}

        # The next list starts at the earliest reprotect, still running: it sees both end.
        classic_sim.runtime.advance(120)
        reads.expire(config, identity, ("jobs",))
        ended = await look.recent_jobs(day_back)
        earliest = min(job.start for job in reprotects if job.start is not None)
        assert _jobs_list_starts(classic_sim)[-1] == earliest.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert [(job.id, job.state) for job in ended] == [
            (job.id, job.state) for job in await whole.recent_jobs(day_back)
        ]
        assert {job.state for job in ended if job.id in {r.id for r in reprotects}} == {"Succeeded"}

        # Everything ended: the next list starts two minutes before the newest job.
        reads.expire(config, identity, ("jobs",))
        again = await look.recent_jobs(day_back)
        newest = max(job.start for job in ended if job.start is not None)
        assert _jobs_list_starts(classic_sim)[-1] == (newest - timedelta(minutes=2)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        assert [(job.id, job.state) for job in again] == [(job.id, job.state) for job in ended]
        assert len(again) > 1, "older ended jobs are kept, not listed again"

        # The whole day again at its own period.
        clock.now += 901
        reads.expire(config, identity, ("jobs",))
        await look.recent_jobs(day_back)
        assert _jobs_list_starts(classic_sim)[-1] == day_back.strftime("%Y-%m-%dT%H:%M:%SZ")
    finally:
        await whole.close()
        await reads.close()
