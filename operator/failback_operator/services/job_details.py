"""Reads by name the few jobs a plan must judge, and keeps each ended job once read.

A job list entry has no tasks, errors or custom details, so FB042 and the error table need a GET
of the job by name. Only the jobs `workflow.job_reads.jobs_to_read` picks are read, a bounded
number per look; an ended job never changes again, so it is read once and kept.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from failback_operator.api.status import ItemStatus
from failback_operator.azure import SiteRecovery, SiteRecoveryError
from failback_operator.facts import Job, index_jobs
from failback_operator.facts.asr import JobIndex, VaultFacts
from failback_operator.workflow.job_reads import jobs_to_read

__all__ = ["JobDetailReader"]

log = logging.getLogger(__name__)

V = TypeVar("V")
# Lists whose index is kept: a vault's wide and narrow jobs reads, for a few vaults.
_LISTS_INDEXED = 8


def _keep(store: OrderedDict[str, V], key: str, value: V, size: int) -> None:
    """Keep the newest `size` entries."""
    store[key] = value
    store.move_to_end(key)
    while len(store) > size:
        store.popitem(last=False)


@dataclass
class JobDetailReader:
    """Job GETs for the plans: at most `limit_per_look` per look, ended jobs and tracking ids kept."""

    limit_per_look: int = 6
    kept: int = 1024
    # How far back the jobs list surely reaches (it is read a day back): an item's own job called
    # since then is left to the next list instead of being read by name.
    listed_for: timedelta = timedelta(hours=12)
    _ended: OrderedDict[str, Job] = field(default_factory=OrderedDict)
    _tracked: OrderedDict[str, str] = field(default_factory=OrderedDict)
    reads: int = 0  # GETs sent, for tests and metrics
    # Changes of `_ended`, and the index of each recent list with its ended jobs in place: every look
    # on one read of a vault shares one index until a job is kept or the list is read again.
    _ended_changes: int = 0
    _indexed: dict[int, tuple[tuple[Job, ...], int, JobIndex]] = field(default_factory=dict)

    async def read_for(
        self,
        site_recovery: SiteRecovery,
        vault: VaultFacts,
        items: Sequence[ItemStatus],
        recovery_plans: Mapping[str, str | None] | None = None,
    ) -> VaultFacts:
        """The vault's jobs with the ones the plan must judge read in full, and tracking ids followed.

        `recovery_plans`: each item's group's recovery plan, whose jobs are the group's failovers.
        """
        tracked = {**dict(vault.tracking_ids), **self._tracked}
        # One index of the jobs as they stand, handed on with them to the look's decision.
        index = self._index_with_ended(vault.jobs)
        budget = self.limit_per_look
        asked: set[str] = set()
        # Two rounds: a recovery-plan job read now may name failed child jobs to read next.
        for _ in range(2):
            wanted = jobs_to_read(
                items,
                index,
                tracked,
                budget + len(asked),
                recovery_plans,
                listed_since=vault.observed_at - self.listed_for if vault.observed_at else None,
                listed_at=vault.observed_at,
            )
            names = [name for name in wanted if name not in asked][:budget]
            if not names:
                break
            jobs = dict(index.by_id)
            for name in names:
                asked.add(name)
                budget -= 1
                self.reads += 1
                try:
                    job = await site_recovery.job(name)
                except SiteRecoveryError as error:
                    log.info("job %s could not be read by name: %s", name, error)
                    continue
                if job.id != name:
                    tracked[name] = job.id
                    _keep(self._tracked, name, job.id, self.kept)
                elif name not in jobs and not (job.finished or job.tasks):
                    continue  # a tracking id's placeholder or shell: not a job of its own yet
                if job.finished:
                    _keep(self._ended, job.id, job, self.kept)
                    self._ended_changes += 1
                jobs[job.id] = job
            index = index_jobs(jobs.values())
        return dataclasses.replace(
            vault, jobs=index.jobs, jobs_index=index, tracking_ids=tuple(tracked.items())
        )

    def _index_with_ended(self, listed: tuple[Job, ...]) -> JobIndex:
        """The listed jobs with the ended ones read by name in their place, indexed.

        Built once per list and per job kept, not per look: at a thousand plans, the looks on one
        read of a day's jobs each indexing them again were a tenth of the operator's CPU.
        """
        known = self._indexed.get(id(listed))
        if known is not None and known[0] is listed and known[1] == self._ended_changes:
            return known[2]
        index = index_jobs({job.id: self._ended.get(job.id, job) for job in listed}.values())
        while len(self._indexed) >= _LISTS_INDEXED:
            self._indexed.pop(next(iter(self._indexed)))
        self._indexed[id(listed)] = (listed, self._ended_changes, index)
        return index
