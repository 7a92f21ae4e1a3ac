"""Session fixtures for the real parts: the local control plane and the project's CRDs on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from failback_operator.testenv.controlplane import ControlPlane, running_control_plane

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    """A real etcd + kube-apiserver for the whole test session, stopped even when tests fail."""
    with running_control_plane(tmp_path_factory.mktemp("controlplane")) as plane:
        yield plane


@pytest.fixture(scope="session")
def crds(control_plane: ControlPlane) -> ControlPlane:
    """The control plane with every CRD in crds/ installed and Established."""
    control_plane.apply_crds(REPO_ROOT / "crds")
    return control_plane
