"""FB029/FB030: the values a reprotect sends, resolved once per plan and identical for every item.

The values themselves are a fact (facts/reprotect.py) the adapter turns into the SDK's body.
"""

from __future__ import annotations

from failback_operator.facts import (
    FAILBACK_POLICY_PROVIDERS,
    FORWARD_POLICY_PROVIDERS,
    Architecture,
    FailbackFacts,
    FailbackPolicy,
    OsType,
    PlanDeclaration,
)
from failback_operator.facts.reprotect import FAILOVER_DIRECTION, ReprotectToAzureValues, ReprotectValues
from failback_operator.rules.lookups import (
    configuration_server,
    find_process_server,
    find_reprotect_agent,
    master_target_os_type,
    registered_master_target,
)
from failback_operator.rules.retention import default_retention_drive, offered_volume

__all__ = [
    "FAILOVER_DIRECTION",
    "ReprotectValues",
    "failback_policy_for",
    "group_reprotect_values",
    "resolve_reprotect_values",
]


def failback_policy_for(facts: FailbackFacts) -> FailbackPolicy | None:
    """The failback policy associated with the configuration server (selected automatically)."""
    if facts.vault is None:
        return None
    return _associated_policy(facts, facts.vault.failback_policies, FAILBACK_POLICY_PROVIDERS)


def forward_policy_for(facts: FailbackFacts) -> FailbackPolicy | None:
    """The on-premises -> Azure policy associated with the configuration server (reprotect to Azure)."""
    if facts.vault is None:
        return None
    return _associated_policy(facts, facts.vault.forward_policies, FORWARD_POLICY_PROVIDERS)


def _associated_policy(
    facts: FailbackFacts, policies: tuple[FailbackPolicy, ...], providers: frozenset[str]
) -> FailbackPolicy | None:
    server = configuration_server(facts)
    if server is None:
        return None
    names = {name.casefold() for name in (server.name, server.fabric_name) if name}
    candidates = [p for p in policies if p.provider in providers]
    for policy in candidates:
        if any(associated.casefold() in names for associated in policy.associated_configuration_servers):
            return policy
    return None


def resolve_reprotect_values(facts: FailbackFacts, plan: PlanDeclaration) -> ReprotectValues:
    """Resolve the reprotect input for a plan, naming what is missing instead of guessing it."""
    declaration = facts.master_target
    architecture = declaration.architecture
    missing: list[str] = []
    server = configuration_server(facts)
    policy = failback_policy_for(facts)
    if policy is None:
        missing.append("failback policy")
    if not plan.datastore:
        missing.append("datastore")
    if architecture is Architecture.MODERNIZED:
        agent = declaration.reprotect_agent
        if not agent:
            missing.append("reprotect agent")
        elif server is not None and server.master_targets:
            # The fabric lists the appliances' reprotect agents; Site Recovery takes the agent's id.
            registered_agent = find_reprotect_agent(server, agent)
            if registered_agent is None:
                missing.append(f"reprotect agent {agent} registered with the configuration server")
            agent = registered_agent.id if registered_agent else None
        if not declaration.log_storage_account_id:
            missing.append("log storage account")
        return ReprotectValues(
            architecture=architecture,
            master_target_id=agent,
            datastore=plan.datastore,
            policy_id=policy.id if policy else None,
            log_storage_account_id=declaration.log_storage_account_id,
            missing=tuple(missing),
        )
    registered = registered_master_target(facts)
    if registered is None:
        missing.append("master target registered with the configuration server")
    process_server = (
        find_process_server(server, plan.process_server) if server and plan.process_server else None
    )
    if process_server is None:
        missing.append("process server")
    os_type: OsType | None = master_target_os_type(facts)
    wanted = plan.retention_drive or declaration.retention_drive or default_retention_drive(os_type)
    volume = offered_volume(registered.retention_volumes, wanted, os_type) if registered else None
    if volume is None:
        missing.append(f"retention drive {wanted}")
    run_as = plan.run_as_account
    if server is not None and run_as:
        for account in server.run_as_accounts:
            if run_as in (account.id, account.name):
                run_as = account.id
                break
    return ReprotectValues(
        architecture=architecture,
        master_target_id=registered.id if registered else None,
        process_server_id=process_server.id if process_server else None,
        datastore=plan.datastore,
        retention_drive=volume.name if volume else None,
        policy_id=policy.id if policy else None,
        run_as_account_id=run_as,
        missing=tuple(missing),
    )


def group_reprotect_values(
    facts: FailbackFacts, plan: PlanDeclaration
) -> tuple[tuple[str, ReprotectValues], ...]:
    """Every item of the plan with the same values (FB030: one master target for the whole group)."""
    values = resolve_reprotect_values(facts, plan)
    return tuple((item, values) for item in plan.all_items())


def resolve_reprotect_to_azure_values(
    facts: FailbackFacts, plan: PlanDeclaration, back: ReprotectValues | None = None
) -> ReprotectToAzureValues:
    """Resolve the reprotect-to-Azure input for a plan, naming what is missing instead of guessing it.

    `back` is the plan's reprotect values where the caller resolved them already.
    """
    back = back or resolve_reprotect_values(facts, plan)
    policy = forward_policy_for(facts)
    missing = [] if policy is not None else ["policy replicating to Azure (forward policy)"]
    if facts.master_target.architecture is Architecture.MODERNIZED:
        process_server_id = back.master_target_id  # the appliance's agent, as in the reprotect back
        run_as = plan.run_as_account
        if process_server_id is None:
            missing.append("reprotect agent registered with the configuration server")
        if not run_as:
            missing.append("run-as account")
    else:
        process_server_id, run_as = back.process_server_id, back.run_as_account_id
        if process_server_id is None:
            missing.append("process server")
    return ReprotectToAzureValues(
        architecture=facts.master_target.architecture,
        process_server_id=process_server_id,
        run_as_account_id=run_as,
        policy_id=policy.id if policy else None,
        missing=tuple(missing),
    )
