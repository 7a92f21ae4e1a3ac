"""Test tiers: shared helpers come from tests/support; a test never passes without its real parts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[2]
E2E = sorted((TESTS / "e2e").rglob("*.py"))
REAL_PART_TIERS = sorted((TESTS / "integration").rglob("*.py")) + E2E


def _imported(path: Path) -> list[str]:
    """Every module a test file imports, relative imports resolved to `tests.` names."""
    package = ".".join(path.relative_to(TESTS.parent).parent.parts)
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.append(".".join([*base, node.module] if node.module else base))
            else:
                names.append(node.module or "")
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


@pytest.mark.parametrize("path", E2E, ids=[p.name for p in E2E])
def test_e2e_imports_no_integration_module(path: Path) -> None:
    reaching = [name for name in _imported(path) if name.startswith("tests.integration")]
    assert reaching == [], "shared helpers belong in tests/support"


def test_the_walk_resolves_relative_imports() -> None:
    assert "tests.e2e.world" in _imported(TESTS / "e2e" / "conftest.py")


@pytest.mark.parametrize("path", REAL_PART_TIERS, ids=[str(p.relative_to(TESTS)) for p in REAL_PART_TIERS])
def test_a_missing_real_part_fails_instead_of_skipping(path: Path) -> None:
    skips = [
        f"line {node.lineno}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in {"skip", "skipif", "importorskip"}
    ]
    assert skips == [], "use tests.support.real_parts (require_binary, require_vcsim)"
