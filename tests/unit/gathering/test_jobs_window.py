"""The day of jobs completed by listing only where something can have changed, equal to a whole list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from failback_operator.facts.asr import Job
from failback_operator.gathering.jobs_window import JOBS_LATE_MARGIN, SETTLED_JOB_STATES, JobsWindow

T0 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
DAY_BACK = T0 - timedelta(days=1)


def _job(name: str, minutes: float, state: str = "Succeeded") -> Job:
    return Job(id=name, scenario="PlannedFailover", state=state, start=T0 + timedelta(minutes=minutes))


def test_the_next_read_starts_at_the_earliest_job_not_yet_ended() -> None:
    window = JobsWindow.whole([_job("c", 30), _job("b", 20, "InProgress"), _job("a", 10)], DAY_BACK)
    assert window.next_start(DAY_BACK) == T0 + timedelta(minutes=20)


def test_with_every_job_ended_the_next_read_starts_a_margin_before_the_newest() -> None:
    window = JobsWindow.whole([_job("b", 20), _job("a", 10, "Failed")], DAY_BACK)
    assert window.next_start(DAY_BACK) == T0 + timedelta(minutes=20) - JOBS_LATE_MARGIN


def test_a_suspended_job_keeps_the_window_open_since_it_can_be_resumed() -> None:
    window = JobsWindow.whole([_job("b", 20), _job("a", 10, "Suspended")], DAY_BACK)
    assert "Suspended" not in SETTLED_JOB_STATES
    assert window.next_start(DAY_BACK) == T0 + timedelta(minutes=10)


def test_a_job_without_a_start_or_no_job_at_all_reads_the_whole_window() -> None:
    assert JobsWindow.whole([], DAY_BACK).next_start(DAY_BACK) == DAY_BACK
    unplaced = Job(id="x", scenario="PlannedFailover", state="InProgress")
    assert JobsWindow.whole([_job("a", 10), unplaced], DAY_BACK).next_start(DAY_BACK) == DAY_BACK


def test_the_next_read_never_starts_before_the_window() -> None:
    window = JobsWindow.whole([_job("a", -60 * 23, "InProgress")], DAY_BACK)
    assert window.next_start(T0 - timedelta(hours=2)) == T0 - timedelta(hours=2)


def test_a_completed_window_keeps_older_ended_jobs_and_takes_the_listed_ones_as_they_are() -> None:
    window = JobsWindow.whole([_job("b", 20, "InProgress"), _job("a", 10)], DAY_BACK)
    start = window.next_start(DAY_BACK)
    after = window.completed([_job("c", 25, "InProgress"), _job("b", 20, "Succeeded")], start, DAY_BACK)
    assert [(job.id, job.state) for job in after.jobs] == [
        ("c", "InProgress"),
        ("b", "Succeeded"),
        ("a", "Succeeded"),
    ]
    assert after.listed == 2
    assert after.listed_from == start
    # Jobs that leave the window (a day back) are dropped, kept or listed.
    later = after.completed([_job("c", 25)], start, T0 + timedelta(minutes=15))
    assert [job.id for job in later.jobs] == ["c"]


_STATES = st.sampled_from(
    ["InProgress", "NotStarted", "Suspended", "Cancelling", *sorted(SETTLED_JOB_STATES)]
)


@st.composite
def _two_reads(draw: st.DrawFn) -> tuple[list[Job], list[Job]]:
    """The vault's jobs at two reads: ended jobs stay as they were, new jobs start after the first
    read's newest job less the margin (the window's one assumption), open jobs may have moved."""
    starts = draw(st.lists(st.integers(min_value=-2000, max_value=600), max_size=12))
    first = [
        Job(id=f"j{i}", scenario="Reprotect", state=draw(_STATES), start=T0 + timedelta(minutes=minute))
        for i, minute in enumerate(starts)
    ]
    second = [
        job
        if job.state in SETTLED_JOB_STATES
        else Job(id=job.id, scenario=job.scenario, state=draw(_STATES), start=job.start)
        for job in first
    ]
    newest = max((job.start for job in first if job.start), default=DAY_BACK)
    extra = draw(st.lists(st.integers(min_value=0, max_value=600), max_size=6))
    second += [
        Job(
            id=f"n{i}",
            scenario="Reprotect",
            state=draw(_STATES),
            start=newest - JOBS_LATE_MARGIN + timedelta(minutes=m),
        )
        for i, m in enumerate(extra)
    ]
    return first, second


def _listed(jobs: list[Job], since: datetime) -> list[Job]:
    return sorted(
        (job for job in jobs if job.start is None or job.start >= since),
        key=lambda j: j.start or T0,
        reverse=True,
    )


@given(_two_reads())
def test_a_completed_window_equals_a_whole_list_of_the_second_read(
    reads: tuple[list[Job], list[Job]],
) -> None:
    first, second = reads
    window = JobsWindow.whole(_listed(first, DAY_BACK), DAY_BACK)
    start = window.next_start(DAY_BACK)
    completed = window.completed(_listed(second, start), start, DAY_BACK)
    assert sorted(completed.jobs, key=lambda j: j.id) == sorted(_listed(second, DAY_BACK), key=lambda j: j.id)
    assert completed.listed <= len(_listed(second, DAY_BACK))
