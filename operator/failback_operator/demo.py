"""`failback-operator demo`: the embedded local control plane with the API and the examples applied."""

from __future__ import annotations

import contextlib
import shutil
import signal
import threading
from pathlib import Path

from rich.console import Console

from failback_operator.testenv.binaries import cache_dir
from failback_operator.testenv.controlplane import running_control_plane

__all__ = ["run_demo"]

REPO_ROOT = Path(__file__).resolve().parents[2]


def _example_files(examples: Path) -> list[Path]:
    """Every manifest in examples/, namespaces first; simulator scenarios are not Kubernetes objects."""
    files = sorted(p for p in examples.rglob("*.yaml") if "sim" not in p.relative_to(examples).parts)
    return sorted(files, key=lambda p: (not p.name.startswith("00-"), str(p)))


def run_demo(keep_running: bool = True, workdir: Path | None = None) -> int:
    """Start the control plane, install CRDs and examples, print how to look at them."""
    console = Console(soft_wrap=True)
    workdir = workdir or cache_dir() / "demo"
    shutil.rmtree(workdir, ignore_errors=True)
    with running_control_plane(workdir, keep=True) as plane:
        console.print(f"[bold]control plane[/] {plane.server} (etcd + kube-apiserver, logs in {workdir})")
        names = plane.apply_crds(REPO_ROOT / "crds")
        console.print(f"[bold]CRDs[/] established: {', '.join(names)}")
        files = _example_files(REPO_ROOT / "examples")
        for path in files:
            plane.kubectl("apply", "--server-side", f"--filename={path}")
        console.print(f"[bold]examples[/] applied: {len(files)} files from examples/\n")
        for kinds in ("recoveryvaults,vcenters,mastertargets", "failbackplans,failbackapprovals"):
            console.print(
                plane.kubectl("get", kinds, "--all-namespaces").stdout, markup=False, highlight=False
            )
        kubectl = cache_dir() / "bin" / "kubectl"
        console.print("\nLook at them from another shell:")
        console.print(f"  export KUBECONFIG={plane.kubeconfig}")
        console.print(f"  {kubectl} get recoveryvaults,vcenters,mastertargets")
        console.print(f"  {kubectl} get failbackplans --all-namespaces")
        console.print(f"  {kubectl} explain failbackplan.spec")
        if not keep_running:
            return 0
        console.print("\nPress Ctrl-C to stop the control plane.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0
