"""The local control plane is a real, secured API server built from the pinned Kubernetes version."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client

from failback_operator.testenv.controlplane import ADMIN_USER, ControlPlane

pytestmark = pytest.mark.controlplane


def test_version_is_the_pinned_release(control_plane: ControlPlane) -> None:
    version = json.loads(control_plane.kubectl("version", "--output=json").stdout)
    assert version["serverVersion"]["gitVersion"].startswith("v1.34.")
    assert version["serverVersion"]["minor"] == "34"
    assert version["clientVersion"]["gitVersion"] == version["serverVersion"]["gitVersion"]


def test_tls_is_verified_and_anonymous_requests_are_refused(control_plane: ControlPlane) -> None:
    trusted = ssl.create_default_context(cafile=str(control_plane.ca_file))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{control_plane.server}/api/v1/namespaces", context=trusted, timeout=5)
    assert refused.value.code in {401, 403}
    untrusted = ssl.create_default_context()
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(f"{control_plane.server}/readyz", context=untrusted, timeout=5)


def test_rbac_denies_a_user_without_bindings(control_plane: ControlPlane) -> None:
    answer = control_plane.kubectl("auth", "can-i", "list", "secrets", "--as=nobody@example.com", check=False)
    assert answer.stdout.strip() == "no"
    assert control_plane.kubectl("auth", "can-i", "list", "secrets").stdout.strip() == "yes"


def test_requests_are_audited_with_the_user(control_plane: ControlPlane) -> None:
    api = client.CoreV1Api(control_plane.api_client())
    api.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="audited")))
    creations: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not creations and time.monotonic() < deadline:
        events = [json.loads(line) for line in control_plane.audit_log.read_text().splitlines()]
        creations = [
            event
            for event in events
            if event["verb"] == "create" and event.get("objectRef", {}).get("name") == "audited"
        ]
        time.sleep(0.1)
    assert creations, "the namespace creation is missing from the audit log"
    assert creations[0]["user"]["username"] == ADMIN_USER
