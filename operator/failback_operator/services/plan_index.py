"""Every FailbackPlan the operator watches, kept from its watch events instead of listed per look.

A look needs the other active plans (an item belongs to one plan at a time) and the vault poller
needs the plans a change concerns; both read this index. It is filled by a list (before the first
look, so that no claim is missed while the watch is still streaming the existing plans) and then
kept by the watch events Kopf already receives: no cluster-wide list per look, one every few
minutes at most.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from failback_operator.api.vocabulary import ItemStage, Operation
from failback_operator.services.watched_index import Key, WatchedIndex

__all__ = ["IndexedPlan", "PlanIndex"]

_REPROTECTS = frozenset({Operation.REPROTECT.value, Operation.REPROTECT_TO_AZURE.value})
_IN_FLIGHT = frozenset(
    stage.value
    for stage in (
        ItemStage.REPROTECTING,
        ItemStage.SYNCING,
        ItemStage.FAILING_BACK,
        ItemStage.COMMITTING,
        ItemStage.REPROTECTING_TO_AZURE,
    )
)


@dataclass(frozen=True, slots=True)
class IndexedPlan:
    """What the index keeps of a plan: the slim object `claims_on` reads, and what wakes it."""

    namespace: str
    name: str
    vault: str | None
    # The slim object: metadata (name, namespace, creationTimestamp), spec.groups, masterTargetRef and
    # retentionDrive, and status.phase.
    obj: Mapping[str, Any]
    # Names a vault change may concern, case-folded: items, recovery plans, the jobs in status.
    items: frozenset[str]
    recovery_plans: frozenset[str]
    # Items of groups without a recovery plan: their own jobs are the steps (with a recovery plan,
    # a machine's jobs are the per-machine children of the plan's job).
    items_without_plan: frozenset[str]
    jobs: frozenset[str]
    # Jobs whose end the plan's next step follows (failover, commit, cancel; not a reprotect,
    # which the replication back follows).
    step_jobs: frozenset[str]
    # Jobs whose end is followed by the replication back (reprotects).
    reprotect_jobs: frozenset[str]
    # An intent recorded without its job yet: the next vault poll should come soon.
    awaits_job: bool
    # A machine is being reprotected, replicates back, fails back or commits: the plan waits on the vault.
    in_flight: bool
    # The machines replicating back: the vault poller times their ends from their progress.
    syncing: frozenset[str] = frozenset()
    # A machine under way otherwise than replicating back, or an intent without its job.
    in_flight_otherwise: bool = False


def _slim(plan: Mapping[str, Any]) -> IndexedPlan:
    meta = plan.get("metadata") or {}
    spec = plan.get("spec") or {}
    status = plan.get("status") or {}
    groups = spec.get("groups") or []
    items = [item.get("name", "") for group in groups for item in group.get("items") or []]
    recovery_plans = [group.get("recoveryPlan") or "" for group in groups]
    items_without_plan = [
        item.get("name", "")
        for group in groups
        if not group.get("recoveryPlan")
        for item in group.get("items") or []
    ]
    jobs: set[str] = set()
    step_jobs: set[str] = set()
    reprotect_jobs: set[str] = set()
    awaits_job = False
    in_flight = False
    in_flight_otherwise = False
    syncing: set[str] = set()
    for item in status.get("items") or []:
        intent = item.get("intent") or {}
        if intent and not intent.get("jobName"):
            awaits_job = True
        if intent.get("jobName"):
            (reprotect_jobs if intent.get("operation") in _REPROTECTS else step_jobs).add(
                intent["jobName"].casefold()
            )
        if item.get("stage") in _IN_FLIGHT:
            in_flight = True
            if item.get("stage") == ItemStage.SYNCING.value and item.get("name"):
                syncing.add(item["name"].casefold())
            else:
                in_flight_otherwise = True
        for name in (intent.get("jobName"), (item.get("currentJob") or {}).get("name")):
            if name:
                jobs.add(name.casefold())
    return IndexedPlan(
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        vault=(spec.get("vaultRef") or {}).get("name"),
        obj={
            "metadata": {
                "name": meta.get("name"),
                "namespace": meta.get("namespace"),
                "creationTimestamp": meta.get("creationTimestamp", ""),
            },
            # The master target and retention drive too: the master target's FB022 waits read them.
            "spec": {
                "groups": groups,
                "masterTargetRef": spec.get("masterTargetRef"),
                "retentionDrive": spec.get("retentionDrive"),
            },
            "status": {"phase": status.get("phase")},
        },
        items=_names(i.casefold() for i in items if i),
        recovery_plans=_names(r.casefold() for r in recovery_plans if r),
        items_without_plan=_names(i.casefold() for i in items_without_plan if i),
        jobs=_names(jobs),
        step_jobs=_names(step_jobs),
        reprotect_jobs=_names(reprotect_jobs),
        awaits_job=awaits_job,
        in_flight=in_flight or awaits_job,
        syncing=_names(syncing),
        in_flight_otherwise=in_flight_otherwise or awaits_job,
    )


_NONE: frozenset[str] = frozenset()


def _names(names: Iterable[str]) -> frozenset[str]:
    """The names as a set; one shared empty set, as most of a plan's sets are (216 bytes each)."""
    found = frozenset(names)
    return found if found else _NONE


class PlanIndex(WatchedIndex[IndexedPlan]):
    """Plans by namespace and name, listed now and then and kept current by watch events in between.

    The list is taken again every `relist_seconds`: an operator that watches some namespaces only
    still sees, at that pace, the plans of the others that may claim the same items.
    """

    def _slim(self, obj: Mapping[str, Any]) -> tuple[Key, IndexedPlan]:
        indexed = _slim(obj)
        return (indexed.namespace, indexed.name), indexed

    def seen(self, plan: Mapping[str, Any]) -> frozenset[str]:
        """A watch event with the plan as it is now; the vault lists to hurry for the jobs it started.

        A failover, commit or cancel job: the jobs, for its end. A reprotect job: the items, since
        the replication back that follows it shows there.
        """
        before, indexed = self._seen(plan)
        hurry: set[str] = set()
        if indexed.step_jobs - (before.step_jobs if before else frozenset()):
            hurry.add("jobs")
        if indexed.reprotect_jobs - (before.reprotect_jobs if before else frozenset()):
            hurry.add("items")
        return frozenset(hurry)

    async def plans(self) -> tuple[IndexedPlan, ...]:
        await self.prime()
        return tuple(self._entries.values())

    async def objects(self) -> list[Mapping[str, Any]]:
        """The slim plan objects, as `claims_on` reads them."""
        return [plan.obj for plan in await self.plans()]

    async def naming(self, plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The slim objects of the plans naming an item `plan` names: all `claims_on` needs for it."""
        mine = _slim(plan).items
        return [other.obj for other in await self.plans() if other.items & mine]

    async def of_vault(self, vault: str) -> tuple[IndexedPlan, ...]:
        return tuple(plan for plan in await self.plans() if plan.vault == vault)
