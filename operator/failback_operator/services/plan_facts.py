"""Reads Site Recovery and vCenter for one plan, from the RecoveryVault, VCenter and their Secrets."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from failback_operator.api.resources import (
    FailbackApprovalSpec,
    MasterTargetSpec,
    RecoveryVaultSpec,
)
from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.status import MasterTargetStatus
from failback_operator.facts import Architecture, DiskReservation, ProtectedItem, RunApproval
from failback_operator.gathering import (
    SiteRecoverySource,
    VCenterSource,
    approval_facts,
    failback_plan_facts,
    gather_failback_facts,
    master_target_declaration,
)
from failback_operator.gathering.gather import VCenterReader
from failback_operator.gathering.sources import SourceResolver
from failback_operator.gathering.vault_reads import CONFIGURATION_KINDS, SharedVaultReads
from failback_operator.services.plans import PlanFacts
from failback_operator.status.master_targets import retention_waits_from_status
from failback_operator.storage.kube import KubeStore, NotFoundError
from failback_operator.vsphere import SharedInventory, VCenterEndpoint

__all__ = ["GatheringFactsSource"]


class GatheringFactsSource:
    """The production PlanFactsSource: Kubernetes objects and Secrets in, FailbackFacts out."""

    def __init__(
        self,
        store: KubeStore,
        clock: Callable[[], datetime],
        reads: SharedVaultReads,
        sources: SourceResolver,
        read_timeout: timedelta = timedelta(minutes=2),
        vcenter_reader: VCenterReader | None = None,
        inventory: SharedInventory | None = None,
    ) -> None:
        self._store = store
        # The vCenter inventory the reader shares; its change stamp lets an unchanged look skip.
        self._inventory = inventory
        # Which vault reader and vCenter each RecoveryVault and VCenter named last time.
        self._vault_keys: dict[str, str] = {}
        self._vcenter_endpoints: dict[str, VCenterEndpoint] = {}
        # None logs in and out per read; the operator passes a reader over kept sessions.
        self._vcenter_reader = vcenter_reader
        self._clock = clock
        self._sources = sources
        self._reads = reads
        # How long one side may take to answer before the look goes on without it.
        self._read_timeout = read_timeout
        # Facts Site Recovery clears after reprotect (OS, disks), kept per vault between looks.
        self._kept: dict[str, Mapping[str, ProtectedItem]] = {}

    def change_stamp(self, vault: str, vcenter: str) -> Hashable | None:
        """The change stamps of the vault's shared reads and the vCenter's shared inventory, from memory.

        None while the RecoveryVault or VCenter was never resolved (or could not be): gather then.
        """
        key = self._vault_keys.get(vault)
        endpoint = self._vcenter_endpoints.get(vcenter)
        if key is None or endpoint is None or self._inventory is None:
            return None
        inventory = self._inventory.stamp(endpoint)
        return (vault, key, self._reads.changes(key), vcenter, endpoint.address, inventory or 0)

    async def read(
        self,
        namespace: str,
        name: str,
        spec: ApiPlanSpec,
        generation: int,
        master_target_obj: Mapping[str, Any],
        approvals: Sequence[Mapping[str, Any]],
        *,
        fresh_configuration: bool = False,
    ) -> PlanFacts:
        """The plan's facts; `fresh_configuration` reads the vault's configuration and vCenter's settings."""
        problems: list[str] = []
        master_target_name = master_target_obj["metadata"]["name"]
        master_target = MasterTargetSpec.model_validate(master_target_obj["spec"])
        architecture = Architecture(master_target.architecture.value)

        vault_spec: RecoveryVaultSpec | None = None
        site_recovery: SiteRecoverySource | None = None
        try:
            vault_spec, site_recovery = await self._sources.site_recovery_named(spec.vault_ref.name)
            if fresh_configuration:
                self._reads.expire(site_recovery.config, site_recovery.identity, CONFIGURATION_KINDS)
            self._vault_keys[spec.vault_ref.name] = self._reads.key(
                site_recovery.config, site_recovery.identity
            )
        except (NotFoundError, ValueError) as error:
            self._vault_keys.pop(spec.vault_ref.name, None)
            problems.append(f"RecoveryVault {spec.vault_ref.name}: {error}")

        vcenter: VCenterSource | None = None
        vcenter_host: str | None = None
        try:
            vcenter_spec, vcenter = await self._sources.vcenter_named(master_target.v_center_ref.name)
            vcenter_host = vcenter_spec.host
            self._vcenter_endpoints[master_target.v_center_ref.name] = vcenter.endpoint
            if fresh_configuration and self._inventory is not None:
                # A plan blocked by a privilege or a licence sees the fix at its own pace.
                self._inventory.expire_settled(vcenter.endpoint)
        except (NotFoundError, ValueError) as error:
            self._vcenter_endpoints.pop(master_target.v_center_ref.name, None)
            problems.append(f"VCenter {master_target.v_center_ref.name}: {error}")

        plan = failback_plan_facts(
            name,
            namespace,
            spec,
            architecture=architecture,
            connectivity=vault_spec.connectivity if vault_spec else None,
            vcenter_host=vcenter_host,
            generation=generation,
        )
        approval_list: list[RunApproval] = [
            approval_facts(a["metadata"]["name"], namespace, FailbackApprovalSpec.model_validate(a["spec"]))
            for a in approvals
        ]
        declaration = master_target_declaration(master_target_name, master_target, vcenter_host=vcenter_host)
        # Taken before the reads: what they return is at least as new as what the stamp counts.
        stamp = self.change_stamp(spec.vault_ref.name, master_target.v_center_ref.name)
        vault_key = spec.vault_ref.name
        gathered = await gather_failback_facts(
            declaration,
            [plan],
            site_recovery=site_recovery,
            vcenter=vcenter,
            now=self._clock(),
            approvals=approval_list,
            reservations=_other_reservations(master_target_obj, namespace, name),
            kept_items=self._kept.get(vault_key),
            timeout_seconds=self._read_timeout.total_seconds(),
            connect=self._reads.connect,
            vcenter_reader=self._vcenter_reader,
            joins=self._reads.joins(site_recovery.config, site_recovery.identity) if site_recovery else None,
        )
        self._kept[vault_key] = gathered.kept_items
        problems.extend(gathered.errors)
        # The master target's reconciler keeps FB022's waits: FB021 waits on the plan as it does there.
        facts = dataclasses.replace(
            gathered.facts,
            retention_waits=retention_waits_from_status(
                master_target_name, MasterTargetStatus.model_validate(master_target_obj.get("status") or {})
            ),
        )
        # No client where the vault was not read: no step is taken, and a credential that cannot
        # even be built (workload identity absent) was already said in `problems`.
        client = (
            self._reads.connect(site_recovery.config, site_recovery.identity)
            if site_recovery is not None and facts.vault is not None
            else None
        )
        return PlanFacts(
            site_recovery=client,
            facts=facts,
            plan=plan,
            approvals=tuple(approval_list),
            problems=tuple(problems),
            sources_stamp=stamp,
        )


def _other_reservations(
    master_target: Mapping[str, Any], namespace: str, name: str
) -> tuple[DiskReservation, ...]:
    """Disk slots other plans hold on the master target (FB027 counts them, never this plan's own)."""
    status = MasterTargetStatus.model_validate(master_target.get("status") or {})
    reservations = (status.disk_slots.reservations or ()) if status.disk_slots else ()
    return tuple(
        DiskReservation(
            plan=f"{r.namespace}/{r.name}",
            master_target=master_target["metadata"]["name"],
            item=f"{r.namespace}/{r.name}",
            disk_count=r.disks,
        )
        for r in reservations
        if (r.namespace, r.name) != (namespace, name)
    )
