"""The CI-sized chaos run: mixed plans reach Completed through 25 kills and faults, every promise kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.vcsim import VcsimServer

from .chaos import ChaosRun

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

# FAILBACK_CHAOS_SEED repeats a failed run.
SEED = int(os.environ["FAILBACK_CHAOS_SEED"]) if os.environ.get("FAILBACK_CHAOS_SEED") else None


def test_mixed_plans_complete_through_kills_and_faults(
    e2e_cluster: ControlPlane, e2e_vcsim: VcsimServer, tmp_path: Path
) -> None:
    run = ChaosRun(e2e_cluster, e2e_vcsim, tmp_path, kills=25, timeout=300, window_opens_after=20)
    if SEED is not None:
        run.seed = SEED
    figures = run.run()  # raises, naming the seed's run, on any broken promise
    print(json.dumps(figures.report(), indent=1))
    assert figures.kills >= 25
    assert sum(figures.kills_at_failpoints.values()) >= 3, figures.report()
    assert figures.metrics_scrapes > 0, figures.report()  # searched for secrets too
