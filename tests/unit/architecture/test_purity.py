"""The functional core stays pure: it imports no SDK, vCenter, Kopf, Kubernetes or network library.

The core is api/, facts/, rules/, workflow/ and the status builders with the retention-wait
decisions (status/ once the layout change has moved them out of services/).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "operator" / "failback_operator"
FORBIDDEN = ("kopf", "kubernetes", "azure", "pyVmomi", "pyVim", "aiohttp", "requests", "socket", "urllib")
CORE_FILES = sorted((PACKAGE / "rules").glob("*.py")) + sorted((PACKAGE / "facts").glob("*.py"))
PURE_PACKAGES = ("api", "facts", "rules", "workflow", "status")
# Pure modules outside the pure packages (none: status/ holds the status builders).
PURE_MODULES: tuple[str, ...] = ()
PURE_FILES = sorted(
    {path for package in PURE_PACKAGES for path in (PACKAGE / package).rglob("*.py")}
    | {PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py") for module in PURE_MODULES}
)


def _imported(tree: ast.AST) -> list[str]:
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    return imported


def test_every_pure_module_exists() -> None:
    assert [path for path in PURE_FILES if not path.is_file()] == []
    assert {path.parent.name for path in PURE_FILES} >= {"api", "facts", "rules", "workflow"}


@pytest.mark.parametrize("path", PURE_FILES, ids=[str(p.relative_to(PACKAGE)) for p in PURE_FILES])
def test_the_core_imports_no_outside_system(path: Path) -> None:
    bad = [name for name in _imported(ast.parse(path.read_text())) if name.split(".")[0] in FORBIDDEN]
    assert bad == []


@pytest.mark.parametrize("path", CORE_FILES, ids=[f"{p.parent.name}/{p.name}" for p in CORE_FILES])
def test_no_impure_imports(path: Path) -> None:
    tree = ast.parse(path.read_text())
    bad = [name for name in _imported(tree) if name.split(".")[0] in FORBIDDEN]
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


@pytest.mark.parametrize(
    "module", ["failback_operator.rules", "failback_operator.facts", "failback_operator.workflow"]
)
def test_exports_exist(module: str) -> None:
    package = importlib.import_module(module)
    assert [name for name in package.__all__ if not hasattr(package, name)] == []
