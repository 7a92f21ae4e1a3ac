"""Small helpers the messages rely on: ages, listings."""

from __future__ import annotations

from datetime import timedelta

from failback_operator.rules.lookups import describe_age, fresh, listing
from tests.unit.rules.worlds import NOW


def test_describe_age() -> None:
    assert describe_age(None, NOW) == "never"
    assert describe_age(NOW - timedelta(minutes=12, seconds=59), NOW) == "2026-11-27T22:47:01Z (12 min ago)"
    assert describe_age(NOW + timedelta(minutes=30), NOW) == (
        "2026-11-27T23:30:00Z (30 min ahead of the operator's clock)"
    )


def test_fresh() -> None:
    assert fresh(NOW - timedelta(minutes=15), NOW, timedelta(minutes=15))
    assert not fresh(NOW - timedelta(minutes=15, seconds=1), NOW, timedelta(minutes=15))
    assert not fresh(None, NOW, timedelta(minutes=15))


def test_listing() -> None:
    assert listing(["a", "b"]) == "a, b"
    assert listing([str(n) for n in range(8)], limit=3) == "0, 1, 2 and 5 more"
    assert listing([]) == ""
