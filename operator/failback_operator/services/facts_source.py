"""Reads Site Recovery and vCenter for one plan, from the RecoveryVault, VCenter and their Secrets."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from failback_operator.api.resources import (
    CredentialsType,
    FailbackApprovalSpec,
    MasterTargetSpec,
    RecoveryVaultSpec,
    VCenterSpec,
)
from failback_operator.api.resources import FailbackPlanSpec as ApiPlanSpec
from failback_operator.api.status import MasterTargetStatus
from failback_operator.azure.config import ClientSecret, WorkloadIdentity
from failback_operator.azure.site_recovery import SiteRecovery
from failback_operator.facts import Approval, Architecture, DiskReservation, ProtectedItem
from failback_operator.gathering import (
    SiteRecoverySource,
    VCenterSource,
    approval_facts,
    client_secret_from_secret,
    failback_plan_facts,
    gather_failback_facts,
    master_target_declaration,
    vault_config,
    vcenter_endpoint,
    vcenter_login_from_secret,
)
from failback_operator.services.kube import KubeStore, NotFoundError
from failback_operator.services.plans import PlanFacts

__all__ = ["GatheringFactsSource"]


class GatheringFactsSource:
    """The production PlanFactsSource: Kubernetes objects and Secrets in, FailbackFacts out."""

    def __init__(self, store: KubeStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        # Facts Site Recovery clears after reprotect (OS, disks), kept per vault between looks.
        self._kept: dict[str, dict[str, ProtectedItem]] = {}
        self._ca_dir = Path(tempfile.mkdtemp(prefix="failback-ca-"))

    def _ca_file(self, pem: str | None) -> str | None:
        """The vault's CA bundle as a private file that lives as long as the operator."""
        if not pem:
            return None
        path = self._ca_dir / f"{hashlib.sha256(pem.encode()).hexdigest()[:16]}.pem"
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(pem)
        return str(path)

    async def _identity(self, spec: RecoveryVaultSpec) -> ClientSecret | WorkloadIdentity:
        if spec.credentials.type == CredentialsType.WORKLOAD_IDENTITY:
            return WorkloadIdentity()
        assert spec.credentials.secret_ref is not None  # the CRD requires it for a service principal
        name = spec.credentials.secret_ref.name
        return client_secret_from_secret(name, await self._store.secret_data(name))

    async def read(
        self,
        namespace: str,
        name: str,
        spec: ApiPlanSpec,
        generation: int,
        master_target_obj: Mapping[str, Any],
        approvals: Sequence[Mapping[str, Any]],
    ) -> PlanFacts:
        problems: list[str] = []
        master_target_name = master_target_obj["metadata"]["name"]
        master_target = MasterTargetSpec.model_validate(master_target_obj["spec"])
        architecture = Architecture(master_target.architecture.value)

        vault_spec: RecoveryVaultSpec | None = None
        site_recovery: SiteRecoverySource | None = None
        try:
            vault_obj = await self._store.get("recoveryvaults", spec.vault_ref.name)
            vault_spec = RecoveryVaultSpec.model_validate(vault_obj["spec"])
            config = vault_config(vault_spec, ca_file=self._ca_file(vault_spec.cloud.ca_bundle))
            site_recovery = SiteRecoverySource(config=config, identity=await self._identity(vault_spec))
        except (NotFoundError, ValueError) as error:
            problems.append(f"RecoveryVault {spec.vault_ref.name}: {error}")

        vcenter: VCenterSource | None = None
        vcenter_host: str | None = None
        try:
            vcenter_obj = await self._store.get("vcenters", master_target.v_center_ref.name)
            vcenter_spec = VCenterSpec.model_validate(vcenter_obj["spec"])
            vcenter_host = vcenter_spec.host
            secret = vcenter_spec.credentials_secret_ref.name
            login = vcenter_login_from_secret(secret, await self._store.secret_data(secret))
            vcenter = VCenterSource(
                endpoint=vcenter_endpoint(vcenter_spec, login),
                name=vcenter_spec.host,
                run_as_user=vcenter_spec.discovery_user,
            )
        except (NotFoundError, ValueError) as error:
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
        approval_list: list[Approval] = [
            approval_facts(a["metadata"]["name"], namespace, FailbackApprovalSpec.model_validate(a["spec"]))
            for a in approvals
        ]
        declaration = master_target_declaration(master_target_name, master_target, vcenter_host=vcenter_host)
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
        )
        self._kept[vault_key] = dict(gathered.kept_items)
        problems.extend(gathered.errors)
        client = SiteRecovery.connect(site_recovery.config, site_recovery.identity) if site_recovery else None
        return PlanFacts(
            site_recovery=client,
            facts=gathered.facts,
            plan=plan,
            approvals=tuple(approval_list),
            problems=tuple(problems),
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
