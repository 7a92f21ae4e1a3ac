"""A RecoveryVault's whole status from one look at Site Recovery (pure: facts in, status out).

Ready means the vault can serve a reprotect: connected, the configuration server running with a
recent heartbeat (FB004), and a failback policy associated with it (FB003). A look that fails
keeps what was last read (with its `lastPolled`), so people still see the last known
configuration server, and says why in Connected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from failback_operator.api.status import (
    ConfigurationServerStatus,
    FailbackPolicyStatus,
    ProcessServerStatus,
    RecoveryVaultStatus,
    RegisteredMasterTarget,
    RetentionVolume,
    SiteRecoveryDatastore,
)
from failback_operator.api.vocabulary import Reason
from failback_operator.facts import (
    Architecture,
    ConfigurationServer,
    FailbackFacts,
    FailbackPolicy,
    MasterTargetDeclaration,
    MasterTargetServer,
    RegisteredDatastore,
    VaultFacts,
)
from failback_operator.rules import CheckContext, CheckPhase, Finding, RuleConfig
from failback_operator.rules.prerequisites import check_fb003, check_fb004
from failback_operator.status.connections import (
    ReadFailure,
    Readiness,
    connection_conditions,
    kept_after_failure,
)

__all__ = ["VaultReading", "associated_failback_policy", "build_vault_status", "vault_findings"]

_GIB = 1024**3
# What a vault's status lists of the servers Site Recovery registers (the CRD's maxItems), by name:
# a configuration server of a large estate registers more master targets than a person reads.
LISTED_SERVERS = 256
_LISTED_RETENTION_VOLUMES = 64
_LISTED_DATASTORES = 256
# The most a vault's status may take as JSON, within etcd's 1.5 MiB per object. The master
# targets' datastores, then their retention volumes, give way first: each MasterTarget's own
# status, and the rules, read them from Site Recovery.
STATUS_BUDGET = 512 * 1024
_FABRIC_TYPES = {Architecture.CLASSIC: "VMware", Architecture.MODERNIZED: "InMageRcm"}


class _Server(Protocol):
    """A process server or master target as the facts give it: listed by name, then id."""

    @property
    def name(self) -> str | None: ...

    @property
    def id(self) -> str: ...


_Named = TypeVar("_Named", bound=_Server)


@dataclass(frozen=True, kw_only=True, slots=True)
class VaultReading:
    """What one look at the vault read: the configuration server and the failback policies."""

    configuration_server: ConfigurationServer
    failback_policies: tuple[FailbackPolicy, ...] = ()


def associated_failback_policy(reading: VaultReading) -> FailbackPolicy | None:
    """The failback policy mapped to this configuration server (FB003), as the rule finds it."""
    server = reading.configuration_server
    names = {n.casefold() for n in (server.name, server.fabric_name) if n}
    return next(
        (
            policy
            for policy in reading.failback_policies
            if any(a.casefold() in names for a in policy.associated_configuration_servers)
        ),
        None,
    )


def vault_findings(
    reading: VaultReading, now: datetime, config: RuleConfig | None = None
) -> tuple[Finding, ...]:
    """FB003 and FB004, the vault-wide rules, judged on this reading alone."""
    server = reading.configuration_server
    facts = FailbackFacts(
        # The vault rules name no master target; the declaration only carries the architecture.
        master_target=MasterTargetDeclaration(name=server.name, architecture=server.architecture),
        vault=VaultFacts(
            observed_at=now, configuration_server=server, failback_policies=reading.failback_policies
        ),
    )
    context = CheckContext(phase=CheckPhase.PRE_REPROTECT, now=now, config=config or RuleConfig())
    return (*check_fb003(facts, context), *check_fb004(facts, context))


def _readiness(findings: tuple[Finding, ...]) -> Readiness:
    blocking = [f for f in findings if f.blocking]
    if blocking:
        return Readiness(
            ready=False,
            reason=Reason.BLOCKED,
            message="; ".join(f"{f.rule}: {f.message}" for f in blocking),
        )
    warnings = [f for f in findings if not f.passed]
    message = "the configuration server is connected and a failback policy is associated"
    if warnings:
        message += " (" + "; ".join(f"{f.rule}: {f.message}" for f in warnings) + ")"
    return Readiness(ready=True, reason=Reason.ALL_PASSED, message=message)


def _datastore(store: RegisteredDatastore) -> SiteRecoveryDatastore:
    return SiteRecoveryDatastore(
        name=store.name,
        type=store.type,
        capacity_bytes=round(store.capacity_gb * _GIB) if store.capacity_gb is not None else None,
        free_bytes=round(store.free_gb * _GIB) if store.free_gb is not None else None,
    )


def _master_target(server: MasterTargetServer) -> RegisteredMasterTarget:
    return RegisteredMasterTarget(
        id=server.id,
        name=server.name or None,
        os_type=server.os_type.value if server.os_type else None,
        os_version=server.os_version,
        last_heartbeat=server.last_heartbeat,
        disk_count=server.disk_count,
        retention_volumes=tuple(
            RetentionVolume(name=v.name, capacity_bytes=v.capacity_bytes, free_bytes=v.free_bytes)
            for v in server.retention_volumes[:_LISTED_RETENTION_VOLUMES]
        ),
        datastores=tuple(_datastore(d) for d in server.datastores[:_LISTED_DATASTORES]),
    )


def _listed(servers: Sequence[_Named]) -> list[_Named]:
    """The first LISTED_SERVERS by name (then id), so the list stays the same from look to look."""
    return sorted(servers, key=lambda s: (s.name or "", s.id))[:LISTED_SERVERS]


def _fit(status: RecoveryVaultStatus, budget: int = STATUS_BUDGET) -> RecoveryVaultStatus:
    """The status within `budget`: the master targets' datastores, then retention volumes, left out."""
    for field_name in ("datastores", "retention_volumes"):
        if status.stored_size() <= budget:
            return status
        status = status.model_copy(
            update={
                "master_targets": tuple(
                    m.model_copy(update={field_name: None}) for m in status.master_targets or ()
                )
            }
        )
    return status


