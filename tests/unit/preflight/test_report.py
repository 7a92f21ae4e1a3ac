"""The report formats: JSON for tools, a table for people (by object, blocking first, with the remedy)."""

from __future__ import annotations

import io
import json

from rich.console import Console

from failback_operator.preflight.report import blocking_count, merge_findings, print_table, report_json
from failback_operator.rules.model import Finding, ObjectRef, Severity, passed

MT = ObjectRef(kind="MasterTarget", name="v2a-ps-200")
PLAN = ObjectRef(kind="FailbackPlan", name="team-apps/windows-apps")
SNAPSHOT = Finding(
    rule="FB006",
    severity=Severity.BLOCK,
    object=MT,
    message="master target V2A-PS-200 has 1 snapshot(s): nightly-backup",
    remedy="delete the snapshots",
)
POLICY = Finding(
    rule="FB003", severity=Severity.WARN, object=PLAN, message="policy differs", remedy="check the policy"
)
ADVICE = Finding(
    rule="FB012", severity=Severity.INFO, object=PLAN, message="keeps IP addresses", remedy="NICs"
)
PASS = passed("FB024", Severity.BLOCK, MT, "disk.EnableUUID is TRUE")
FINDINGS = merge_findings([PASS, ADVICE], [POLICY, SNAPSHOT, PASS])


def test_merge_keeps_each_finding_once_blocking_first() -> None:
    assert FINDINGS == (SNAPSHOT, POLICY, ADVICE, PASS)
    assert blocking_count(FINDINGS) == 1


def test_json_shape() -> None:
    report = report_json(FINDINGS)

    assert report["blocking"] == 1
    assert "errors" not in report
    assert report["findings"][0] == {
        "rule": "FB006",
        "severity": "block",
        "outcome": "block",
        "object": "MasterTarget/v2a-ps-200",
        "message": "master target V2A-PS-200 has 1 snapshot(s): nightly-backup",
        "remedy": "delete the snapshots",
    }
    # Passing checks only when asked for.
    assert [f["rule"] for f in report["findings"]] == ["FB006", "FB003", "FB012"]
    assert [f["rule"] for f in report_json(FINDINGS, include_passed=True)["findings"]][-1] == "FB024"
    json.dumps(report)  # serialisable as is


def test_json_names_the_sides_not_read() -> None:
    report = report_json((), errors=("MasterTarget mt: vCenter x:443 is unreachable",))
    assert report == {
        "findings": [],
        "blocking": 0,
        "errors": ["MasterTarget mt: vCenter x:443 is unreachable"],
    }


def render(**options: object) -> str:
    buffer = io.StringIO()
    print_table(Console(file=buffer, width=160, color_system=None), FINDINGS, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_table_groups_by_object_blocking_object_first_with_remedies() -> None:
    text = render()

    assert text.index("MasterTarget/v2a-ps-200") < text.index("FailbackPlan/team-apps/windows-apps")
    assert text.index("FB003") < text.index("FB012")  # warning before advice within the plan
    assert "delete the snapshots" in text
    assert "check the policy" in text
    assert "FB024" not in text
    assert text.rstrip().endswith("1 blocking, 1 warning(s), 1 advice, 1 passed")


def test_table_with_passes_and_errors() -> None:
    text = render(include_passed=True, errors=("MasterTarget mt: Site Recovery vault v: no answer in time",))
    assert text.startswith("not read: MasterTarget mt: Site Recovery vault v: no answer in time")
    assert "FB024" in text
