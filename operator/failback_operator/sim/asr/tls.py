"""A throwaway certificate authority and server certificate for the simulator's HTTPS endpoint."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

__all__ = ["SimulatorTLS", "make_tls"]


@dataclass(frozen=True)
class SimulatorTLS:
    """The CA file clients trust and the server-side SSL context built from it."""

    ca_file: Path
    server_context: ssl.SSLContext


def make_tls(cert_dir: Path) -> SimulatorTLS:
    """Create a trustme CA and a 127.0.0.1/localhost certificate; write the CA PEM to `cert_dir`."""
    cert_dir.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA()
    server_cert = authority.issue_cert("127.0.0.1", "localhost")
    ca_file = cert_dir / "asr-sim-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    return SimulatorTLS(ca_file=ca_file, server_context=context)
