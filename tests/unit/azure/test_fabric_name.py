"""`spec.configurationServer` by the fabric's ARM name or the configuration server's friendly name."""

from __future__ import annotations

import pytest
from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.azure import ConfigurationServerNotFound, NotFound
from failback_operator.azure.fabric_name import configuration_server_fabric

HASH = "9a60d28b65543435e52e1b81073c6a3aca7dd5d00d201e49fbe4e86848c495ed"


def fabric(name: str, friendly: str | None) -> models.Fabric:
    found = models.Fabric(properties=models.FabricProperties(friendly_name=friendly))
    found.name = name  # read-only in the SDK model: the service fills it
    return found


FABRICS = [fabric(HASH, "PwsTestCS"), fabric("Microsoft Azure", "Microsoft Azure")]


@pytest.mark.parametrize("wanted", [HASH, HASH.upper(), "PwsTestCS", "pwstestcs"])
def test_the_arm_name_or_the_friendly_name_in_any_case(wanted: str) -> None:
    assert configuration_server_fabric(FABRICS, wanted, vault="PwsTestVault") == HASH


def test_an_arm_name_wins_over_a_friendly_name() -> None:
    fabrics = [fabric("cs-a", "cs-b"), fabric("cs-b", "other")]
    assert configuration_server_fabric(fabrics, "cs-b", vault="v") == "cs-b"


def test_an_unknown_name_lists_what_the_vault_has() -> None:
    with pytest.raises(ConfigurationServerNotFound) as raised:
        configuration_server_fabric(FABRICS, "PwsTestCS2", vault="PwsTestVault")
    message = str(raised.value)
    assert "configuration server 'PwsTestCS2' not found in vault 'PwsTestVault'" in message
    assert f"PwsTestCS ({HASH})" in message
    assert "set spec.configurationServer" in message
    assert isinstance(raised.value, NotFound)
    assert raised.value.status == 404


def test_two_fabrics_with_one_friendly_name_are_not_guessed_between() -> None:
    fabrics = [fabric("a1", "cs"), fabric("b2", "CS")]
    with pytest.raises(ConfigurationServerNotFound, match="several fabrics have that friendly name"):
        configuration_server_fabric(fabrics, "cs", vault="v")


def test_an_empty_vault() -> None:
    with pytest.raises(ConfigurationServerNotFound, match=r"\(fabrics: none\)"):
        configuration_server_fabric([], "cs", vault="v")
