"""`failback-operator sim asr`: run the Site Recovery simulator from a scenario file until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from failback_operator.sim.asr.scenario import ScenarioError, load_scenario

if TYPE_CHECKING:
    from failback_operator.sim.asr.server import AsrSimulator

__all__ = ["ENV_NAMES", "add_parser", "write_env_file"]

# Names of the environment variables the env file sets (azure-identity's EnvironmentCredential names).
ENV_NAMES = (
    "AZURE_AUTHORITY_HOST",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_SUBSCRIPTION_ID",
    "ASR_SIM_ENDPOINT",
    "ASR_SIM_CA_FILE",
    "REQUESTS_CA_BUNDLE",
)


def write_env_file(simulator: AsrSimulator, path: Path) -> Path:
    """Write the endpoint, CA and test credentials as shell exports, readable by the owner only."""
    values = {
        "AZURE_AUTHORITY_HOST": simulator.base_url,
        "AZURE_TENANT_ID": simulator.tenant,
        "AZURE_CLIENT_ID": simulator.client_id,
        "AZURE_CLIENT_SECRET": simulator.client_secret,
        "AZURE_SUBSCRIPTION_ID": simulator.runtime.scenario.vault.subscription,
        "ASR_SIM_ENDPOINT": simulator.base_url,
        "ASR_SIM_CA_FILE": str(simulator.ca_file),
        "REQUESTS_CA_BUNDLE": str(simulator.ca_file),
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        for name in ENV_NAMES:
            handle.write(f"export {name}='{values[name]}'\n")
    return path


async def _serve(args: argparse.Namespace) -> int:
    from failback_operator.sim.asr.server import AsrSimulator  # aiohttp only when the simulator runs

    try:
        scenario = load_scenario(Path(args.scenario))
    except (OSError, ScenarioError) as error:
        print(f"cannot load scenario: {error}", file=sys.stderr)
        return 2
    cert_dir = Path(args.cert_dir) if args.cert_dir else None
    simulator = AsrSimulator(scenario, port=args.port, time_scale=args.time_scale, cert_dir=cert_dir)
    await simulator.start()
    try:
        env_file = write_env_file(simulator, simulator.ca_file.parent / "asr-sim.env")
        vault = scenario.vault
        print(f"Site Recovery simulator listening on {simulator.base_url}", flush=True)
        print(f"  vault      {vault.name} (subscription {vault.subscription}, rg {vault.resource_group})")
        print(f"  CA file    {simulator.ca_file}")
        print(f"  time scale {simulator.runtime.clock.time_scale:g}x")
        print(f"  control    {simulator.base_url}/_sim/state")
        print(f"  env file   {env_file} (sets {', '.join(ENV_NAMES)})", flush=True)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):  # stop cleanly: temporary certificates go too
            loop.add_signal_handler(stop_signal, stopping.set)
        await stopping.wait()
        print("Site Recovery simulator stopped", flush=True)
    finally:
        await simulator.stop()
    return 0


def _run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0


def add_parser(subparsers: Any) -> None:
    """Add `asr` to the `sim` command's subcommands."""
    parser = subparsers.add_parser("asr", help="run the Azure Site Recovery simulator (ARM over HTTPS)")
    parser.add_argument("--scenario", required=True, help="scenario YAML file (see examples/sim/)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--time-scale", type=float, default=None, help="simulated seconds per real second")
    parser.add_argument(
        "--cert-dir", default=None, help="where to write the CA file (default: a temporary dir)"
    )
    parser.set_defaults(func=_run)
