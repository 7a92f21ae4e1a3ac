"""Start and stop the simulator: an aiohttp HTTPS server on loopback, in the caller's loop or a thread."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path
from types import TracebackType

from aiohttp import web

from failback_operator.sim.asr.arm import RUNTIME_KEY, add_arm_routes
from failback_operator.sim.asr.clock import SimClock
from failback_operator.sim.asr.control import add_control_routes
from failback_operator.sim.asr.identity import TokenIssuer, add_identity_routes
from failback_operator.sim.asr.runtime import SimRuntime
from failback_operator.sim.asr.scenario import Scenario
from failback_operator.sim.asr.tls import make_tls

__all__ = ["AsrSimulator", "SimulatorThread"]

_ISSUER_KEY: web.AppKey[TokenIssuer] = web.AppKey("asr_issuer", TokenIssuer)


class AsrSimulator:
    """The Site Recovery simulator: `async with AsrSimulator(scenario) as sim: sim.base_url, sim.ca_file`."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float | None = None,
        cert_dir: Path | None = None,
        clock: SimClock | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the simulator listens on loopback only")
        self.host = host
        self.port = port
        self.runtime = SimRuntime(scenario, clock or SimClock(time_scale=time_scale or scenario.time_scale))
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        if cert_dir is None:
            self._temp_dir = tempfile.TemporaryDirectory(prefix="asr-sim-")
            cert_dir = Path(self._temp_dir.name)
        self.tls = make_tls(cert_dir)
        self._runner: web.AppRunner | None = None

    @property
    def ca_file(self) -> Path:
        """PEM file of the CA the clients must trust."""
        return self.tls.ca_file

    @property
    def base_url(self) -> str:
        """`https://127.0.0.1:PORT`: the ARM endpoint and the Entra ID authority at once."""
        return f"https://{self.host}:{self.port}"

    @property
    def tenant(self) -> str:
        """Tenant id the credential must use."""
        return self.runtime.scenario.identity.tenant

    @property
    def client_id(self) -> str:
        """Client id of the scenario's service principal."""
        return self.runtime.scenario.identity.client_id

    @property
    def client_secret(self) -> str:
        """Client secret of the scenario's service principal (test credentials only)."""
        return self.runtime.scenario.identity.client_secret

    def build_app(self) -> web.Application:
        """The aiohttp application with identity, control and ARM routes."""
        app = web.Application()
        app[RUNTIME_KEY] = self.runtime
        app[_ISSUER_KEY] = self.runtime.issuer
        add_control_routes(app)
        add_identity_routes(app, _ISSUER_KEY)
        add_arm_routes(app)
        return app

    async def start(self) -> None:
        """Listen on the host and port (port 0 picks a free one, readable from `port` afterwards)."""
        self._runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.tls.server_context)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and remove temporary certificates."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._temp_dir is not None:
            self._temp_dir.cleanup()
            self._temp_dir = None

    async def __aenter__(self) -> AsrSimulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


class SimulatorThread:
    """Runs an AsrSimulator in its own thread and event loop, for synchronous clients (the SDK).

    `with SimulatorThread(scenario, time_scale=600) as sim:` gives `sim.base_url`, `sim.ca_file`,
    `sim.runtime` (faults, clock, request log) while the server answers in the background.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float | None = None,
        cert_dir: Path | None = None,
        clock: SimClock | None = None,
    ) -> None:
        self.simulator = AsrSimulator(
            scenario, host=host, port=port, time_scale=time_scale, cert_dir=cert_dir, clock=clock
        )
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="asr-simulator", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        await self.simulator.start()
        self._ready.set()
        try:
            await self._stopped.wait()
        finally:
            await self.simulator.stop()

    def start(self) -> AsrSimulator:
        """Start the thread and wait until the server listens."""
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise TimeoutError("the Site Recovery simulator did not start within 30 s")
        if self._error is not None:
            raise RuntimeError("the Site Recovery simulator failed to start") from self._error
        return self.simulator

    def stop(self) -> None:
        """Stop the server and join the thread."""
        if self._stopped is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=30)

    def __enter__(self) -> AsrSimulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
