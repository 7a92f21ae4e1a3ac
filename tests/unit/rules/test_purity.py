"""The functional core stays pure: rules/ and facts/ import no SDK, vCenter, Kopf or network library."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "operator" / "failback_operator"
FORBIDDEN = ("kopf", "kubernetes", "azure", "pyVmomi", "pyVim", "aiohttp", "requests", "socket", "urllib")
CORE_FILES = sorted((PACKAGE / "rules").glob("*.py")) + sorted((PACKAGE / "facts").glob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=[f"{p.parent.name}/{p.name}" for p in CORE_FILES])
def test_no_impure_imports(path: Path) -> None:
    tree = ast.parse(path.read_text())
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    bad = [name for name in imported if name.split(".")[0] in FORBIDDEN]
    assert bad == []
    assert ast.get_docstring(tree), "every module says what it is for"
    public = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
        and not ast.get_docstring(node)
        and node.name != "__str__"
    ]
    assert public == [], "every public function and class says what and why"


@pytest.mark.parametrize("module", ["failback_operator.rules", "failback_operator.facts"])
def test_exports_exist(module: str) -> None:
    package = importlib.import_module(module)
    assert [name for name in package.__all__ if not hasattr(package, name)] == []
