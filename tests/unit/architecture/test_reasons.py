"""Event and condition reasons are named constants: never a literal or a formatted string at the call."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from failback_operator.api.vocabulary import EventReason, Reason

PACKAGE = Path(__file__).resolve().parents[3] / "operator" / "failback_operator"
# The calls that carry a reason to the API: an Event, a condition, a status entry.
REASON_CARRIERS = frozenset({"Event", "Condition", "set_condition", "post_event"})
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "sim" not in p.relative_to(PACKAGE).parts)


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_reasons_are_constants(path: Path) -> None:
    spelled = [
        f"line {node.lineno}: {_callee(node)}(reason={ast.unparse(keyword.value)})"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and _callee(node) in REASON_CARRIERS
        for keyword in node.keywords
        if keyword.arg == "reason" and isinstance(keyword.value, ast.Constant | ast.JoinedStr | ast.BinOp)
    ]
    assert spelled == []


def test_reasons_are_camel_case_and_unique() -> None:
    for vocabulary in (Reason, EventReason):
        values = [member.value for member in vocabulary]
        assert len(values) == len(set(values))
        assert all(value[:1].isupper() and value.isalnum() for value in values)
