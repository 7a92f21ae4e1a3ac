"""pyvmomi faults map to the adapter's three errors; endpoints and thumbprints keep secrets out of sight."""

from __future__ import annotations

import ssl

import pytest
from pyVmomi import vim, vmodl

from failback_operator.vsphere.connection import VCenterEndpoint, normalise_thumbprint
from failback_operator.vsphere.errors import (
    VCenterAuthError,
    VCenterConnectionError,
    VCenterError,
    VCenterNotFoundError,
    translate_faults,
)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (vim.fault.InvalidLogin(msg="Login failure"), VCenterAuthError),
        (vim.fault.NotAuthenticated(), VCenterAuthError),
        (vim.fault.NoPermission(privilegeId="System.Read"), VCenterAuthError),
        (vmodl.fault.ManagedObjectNotFound(), VCenterNotFoundError),
        (ssl.SSLCertVerificationError("certificate verify failed"), VCenterConnectionError),
        (ConnectionRefusedError(111, "Connection refused"), VCenterConnectionError),
        (TimeoutError("timed out"), VCenterConnectionError),
        (vim.fault.InvalidState(msg="busy"), VCenterError),
    ],
)
def test_faults_map_to_one_hierarchy(raised: Exception, expected: type[VCenterError]) -> None:
    with pytest.raises(expected) as caught, translate_faults("vc.example:443", "read the inventory"):
        raise raised
    assert type(caught.value) is expected
    assert "vc.example:443" in str(caught.value)
    assert caught.value.__suppress_context__


def test_retryable_only_where_trying_again_can_help() -> None:
    assert VCenterConnectionError.retryable is True
    assert VCenterAuthError.retryable is False
    assert VCenterNotFoundError.retryable is False


def test_endpoint_repr_hides_user_and_password() -> None:
    endpoint = VCenterEndpoint(
        host="vc.example", user="svc-failback", password="s3cret!", ca_data="-----BEGIN"
    )

    assert "s3cret!" not in repr(endpoint)
    assert "svc-failback" not in repr(endpoint)
    assert endpoint.address == "vc.example:443"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("AA:BB:" + "CC:" * 17 + "DD", "aabb" + "cc" * 17 + "dd"),
        ("ab" * 32, "ab" * 32),
    ],
)
def test_thumbprint_forms(given: str, expected: str) -> None:
    assert normalise_thumbprint(given) == expected


@pytest.mark.parametrize("bad", ["", "zz" * 20, "ab" * 21, "ab" * 64])
def test_thumbprint_rejects_other_lengths_and_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="40 \\(SHA-1\\) or 64 \\(SHA-256\\)"):
        normalise_thumbprint(bad)
