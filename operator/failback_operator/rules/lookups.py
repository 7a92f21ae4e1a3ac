"""Shared ways of finding things in the facts: the registered master target, the plans' items, ages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from failback_operator.facts import (
    ConfigurationServer,
    EsxiHost,
    FailbackFacts,
    MasterTargetServer,
    OnPremisesVm,
    OsType,
    PlanDeclaration,
    ProcessServer,
    ProtectedItem,
    ReplicationGroup,
)
from failback_operator.rules.model import ObjectRef

# Provider instance types of an item replicating from Azure back to on-premises (reprotected).
REPROTECTED_PROVIDERS = frozenset({"InMage", "InMageRcmFailback"})
# Provider instance types of an item that replicates (or replicated) from on-premises to Azure.
FORWARD_PROVIDERS = frozenset({"InMageAzureV2", "InMageRcm"})


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanItem:
    """One item a plan names, with its group and what Site Recovery reports about it (None if unknown)."""

    plan: PlanDeclaration
    group: ReplicationGroup | None
    name: str
    item: ProtectedItem | None


def master_target_ref(facts: FailbackFacts) -> ObjectRef:
    """The MasterTarget resource every master-target finding is about."""
    return ObjectRef(kind="MasterTarget", name=facts.master_target.name)


def item_ref(name: str) -> ObjectRef:
    """A protected item as the object of a finding."""
    return ObjectRef(kind="ProtectedItem", name=name)


def plan_ref(plan: PlanDeclaration) -> ObjectRef:
    """A FailbackPlan as the object of a finding."""
    return ObjectRef(kind="FailbackPlan", name=f"{plan.namespace}/{plan.name}")


def configuration_server(facts: FailbackFacts) -> ConfigurationServer | None:
    """The configuration server, when the vault could be read."""
    return facts.vault.configuration_server if facts.vault else None


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def registered_master_target(facts: FailbackFacts) -> MasterTargetServer | None:
    """The master target as the configuration server lists it, matched by id, then by name."""
    server = configuration_server(facts)
    if server is None:
        return None
    declaration = facts.master_target
    names = [declaration.registered_as, declaration.vm_name, declaration.name]
    for candidate in names:
        for registered in server.master_targets:
            if _same(registered.id, candidate) or _same(registered.name, candidate):
                return registered
    return None


def find_reprotect_agent(server: ConfigurationServer, wanted: str) -> MasterTargetServer | None:
    """A modernized appliance's reprotect agent (listed as a master target) by id or name."""
    for agent in server.master_targets:
        if _same(agent.id, wanted) or _same(agent.name, wanted):
            return agent
    return None


def find_process_server(server: ConfigurationServer, wanted: str) -> ProcessServer | None:
    """The process server a plan names, by id or friendly name."""
    for process_server in server.process_servers:
        if _same(process_server.id, wanted) or _same(process_server.name, wanted):
            return process_server
    return None


def find_item(facts: FailbackFacts, name: str) -> ProtectedItem | None:
    """A protected item by its ARM name or its friendly (VM) name."""
    return facts.vault.item_named(name) if facts.vault is not None else None


def plan_items(facts: FailbackFacts) -> Iterator[PlanItem]:
    """Every item of every plan, each once per plan, with its replication group."""
    for plan in facts.plans:
        grouped = {name: group for group in plan.groups for name in group.items}
        for name in plan.all_items():
            yield PlanItem(plan=plan, group=grouped.get(name), name=name, item=find_item(facts, name))


def on_premises_vm(facts: FailbackFacts, item_name: str, item: ProtectedItem | None) -> OnPremisesVm | None:
    """The on-premises VM behind an item, matched on the item's ARM or friendly name."""
    if facts.vcenter is None:
        return None
    names = {item_name.casefold()}
    if item is not None:
        names.add(item.name.casefold())
        if item.friendly_name:
            names.add(item.friendly_name.casefold())
    for vm in facts.vcenter.on_premises_vms:
        if vm.item.casefold() in names:
            return vm
    return None


# Which on-premises VM an item came from is Site Recovery's fact (the item's friendly name and
# source VM); without it, a vCenter lookup by the item's name proves nothing (FB001, FB018, FB019...).
VMS_UNKNOWN = "Site Recovery was not read, so which on-premises VM each item came from is unknown"


def item_vm_unknown(item_name: str) -> str:
    """Why one item's on-premises VM is unknown: Site Recovery does not list the item."""
    return f"item {item_name} is not listed by Site Recovery, so its on-premises VM is unknown"


def host_named(facts: FailbackFacts, name: str | None) -> EsxiHost | None:
    """An ESXi host from the vCenter facts by name (the master target's host included)."""
    if facts.vcenter is None or name is None:
        return None
    hosts = list(facts.vcenter.hosts)
    if facts.vcenter.master_target_host is not None:
        hosts.insert(0, facts.vcenter.master_target_host)
    for host in hosts:
        if _same(host.name, name):
            return host
    return None


def master_target_os_type(facts: FailbackFacts) -> OsType | None:
    """The master target's OS family: declared, else as registered with the configuration server."""
    if facts.master_target.os_type is not None:
        return facts.master_target.os_type
    registered = registered_master_target(facts)
    return registered.os_type if registered else None


def master_target_os_version(facts: FailbackFacts) -> str | None:
    """The master target's OS version: as registered, else the guest OS vCenter reports."""
    registered = registered_master_target(facts)
    if registered and registered.os_version:
        return registered.os_version
    vm = facts.vcenter.master_target_vm if facts.vcenter else None
    return vm.guest_full_name if vm else None


def is_reprotected(item: ProtectedItem) -> bool:
    """Whether the item already replicates from Azure back to on-premises."""
    return item.instance_type in REPROTECTED_PROVIDERS


FAILOVER_SCENARIOS = frozenset({"UnplannedFailover", "PlannedFailover"})


def replicating_back(item: ProtectedItem) -> bool:
    """Reprotected, not yet failed back, and no failover running: the on-premises VM must stay off."""
    failing_over = item.current_scenario is not None and item.current_scenario.name in FAILOVER_SCENARIOS
    return is_reprotected(item) and item.active_location != "Recovery" and not failing_over


def age(then: datetime | None, now: datetime) -> timedelta | None:
    """How long ago `then` was, or None when it is unknown."""
    return None if then is None else now - then


def describe_age(then: datetime | None, now: datetime) -> str:
    """`2026-11-27T23:01:00Z (12 min ago)` or `never`, for messages."""
    if then is None:
        return "never"
    stamp = then.strftime("%Y-%m-%dT%H:%M:%SZ")
    seconds = (now - then).total_seconds()
    if seconds < 0:
        return f"{stamp} ({int(-seconds // 60)} min ahead of the operator's clock)"
    return f"{stamp} ({int(seconds // 60)} min ago)"


def fresh(then: datetime | None, now: datetime, max_age: timedelta) -> bool:
    """True when a heartbeat is known and no older than max_age."""
    return then is not None and now - then <= max_age


def listing(values: list[str] | tuple[str, ...], limit: int = 6) -> str:
    """`a, b, c` (and `... and N more`) for messages."""
    shown = ", ".join(values[:limit])
    rest = len(values) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
