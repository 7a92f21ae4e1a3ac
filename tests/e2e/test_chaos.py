"""The CI-sized chaos run: mixed plans reach Completed through 25 kills and faults, every promise kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.vcsim import run_vcsim
from tests.support.vcsim_builders import VCSIM_MODEL

from .chaos import ChaosRun

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

# FAILBACK_CHAOS_SEED repeats a failed run.
SEED = int(os.environ["FAILBACK_CHAOS_SEED"]) if os.environ.get("FAILBACK_CHAOS_SEED") else None


def test_mixed_plans_complete_through_kills_and_faults(e2e_cluster: ControlPlane, tmp_path: Path) -> None:
    # A vcsim of its own: the run restarts it, and puts back only the inventory it read.
    with run_vcsim(tmp_path / "vcsim", model_args=VCSIM_MODEL) as vcsim:
        run = ChaosRun(e2e_cluster, vcsim, tmp_path, kills=25, timeout=300, window_opens_after=20)
        if SEED is not None:
            run.seed = SEED
        figures = run.run()  # raises, naming the seed's run, on any broken promise
    print(json.dumps(figures.report(), indent=1))
    assert figures.kills >= 25
    assert sum(figures.kills_at_failpoints.values()) >= 3, figures.report()
    assert figures.metrics_scrapes > 0, figures.report()  # searched for secrets too
    assert figures.faults["vcsim restarted"] == 1, figures.report()
    assert len(figures.vcsim_login_again_seconds) == 1, figures.report()
