"""FB029/FB030: reprotect values resolved once per plan, identical for every item, missing ones named."""

from __future__ import annotations

from dataclasses import replace

from failback_operator.facts import FailbackFacts, FailbackPolicy, MasterTargetServer
from failback_operator.rules.reprotect_input import (
    FAILOVER_DIRECTION,
    group_reprotect_values,
    resolve_reprotect_to_azure_values,
    resolve_reprotect_values,
)
from tests.unit.rules.worlds import ITEM_1, ITEM_2, MT_ID, POLICY_ID, PS_ID, WORLDS, patched


def test_classic_values_match_the_recorded_request() -> None:
    world = WORLDS["before-reprotect"]()
    values = resolve_reprotect_values(world, world.plans[0])
    assert values.complete
    assert values.direction == FAILOVER_DIRECTION == "RecoveryToPrimary"
    assert values.master_target_id == MT_ID
    assert values.process_server_id == PS_ID
    assert values.datastore == "datastore1"
    # Declared "F:", sent as the master target offers it (the recorded request sends "F").
    assert values.retention_drive == "F"
    assert values.policy_id == POLICY_ID
    assert values.run_as_account_id == "2"


def test_missing_values_are_named_not_guessed() -> None:
    world = patched(
        WORLDS["before-reprotect"](),
        {"plans.0.datastore": None, "plans.0.process_server": "nope", "master_target.retention_drive": "G"},
    )
    values = resolve_reprotect_values(world, world.plans[0])
    assert not values.complete
    assert values.missing == ("datastore", "process server", "retention drive G")
    assert values.process_server_id is None
    assert values.retention_drive is None


def test_modernized_needs_agent_and_log_storage() -> None:
    world = patched(WORLDS["before-reprotect"](), {"master_target.architecture": "Modernized"})
    values = resolve_reprotect_values(world, world.plans[0])
    assert values.missing == ("reprotect agent", "log storage account")
    ready = patched(
        world,
        {
            "master_target.reprotect_agent": "7d30ec24-f20e-4c17-8dfd-d7ccb444b072",
            "master_target.log_storage_account_id": "/subscriptions/s/.../storageAccounts/v2aecystor",
            # The modernized fabric lists its appliances' reprotect agents where classic lists master targets.
            "vault.configuration_server.master_targets": [
                {"id": "7d30ec24-f20e-4c17-8dfd-d7ccb444b072", "name": "Rcm-App-150"}
            ],
        },
    )
    values = resolve_reprotect_values(ready, ready.plans[0])
    assert values.complete
    assert values.master_target_id == "7d30ec24-f20e-4c17-8dfd-d7ccb444b072"
    assert values.process_server_id is None


def test_group_items_share_one_master_target() -> None:
    world = WORLDS["before-reprotect"]()
    pairs = group_reprotect_values(world, world.plans[0])
    assert [item for item, _ in pairs] == [ITEM_1, ITEM_2]
    assert len({values for _, values in pairs}) == 1


def test_no_policy_is_missing() -> None:
    world = patched(WORLDS["before-reprotect"](), {"vault.failback_policies": []})
    assert "failback policy" in resolve_reprotect_values(world, world.plans[0]).missing


def _with_agents(declared: str) -> FailbackFacts:
    """The modernized world whose configuration server lists its appliances' reprotect agents."""
    world = WORLDS["modernized-before-reprotect"]()
    assert world.vault is not None
    assert world.vault.configuration_server is not None
    agents = (
        MasterTargetServer(id="7d30ec24-f20e-4c17-8dfd-d7ccb444b072", name="Rcm-App-150"),
        MasterTargetServer(id="c145803b-80bc-4a11-b8ae-d2a4d150700e", name="Rcm-App-151"),
    )
    server = replace(world.vault.configuration_server, master_targets=agents)
    return replace(
        world,
        master_target=replace(world.master_target, reprotect_agent=declared),
        vault=replace(world.vault, configuration_server=server),
    )


def test_modernized_reprotect_agent_declared_by_name_is_sent_by_its_id() -> None:
    """Site Recovery takes reprotectAgentId: the appliance name a MasterTarget declares is resolved."""
    world = _with_agents("rcm-app-151")
    values = resolve_reprotect_values(world, world.plans[0])
    assert values.complete, values.missing
    assert values.master_target_id == "c145803b-80bc-4a11-b8ae-d2a4d150700e"


def test_modernized_reprotect_agent_not_registered_is_named_missing() -> None:
    world = _with_agents("Rcm-App-999")
    values = resolve_reprotect_values(world, world.plans[0])
    assert values.missing == ("reprotect agent Rcm-App-999 registered with the configuration server",)
    assert values.master_target_id is None


def _with_forward_policy(world: FailbackFacts) -> FailbackFacts:
    assert world.vault is not None
    forward = FailbackPolicy(
        id="/Subscriptions/s/.../replicationPolicies/Policyv2a",
        name="Policyv2a",
        provider="InMageAzureV2",
        associated_configuration_servers=("PwsTestCS",),
    )
    return replace(world, vault=replace(world.vault, forward_policies=(forward,)))


def test_classic_reprotect_to_azure_values_as_recorded() -> None:
    world = _with_forward_policy(WORLDS["reprotected"]())
    values = resolve_reprotect_to_azure_values(world, world.plans[0])
    assert values.complete
    assert values.process_server_id == PS_ID  # sent as master target and process server
    assert values.run_as_account_id == "2"
    assert values.policy_id == "/Subscriptions/s/.../replicationPolicies/Policyv2a"


def test_reprotect_to_azure_without_a_forward_policy_names_it() -> None:
    world = WORLDS["reprotected"]()
    values = resolve_reprotect_to_azure_values(world, world.plans[0])
    assert not values.complete
    assert values.missing == ("policy replicating to Azure (forward policy)",)
