"""The demo's board and summary, from objects as the API server lists them and the simulator's request log."""

from __future__ import annotations

from typing import Any

from failback_operator.demo.board import PhaseClock, read_board
from failback_operator.demo.summary import mutating_calls

PLAN: dict[str, Any] = {
    "metadata": {"namespace": "team-apps", "name": "windows-apps", "generation": 2},
    "spec": {"action": "Reprotect", "masterTargetRef": {"name": "v2a-ps-200"}},
    "status": {
        "observedGeneration": 2,
        "phase": "Preflight",
        "progression": "PrerequisitesBlocked",
        "itemsReady": "0/2",
        "message": "FB006 MasterTarget/v2a-ps-200: master target V2A-PS-200 has 1 snapshot(s): nightly",
        "items": [
            {"name": "vm-a", "group": "app1", "stage": "Syncing", "syncProgressPercent": 40},
            {
                "name": "vm-b",
                "group": "app1",
                "stage": "Reprotecting",
                "currentJob": {
                    "name": "j1",
                    "operation": "SwitchReplicationGroupProtection",
                    "state": "InProgress",
                },
            },
        ],
    },
}
MASTER_TARGET = {
    "metadata": {"name": "v2a-ps-200"},
    "status": {
        "prerequisites": [
            {"ruleId": "FB006", "result": "Failed", "message": "1 snapshot. Remedy: delete the snapshots"},
            {"ruleId": "FB023", "result": "Passed", "message": "tools running"},
        ]
    },
}


def test_a_blocked_plan_shows_the_rule_and_the_master_targets_remedy() -> None:
    board = read_board([PLAN], [MASTER_TARGET])
    [plan] = board.plans
    assert (plan.phase, plan.progression, plan.current, plan.completed) == (
        "Preflight",
        "PrerequisitesBlocked",
        True,
        False,
    )
    [finding] = plan.blocking
    assert (finding.rule, finding.text) == ("FB006", "Failed: 1 snapshot. Remedy: delete the snapshots")
    assert [(i.name, i.stage, i.job, i.sync) for i in plan.items] == [
        ("vm-a", "Syncing", "", "40%"),
        ("vm-b", "Reprotecting", "SwitchReplicationGroupProtection InProgress", ""),
    ]


def test_a_status_of_an_older_generation_is_not_current() -> None:
    older = {**PLAN, "metadata": {**PLAN["metadata"], "generation": 3}}
    [plan] = read_board([older], []).plans
    assert not plan.current


def test_time_is_accounted_to_the_phase_the_board_saw() -> None:
    clock = PhaseClock()
    board = read_board([PLAN], [MASTER_TARGET])
    assert [p.name for p in clock.observe(board, 0.0)] == ["windows-apps"]
    assert clock.observe(board, 5.0) == []
    done = {**PLAN, "status": {**PLAN["status"], "phase": "Completed", "progression": "Done"}}
    assert [p.phase for p in clock.observe(read_board([done], []), 7.0)] == ["Completed"]
    assert clock.seconds == {"windows-apps": {"Preflight": 7.0}}


def test_each_mutating_call_once_or_the_summary_says_which_is_not() -> None:
    records = [
        {"method": "POST", "operation": "ReplicationProtectedItems_Reprotect", "item": "vm-a"},
        {"method": "GET", "operation": "ReplicationJobs_List", "item": None},
        {"method": "POST", "operation": "ReplicationProtectedItems_Reprotect", "item": "vm-b"},
    ]
    expected = [
        ("ReplicationProtectedItems_Reprotect", "vm-a"),
        ("ReplicationProtectedItems_Reprotect", "vm-b"),
    ]
    assert mutating_calls(records, expected).once_each
    twice = mutating_calls([*records, records[0]], expected)
    assert twice.repeated == [("ReplicationProtectedItems_Reprotect", "vm-a")]
    missing = mutating_calls(records[:2], expected)
    assert missing.missing == [("ReplicationProtectedItems_Reprotect", "vm-b")]
    assert not twice.once_each
    assert not missing.once_each
