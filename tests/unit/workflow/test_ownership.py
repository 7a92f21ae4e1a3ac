"""An item belongs to the oldest active plan that names it; a completed plan lets it go."""

from __future__ import annotations

from typing import Any

from failback_operator.workflow import claims_on


def _plan(name: str, created: str, items: list[str], phase: str | None = None) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "team-apps", "creationTimestamp": created},
        "spec": {"groups": [{"name": "g", "items": [{"name": i} for i in items]}]},
        "status": {"phase": phase} if phase else {},
    }


def test_the_older_active_plan_owns_the_items_it_names() -> None:
    older = _plan("first", "2026-11-28T10:00:00Z", ["vm-a", "vm-b"])
    newer = _plan("second", "2026-11-28T11:00:00Z", ["vm-b", "vm-c"])
    assert claims_on([newer, older], newer) == {"vm-b": "team-apps/first"}
    assert claims_on([newer, older], older) == {}


def test_a_completed_plan_releases_its_items() -> None:
    done = _plan("first", "2026-11-28T10:00:00Z", ["vm-a"], phase="Completed")
    newer = _plan("second", "2026-11-28T11:00:00Z", ["vm-a"])
    assert claims_on([done, newer], newer) == {}
