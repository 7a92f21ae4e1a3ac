"""An ARM-faithful Azure Site Recovery simulator over HTTPS, driven by the real SDK in tests and the demo."""

from failback_operator.sim.asr.clock import SimClock
from failback_operator.sim.asr.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from failback_operator.sim.asr.server import AsrSimulator, SimulatorThread

__all__ = [
    "AsrSimulator",
    "Scenario",
    "ScenarioError",
    "SimClock",
    "SimulatorThread",
    "load_scenario",
    "parse_scenario",
]
