"""Condition helpers follow metav1.Condition semantics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from failback_operator.api.conditions import (
    Condition,
    ConditionStatus,
    find_condition,
    format_time,
    is_current,
    set_condition,
)

T0 = datetime(2026, 11, 27, 22, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


def test_new_condition_gets_the_current_time_and_generation() -> None:
    conditions = set_condition(
        [], type="Ready", status=False, reason="Pending", message="waiting", observed_generation=3, now=T0
    )
    assert conditions == [
        Condition(
            type="Ready",
            status=ConditionStatus.FALSE,
            reason="Pending",
            message="waiting",
            lastTransitionTime="2026-11-27T22:00:00Z",
            observedGeneration=3,
        )
    ]


def test_transition_time_stays_when_status_is_unchanged() -> None:
    first = set_condition(
        [], type="Ready", status=False, reason="A", message="a", observed_generation=1, now=T0
    )
    second = set_condition(
        first, type="Ready", status=False, reason="B", message="b", observed_generation=2, now=T1
    )
    ready = find_condition(second, "Ready")
    assert ready is not None
    assert ready.last_transition_time == "2026-11-27T22:00:00Z"
    assert (ready.reason, ready.message, ready.observed_generation) == ("B", "b", 2)


def test_transition_time_moves_when_status_changes() -> None:
    first = set_condition(
        [], type="Ready", status=False, reason="A", message="a", observed_generation=1, now=T0
    )
    second = set_condition(
        first, type="Ready", status=True, reason="Done", message="", observed_generation=1, now=T1
    )
    ready = find_condition(second, "Ready")
    assert ready is not None
    assert ready.last_transition_time == "2026-11-27T22:05:00Z"


def test_other_conditions_are_kept_in_place_and_dicts_are_accepted() -> None:
    stored = [
        {
            "type": "PrerequisitesMet",
            "status": "True",
            "reason": "AllPassed",
            "message": "",
            "lastTransitionTime": "2026-11-27T21:00:00Z",
            "observedGeneration": 1,
        },
        {
            "type": "Ready",
            "status": "False",
            "reason": "Pending",
            "message": "",
            "lastTransitionTime": "2026-11-27T21:00:00Z",
            "observedGeneration": 1,
        },
    ]
    updated = set_condition(
        stored, type="Ready", status=True, reason="Completed", message="", observed_generation=2, now=T1
    )
    assert [c.type for c in updated] == ["PrerequisitesMet", "Ready"]
    assert updated[0].to_dict() == stored[0]
    assert updated[1].to_dict()["lastTransitionTime"] == "2026-11-27T22:05:00Z"


def test_is_current_compares_generations() -> None:
    conditions = set_condition(
        [], type="Ready", status=True, reason="Ok", message="", observed_generation=4, now=T0
    )
    assert is_current(find_condition(conditions, "Ready"), 4)
    assert not is_current(find_condition(conditions, "Ready"), 5)
    assert not is_current(find_condition(conditions, "Missing"), 4)


def test_reason_must_be_camel_case_like_the_api_server_requires() -> None:
    with pytest.raises(ValidationError, match="reason"):
        set_condition(
            [], type="Ready", status=True, reason="not a reason", message="", observed_generation=1, now=T0
        )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 1))


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(timezone(timedelta(hours=2))),
    )
)
def test_format_time_is_utc_rfc3339(moment: datetime) -> None:
    text = format_time(moment)
    assert text.endswith("Z")
    assert datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) == moment.replace(microsecond=0)
