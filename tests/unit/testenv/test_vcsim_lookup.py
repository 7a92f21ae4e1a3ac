"""Finding the vcsim binary: an explicit path wins, then the tool cache, else None (the tests then skip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from failback_operator.testenv.vcsim import VCSIM_VERSION, find_vcsim


def test_explicit_path_wins_and_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "my-vcsim"
    binary.write_text("#!/bin/sh\n")
    monkeypatch.setenv("FAILBACK_VCSIM", str(binary))
    assert find_vcsim() == binary

    monkeypatch.setenv("FAILBACK_VCSIM", str(tmp_path / "missing"))
    assert find_vcsim() is None


def test_versioned_binary_in_the_tool_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAILBACK_VCSIM", raising=False)
    monkeypatch.setenv("FAILBACK_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert find_vcsim() is None

    (tmp_path / "bin").mkdir()
    binary = tmp_path / "bin" / f"vcsim-{VCSIM_VERSION}"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert find_vcsim() == binary
