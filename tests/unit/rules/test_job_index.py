"""A vault's jobs by target and id: the same answers as scanning the list, built once per list."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from failback_operator.facts.asr import Job, JobTask, VaultFacts, index_jobs

NAMES = ["vm-a", "VM-A", "vm-b", "rp-apps", "RP-Apps", "/items/vm-a", None]

jobs_strategy = st.lists(
    st.builds(
        Job,
        id=st.sampled_from(["j1", "j2", "j3", "j4", "j5"]),
        scenario=st.just("UnplannedFailover"),
        target_object_name=st.sampled_from(NAMES),
        target_object_id=st.sampled_from(NAMES),
    ),
    max_size=12,
).map(tuple)


@given(jobs=jobs_strategy, names=st.lists(st.sampled_from(NAMES), max_size=4))
def test_jobs_acting_on_names_are_those_a_scan_finds_in_list_order(jobs, names) -> None:
    folded = {n.casefold() for n in names if n}
    scanned = [
        j
        for j in jobs
        if {(j.target_object_name or "").casefold(), (j.target_object_id or "").casefold()} & folded
    ]
    index = index_jobs(jobs)
    assert index.acting_on(names) == scanned
    assert index.by_id == {j.id: j for j in jobs}


def test_the_child_jobs_of_recovery_plan_jobs_are_known() -> None:
    parent = Job(
        id="rp-job",
        scenario="UnplannedFailover",
        tasks=(JobTask(id="t", name="UnplannedFailover", child_job_id="child-1"),),
    )
    assert index_jobs((parent, Job(id="child-1", scenario="UnplannedFailover"))).children == {"child-1"}


def test_a_vault_builds_its_job_index_once_per_tuple_of_jobs() -> None:
    jobs = (Job(id="j1", scenario="Reprotect", target_object_name="vm-a"),)
    vault = VaultFacts(jobs=jobs)
    index = vault.job_index()
    assert vault.job_index() is index
    replaced = dataclasses.replace(
        vault, jobs=(Job(id="j2", scenario="Reprotect", target_object_name="vm-b"),)
    )
    assert [j.id for j in replaced.job_index().acting_on(["VM-B"])] == ["j2"]
    assert replaced.job_index().acting_on(["vm-a"]) == []