def build_vault_status(
    previous: RecoveryVaultStatus,
    *,
    vault: str,
    reading: VaultReading | None,
    failure: ReadFailure | None,
    generation: int,
    now: datetime,
    config: RuleConfig | None = None,
) -> RecoveryVaultStatus:
    """The status to write after a look: the reading's facts, or the last ones kept when it failed."""
    if reading is None or failure is not None:
        failure = failure or ReadFailure(reason=Reason.UNREACHABLE, message=f"vault {vault} was not read")
        return kept_after_failure(previous, failure, generation, now)
    server = reading.configuration_server
    policy = associated_failback_policy(reading)
    status = RecoveryVaultStatus(
        observed_generation=generation,
        last_polled=now,
        configuration_server=ConfigurationServerStatus(
            fabric_name=server.fabric_name,
            fabric_type=_FABRIC_TYPES.get(server.architecture),
            last_heartbeat=server.last_heartbeat,
            version=server.agent_version,
        ),
        process_servers=tuple(
            ProcessServerStatus(
                id=p.id,
                name=p.name or None,
                ip_address=p.ip_address,
                last_heartbeat=p.last_heartbeat,
                health=p.health,
            )
            for p in _listed(server.process_servers)
        ),
        master_targets=tuple(_master_target(m) for m in _listed(server.master_targets)),
        failback_policy=(
            FailbackPolicyStatus(
                id=policy.id,
                name=policy.name,
                rpo_threshold_minutes=policy.rpo_threshold_minutes,
                recovery_point_retention_minutes=policy.retention_minutes,
                app_consistent_frequency_minutes=policy.app_consistent_frequency_minutes,
            )
            if policy is not None
            else None
        ),
        conditions=connection_conditions(
            previous.conditions,
            failure=None,
            connected_message=f"signed in to vault {vault}; configuration server {server.name} answered",
            readiness=_readiness(vault_findings(reading, now, config)),
            generation=generation,
            now=now,
        ),
    )
    return _fit(status)
