"""The kustomize base and the Helm chart install the operator with least-privilege RBAC."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from failback_operator.testenv.binaries import find_binary
from failback_operator.testenv.controlplane import ControlPlane

pytestmark = pytest.mark.controlplane

SERVICE_ACCOUNT = "system:serviceaccount:failback-system:failback-operator"


def _helm_template(
    repo_root: Path, *args: str, release: str = "failback-operator", namespace: str = "failback-system"
) -> list[dict[str, Any]]:
    rendered = subprocess.run(
        [
            str(find_binary("helm")),
            "template",
            release,
            str(repo_root / "charts/failback-operator"),
            "--namespace",
            namespace,
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [d for d in yaml.safe_load_all(rendered) if d]


def _kustomize(control_plane: ControlPlane, repo_root: Path) -> list[dict[str, Any]]:
    rendered = control_plane.kubectl("kustomize", str(repo_root / "manifests/base")).stdout
    return [d for d in yaml.safe_load_all(rendered) if d]


def _by_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in documents if d["kind"] == kind]


def test_kustomize_base_installs_with_the_crds(crds: ControlPlane, repo_root: Path) -> None:
    documents = _kustomize(crds, repo_root)
    crd_names = {d["metadata"]["name"] for d in _by_kind(documents, "CustomResourceDefinition")}
    assert crd_names == {
        "recoveryvaults.failback.io",
        "vcenters.failback.io",
        "mastertargets.failback.io",
        "failbackplans.failback.io",
        "failbackapprovals.failback.io",
    }
    crds.kubectl("apply", "--server-side", "--force-conflicts", "-k", str(repo_root / "manifests/base"))
    deployment = crds.kubectl("get", "deployment", "failback-operator", "-n", "failback-system", "-o", "yaml")
    spec = yaml.safe_load(deployment.stdout)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"


@pytest.mark.parametrize(
    ("verb", "resource", "namespace", "allowed"),
    [
        ("update", "failbackplans.failback.io/status", "team-a", True),
        ("update", "failbackapprovals.failback.io/status", "team-a", True),
        ("watch", "failbackplans.failback.io", "team-a", True),
        ("patch", "failbackplans.failback.io", "team-a", True),  # Kopf's annotations and finalizer
        ("update", "mastertargets.failback.io/status", "", True),
        ("create", "events", "team-a", True),
        ("get", "secrets", "failback-system", True),
        ("update", "leases.coordination.k8s.io/failback-operator", "failback-system", True),
        ("create", "leases.coordination.k8s.io", "failback-system", True),
        # Exactly as used: status is replaced whole, Secrets are read by name, events only created.
        ("patch", "failbackplans.failback.io/status", "team-a", False),
        ("get", "failbackplans.failback.io/status", "team-a", False),
        ("list", "secrets", "failback-system", False),
        ("watch", "secrets", "failback-system", False),
        ("patch", "events", "team-a", False),
        ("patch", "failbackapprovals.failback.io", "team-a", False),
        ("list", "namespaces", "", False),
        # The Lease is renewed by name only.
        ("update", "leases.coordination.k8s.io/another-lease", "failback-system", False),
        # Least privilege: no Secrets outside its namespace, never deletes what users own.
        ("get", "secrets", "team-a", False),
        ("list", "secrets", "default", False),
        ("delete", "failbackplans.failback.io", "team-a", False),
        ("create", "failbackapprovals.failback.io", "team-a", False),
        ("create", "pods", "failback-system", False),
        ("update", "leases.coordination.k8s.io", "kube-system", False),
    ],
)
def test_service_account_rights(
    crds: ControlPlane, repo_root: Path, verb: str, resource: str, namespace: str, allowed: bool
) -> None:
    crds.kubectl("apply", "--server-side", "--force-conflicts", "-k", str(repo_root / "manifests/base"))
    scope = ["--namespace", namespace] if namespace else []
    # "kind/status" is the status subresource; "kind/name" an object by name.
    if resource.endswith("/status"):
        scope += ["--subresource=status"]
        resource = resource.removesuffix("/status")
    answer = crds.kubectl("auth", "can-i", verb, resource, f"--as={SERVICE_ACCOUNT}", *scope, check=False)
    assert answer.stdout.strip() == ("yes" if allowed else "no"), (verb, resource, namespace)


def _identity(document: dict[str, Any]) -> tuple[str, str, str]:
    metadata = document["metadata"]
    return document["kind"], metadata["name"], metadata.get("namespace", "")


def test_helm_chart_and_kustomize_base_install_the_same_objects(crds: ControlPlane, repo_root: Path) -> None:
    """Same objects, names, selectors, pod spec and rights: moving from one to the other works."""
    chart = _helm_template(repo_root)
    base = [d for d in _kustomize(crds, repo_root) if d["kind"] != "Namespace"]
    assert sorted(map(_identity, chart)) == sorted(map(_identity, base))
    for kind in ("ClusterRole", "Role"):
        assert [d["rules"] for d in _by_kind(chart, kind)] == [d["rules"] for d in _by_kind(base, kind)], kind
    for kind in ("ClusterRoleBinding", "RoleBinding"):
        assert [(d["roleRef"], d["subjects"]) for d in _by_kind(chart, kind)] == [
            (d["roleRef"], d["subjects"]) for d in _by_kind(base, kind)
        ], kind
    [chart_deployment], [base_deployment] = _by_kind(chart, "Deployment"), _by_kind(base, "Deployment")
    assert chart_deployment["spec"] == base_deployment["spec"]
    selector = base_deployment["spec"]["selector"]["matchLabels"]
    for document in base:
        if document["kind"] != "CustomResourceDefinition":
            labels = document["metadata"]["labels"]
            assert {k: labels[k] for k in selector} == selector, _identity(document)
    chart_crds = {d["metadata"]["name"]: d for d in _by_kind(chart, "CustomResourceDefinition")}
    base_crds = {d["metadata"]["name"]: d for d in _by_kind(base, "CustomResourceDefinition")}
    assert chart_crds.keys() == base_crds.keys()
    for name, crd in chart_crds.items():
        assert crd["spec"] == base_crds[name]["spec"], name
        assert crd["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


@pytest.mark.parametrize("source", ["kustomize", "helm"])
def test_the_operator_writes_only_to_an_emptydir_and_is_probed_for_readiness(
    crds: ControlPlane, repo_root: Path, source: str
) -> None:
    documents = _kustomize(crds, repo_root) if source == "kustomize" else _helm_template(repo_root)
    [deployment] = _by_kind(documents, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = _operator_container(deployment)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts[env["TMPDIR"]]]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert isinstance(pod["securityContext"]["runAsUser"], int)
    assert env["FAILBACK_LEASE_NAME"] == deployment["metadata"]["name"]


def test_helm_lint_and_a_typo_in_values_is_refused(repo_root: Path) -> None:
    helm = str(find_binary("helm"))
    linted = subprocess.run(
        [helm, "lint", "--strict", str(repo_root / "charts/failback-operator")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    with pytest.raises(subprocess.CalledProcessError) as refused:
        _helm_template(repo_root, "--set", "replicaz=2")
    assert "replicaz" in refused.value.stderr


def test_helm_install_into_the_api_server(crds: ControlPlane, repo_root: Path) -> None:
    """A real `helm install` (CRDs left to the session), its NOTES, and a clean uninstall."""
    helm = [str(find_binary("helm")), f"--kubeconfig={crds.kubeconfig}"]
    release, namespace = "helm-it", "failback-helm-it"
    installed = subprocess.run(
        [
            *helm,
            "install",
            release,
            str(repo_root / "charts/failback-operator"),
            "--namespace",
            namespace,
            "--create-namespace",
            "--set",
            "crds.install=false",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "kubectl get fbp -A" in installed.stdout  # NOTES.txt
    fullname = f"{release}-failback-operator"
    try:
        deployment = crds.kubectl("get", "deployment", fullname, "-n", namespace, "-o", "yaml")
        assert yaml.safe_load(deployment.stdout)["spec"]["template"]["spec"]["volumes"][0]["name"] == "tmp"
        lease_rights = crds.kubectl(
            "auth",
            "can-i",
            "update",
            f"leases.coordination.k8s.io/{fullname}",
            f"--as=system:serviceaccount:{namespace}:{fullname}",
            "-n",
            namespace,
            check=False,
        )
        assert lease_rights.stdout.strip() == "yes"
    finally:
        subprocess.run([*helm, "uninstall", release, "--namespace", namespace], timeout=120, check=False)


def test_helm_chart_renders_watch_namespaces_and_applies(crds: ControlPlane, repo_root: Path) -> None:
    # Another release in another namespace, so that it does not collide with the kustomize install.
    chart = _helm_template(
        repo_root,
        "--set",
        "watchNamespaces={team-a,team-b}",
        "--set",
        "crds.install=false",
        release="second",
        namespace="failback-helm",
    )
    assert not _by_kind(chart, "CustomResourceDefinition")
    [deployment] = _by_kind(chart, "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:1] == ["run"]
    assert "--namespace=team-a" in args
    assert "--namespace=team-b" in args
    # Kopf follows the namespaces it watches only then; a cluster-wide operator lists none.
    [role] = _by_kind(chart, "ClusterRole")
    assert {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list", "watch"]} in role["rules"]
    [default_role] = _by_kind(_helm_template(repo_root), "ClusterRole")
    assert all("namespaces" not in rule["resources"] for rule in default_role["rules"])
    crds.kubectl("create", "namespace", "failback-helm")
    crds.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--dry-run=server",
        "-f",
        "-",
        input=yaml.safe_dump_all(chart),
    )


def _operator_container(deployment: dict[str, Any]) -> dict[str, Any]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("source", ["kustomize", "helm"])
def test_replicas_stand_for_election_with_their_pod_name(
    crds: ControlPlane, repo_root: Path, source: str
) -> None:
    documents = _kustomize(crds, repo_root) if source == "kustomize" else _helm_template(repo_root)
    [deployment] = _by_kind(documents, "Deployment")
    container = _operator_container(deployment)
    assert container["args"][0] == "run"
    assert "--standalone" not in container["args"]  # every replica elects
    env = {e["name"]: e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") for e in container["env"]}
    assert env["POD_NAME"] == "metadata.name"
    assert env["FAILBACK_OPERATOR_NAMESPACE"] == "metadata.namespace"  # where the Lease lives
    assert deployment["spec"]["strategy"]["type"] == "Recreate"


def test_helm_chart_renders_more_replicas_on_request(repo_root: Path) -> None:
    [deployment] = _by_kind(_helm_template(repo_root, "--set", "replicas=2"), "Deployment")
    assert deployment["spec"]["replicas"] == 2
    [default] = _by_kind(_helm_template(repo_root), "Deployment")
    assert default["spec"]["replicas"] == 1


def test_service_account_may_contest_the_lease_in_its_namespace_only(
    crds: ControlPlane, repo_root: Path
) -> None:
    crds.kubectl("apply", "--server-side", "--force-conflicts", "-k", str(repo_root / "manifests/base"))
    for verb in ("get", "create", "update"):
        for namespace, allowed in (("failback-system", "yes"), ("team-a", "no")):
            answer = crds.kubectl(
                "auth",
                "can-i",
                verb,
                "leases.coordination.k8s.io/failback-operator",
                f"--as={SERVICE_ACCOUNT}",
                "--namespace",
                namespace,
                check=False,
            )
            assert answer.stdout.strip() == allowed, (verb, namespace)


def test_helm_chart_serves_metrics_with_an_optional_service(crds: ControlPlane, repo_root: Path) -> None:
    assert not _by_kind(_helm_template(repo_root), "Service")
    chart = _helm_template(
        repo_root, "--set", "metrics.service.enabled=true", "--set", "metrics.service.labels.release=prom"
    )
    [service], [deployment] = _by_kind(chart, "Service"), _by_kind(chart, "Deployment")
    container = _operator_container(deployment)
    assert "--metrics=0.0.0.0:9090" in container["args"]
    assert {"name": "metrics", "containerPort": 9090} in container["ports"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}
    ]
    labels = service["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "metrics"
    assert labels["release"] == "prom"
    crds.kubectl("apply", "--dry-run=server", "-f", "-", input=yaml.safe_dump(service))
