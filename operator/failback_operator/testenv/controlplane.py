"""A real etcd and kube-apiserver on loopback, with RBAC, an audit log and a static admin token.

The flags follow controller-runtime's envtest control plane; TLS comes from a trustme CA so
clients verify the server instead of skipping verification.
"""

from __future__ import annotations

import secrets
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import trustme
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from failback_operator.errors import FailbackOperatorError
from failback_operator.testenv.binaries import find_binary
from failback_operator.testenv.processes import ManagedProcess, free_port

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

__all__ = ["ADMIN_USER", "ControlPlane", "ControlPlaneError", "KubectlError", "running_control_plane"]

ADMIN_USER = "failback-admin"

# Metadata for every request: enough to prove later which identity did what, without bodies.
AUDIT_POLICY = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    "omitStages": ["RequestReceived"],
    "rules": [{"level": "Metadata"}],
}


class KubectlError(FailbackOperatorError, subprocess.CalledProcessError):
    """kubectl failed; the message carries what kubectl printed on stderr."""

    def __str__(self) -> str:
        return f"{' '.join(map(str, self.cmd[2:]))} exited {self.returncode}: {(self.stderr or '').strip()}"


class ControlPlaneError(FailbackOperatorError, RuntimeError):
    """The local control plane did not come up; the message carries the process's last output."""


@dataclass
class ControlPlane:
    """etcd plus kube-apiserver in a private directory; `start()` blocks until `/readyz` is ok."""

    workdir: Path
    startup_timeout: float = 90.0
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    etcd: ManagedProcess | None = None
    apiserver: ManagedProcess | None = None
    port: int = 0

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "pki" / "ca.crt"

    @property
    def audit_log(self) -> Path:
        return self.workdir / "audit.log"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        etcd_port, etcd_peer_port, self.port = free_port(), free_port(), free_port()
        self._write_pki()
        self.etcd = ManagedProcess(
            "etcd",
            [
                str(find_binary("etcd")),
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
                f"--listen-peer-urls=http://127.0.0.1:{etcd_peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer_port}",
                f"--initial-cluster=default=http://127.0.0.1:{etcd_peer_port}",
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ],
            self.workdir / "etcd.log",
        )
        self.etcd.start()
        pki = self.workdir / "pki"
        self.apiserver = ManagedProcess(
            "kube-apiserver",
            [
                str(find_binary("kube-apiserver")),
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                "--advertise-address=127.0.0.1",
                "--bind-address=127.0.0.1",
                f"--secure-port={self.port}",
                f"--tls-cert-file={pki / 'apiserver.crt'}",
                f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--cert-dir={pki}",
                f"--token-auth-file={pki / 'tokens.csv'}",
                "--authorization-mode=RBAC",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                f"--service-account-issuer={self.server}",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                f"--audit-policy-file={self.workdir / 'audit-policy.yaml'}",
                f"--audit-log-path={self.audit_log}",
                # Pods in tests carry no service-account token volume to mount.
                "--disable-admission-plugins=ServiceAccount",
                "--v=1",
            ],
            self.workdir / "kube-apiserver.log",
        )
        self.apiserver.start()
        self._write_kubeconfig()
        self._wait_ready()

    def restart_apiserver(self, down_seconds: float = 1.0) -> float:
        """Stop kube-apiserver, keep it down `down_seconds`, start it on the same port; seconds it took."""
        assert self.apiserver is not None, "start() first"
        started = time.monotonic()
        self.apiserver.stop()
        time.sleep(down_seconds)
        self.apiserver.start()
        self._wait_ready()
        return time.monotonic() - started

    def stop(self) -> None:
        for process in (self.apiserver, self.etcd):
            if process is not None:
                process.stop()

    def _write_pki(self) -> None:
        pki = self.workdir / "pki"
        pki.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(pki / "ca.crt"))
        serving = ca.issue_cert("127.0.0.1", "localhost")
        serving.cert_chain_pems[0].write_to_path(str(pki / "apiserver.crt"))
        for extra in serving.cert_chain_pems[1:]:
            extra.write_to_path(str(pki / "apiserver.crt"), append=True)
        serving.private_key_pem.write_to_path(str(pki / "apiserver.key"))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (pki / "sa.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        (pki / "sa.pub").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        tokens = pki / "tokens.csv"
        tokens.write_text(f'{self.admin_token},{ADMIN_USER},{ADMIN_USER},"system:masters"\n')
        tokens.chmod(0o600)
        (self.workdir / "audit-policy.yaml").write_text(yaml.safe_dump(AUDIT_POLICY))

    def _write_kubeconfig(self) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {"server": self.server, "certificate-authority": str(self.ca_file)},
                }
            ],
            "users": [{"name": ADMIN_USER, "user": {"token": self.admin_token}}],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": ADMIN_USER}}],
            "current-context": "local",
        }
        self.kubeconfig.write_text(yaml.safe_dump(config))
        self.kubeconfig.chmod(0o600)

    def _wait_ready(self) -> None:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        request = urllib.request.Request(
            f"{self.server}/readyz", headers={"Authorization": f"Bearer {self.admin_token}"}
        )
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            for process in (self.etcd, self.apiserver):
                if process is not None and not process.running():
                    raise ControlPlaneError(f"{process.name} exited during start-up:\n{process.log_tail()}")
            try:
                with urllib.request.urlopen(request, context=context, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                last_error = str(error)
            time.sleep(0.25)
        tail = self.apiserver.log_tail() if self.apiserver else ""
        raise ControlPlaneError(
            f"kube-apiserver not ready after {self.startup_timeout:.0f}s ({last_error}):\n{tail}"
        )

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """Run the kubectl built alongside the API server against this control plane."""
        completed = subprocess.run(
            [str(find_binary("kubectl")), f"--kubeconfig={self.kubeconfig}", *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and completed.returncode != 0:
            raise KubectlError(completed.returncode, completed.args, completed.stdout, completed.stderr)
        return completed

    def api_client(self) -> ApiClient:
        """A kubernetes client authenticated as the admin user, verifying the server's CA."""
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(config_file=str(self.kubeconfig), client_configuration=configuration)
        return client.ApiClient(configuration)

    def apply_crds(self, crd_dir: Path, timeout: float = 60.0) -> list[str]:
        """Apply every CRD file in `crd_dir` and wait until each is Established."""
        names: list[str] = []
        files: list[Path] = []
        for path in sorted(p for p in crd_dir.iterdir() if p.suffix in {".yaml", ".yml"}):
            found = [
                document["metadata"]["name"]
                for document in yaml.safe_load_all(path.read_text())
                if isinstance(document, dict) and document.get("kind") == "CustomResourceDefinition"
            ]
            if found:  # kustomization.yaml and the like are not applied
                files.append(path)
                names.extend(found)
        if not names:
            return names
        self.kubectl("apply", "--server-side", "--force-conflicts", *[f"--filename={p}" for p in files])
        self.kubectl(
            "wait",
            "--for=condition=Established",
            f"--timeout={int(timeout)}s",
            *[f"customresourcedefinition/{name}" for name in names],
            timeout=timeout + 10,
        )
        return names


@contextmanager
def running_control_plane(workdir: Path | None = None, keep: bool = False) -> Iterator[ControlPlane]:
    """Start a control plane, yield it, and always stop it; the directory goes unless `keep`."""
    owned = workdir is None
    directory = workdir or Path(tempfile.mkdtemp(prefix="failback-controlplane-"))
    plane = ControlPlane(directory)
    try:
        plane.start()
        yield plane
    finally:
        plane.stop()
        if owned and not keep:
            shutil.rmtree(directory, ignore_errors=True)
