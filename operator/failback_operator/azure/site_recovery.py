"""The operator's only door to Site Recovery: batched reads into facts, non-blocking starts with job ids."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar, cast
from urllib.parse import quote

import pydantic_core
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
    map_error,
)
from azure.core.pipeline import PipelineResponse
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.mgmt.recoveryservicessiterecovery import models
from azure.mgmt.recoveryservicessiterecovery.aio import SiteRecoveryManagementClient

from failback_operator.azure.client import API_VERSION, build_credential, build_management_client
from failback_operator.azure.config import ClientSecret, VaultConfig, WorkloadIdentity
from failback_operator.azure.errors import OperationOutcomeUnknown, parse_retry_after, site_recovery_error
from failback_operator.azure.fabric_name import configuration_server_fabric
from failback_operator.azure.inputs import (
    ClassicRecoveryPoint,
    ModernizedRecoveryPoint,
    classic_failback_input,
    classic_group_failback_input,
    modernized_failback_input,
    modernized_group_failback_input,
    reprotect_input,
    reprotect_to_azure_input,
)
from failback_operator.azure.item_json import protected_item_from_json
from failback_operator.azure.job_lookup import jobs_acting_on
from failback_operator.azure.list_entries import KnownEntries, list_request, next_page_request
from failback_operator.azure.operation_url import job_id_from_headers
from failback_operator.azure.parse import (
    configuration_server_from_fabric,
    failback_policy_from_policy,
    job_from_sdk,
    protected_item_from_sdk,
    vcenter_from_sdk,
)
from failback_operator.azure.read_budget import ReadBudget
from failback_operator.azure.recovery_plan import RecoveryPlan, recovery_plan_from_sdk
from failback_operator.azure.refresh_provider import configuration_server_provider
from failback_operator.azure.retry import ReadOnlyRetryPolicy
from failback_operator.facts.asr import (
    FAILBACK_POLICY_PROVIDERS,
    ConfigurationServer,
    DiscoveredVCenter,
    FailbackPolicy,
    Job,
    ProtectedItem,
    VaultFacts,
)
from failback_operator.facts.reprotect import ReprotectToAzureValues, ReprotectValues
from failback_operator.facts.spec import RecoveryPointType
from failback_operator.metrics import METRICS

__all__ = ["ItemRef", "KnownLists", "SiteRecovery", "StartedOperation", "item_ref"]

T = TypeVar("T")
R = TypeVar("R")

# The recovery points only the modernized (InMageRcmFailback) provider takes.
_MODERNIZED_POINTS = frozenset({RecoveryPointType.APPLICATION_CONSISTENT, RecoveryPointType.CRASH_CONSISTENT})

# How the SDK's list operations map an error status to azure-core's exceptions.
_LIST_ERRORS: dict[int, type[HttpResponseError]] = {
    401: ClientAuthenticationError,
    404: ResourceNotFoundError,
    409: ResourceExistsError,
    304: ResourceNotModifiedError,
}

_ITEM_ID = re.compile(
    r"/replicationFabrics/(?P<fabric>[^/]+)/replicationProtectionContainers/(?P<container>[^/]+)"
    r"/replicationProtectedItems/(?P<item>[^/?]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ItemRef:
    """Where a replication protected item lives: fabric, protection container, item name."""

    fabric: str
    container: str
    item: str


def item_ref(item: ProtectedItem | ItemRef | str) -> ItemRef:
    """The path parts of a protected item from its ARM id (as listed by Site Recovery)."""
    if isinstance(item, ItemRef):
        return item
    arm_id = item if isinstance(item, str) else item.id or ""
    match = _ITEM_ID.search(arm_id)
    if match is None:
        raise ValueError(f"not a replication protected item id: {arm_id!r}")
    return ItemRef(fabric=match["fabric"], container=match["container"], item=match["item"])


def _item_entry(entry: Mapping[str, Any]) -> ProtectedItem:
    return protected_item_from_json(entry)


def _job_entry(entry: Mapping[str, Any]) -> Job:
    return job_from_sdk(models.Job(entry))


@dataclass(frozen=True, slots=True)
class KnownLists:
    """The facts of a vault's items and jobs lists as last read, shared by every client of the vault."""

    items: KnownEntries[ProtectedItem] = field(default_factory=lambda: KnownEntries(_item_entry))
    jobs: KnownEntries[Job] = field(default_factory=lambda: KnownEntries(_job_entry))


@dataclass(frozen=True, slots=True)
class StartedOperation:
    """A long-running operation Site Recovery accepted: record `job_id` before anything else."""

    operation: str
    job_id: str
    operation_url: str
    retry_after: float | None = None


class SiteRecovery:
    """One vault's Site Recovery, through the SDK client only.

    Reads retry on their own (ReadOnlyRetryPolicy); every mutating call is sent exactly once and
    returns as soon as Site Recovery has answered 202, without waiting in the SDK poller.
    """

    def __init__(
        self,
        config: VaultConfig,
        client: SiteRecoveryManagementClient,
        *,
        credential: AsyncTokenCredential | None = None,
        secrets: Iterable[str] = (),
        known: KnownLists | None = None,
    ) -> None:
        self.config = config
        self._client = client
        self._credential = credential
        self._secrets = tuple(s for s in secrets if s)
        self._fabric: str | None = None
        # Facts of list entries read before: an entry listed again unchanged is not parsed again.
        self.known = known or KnownLists()

    @classmethod
    def connect(
        cls,
        config: VaultConfig,
        identity: ClientSecret | WorkloadIdentity,
        *,
        retry_policy: ReadOnlyRetryPolicy | None = None,
        read_budget: ReadBudget | None = None,
    ) -> SiteRecovery:
        """Build the credential and client for a vault (no network call until the first request).

        `read_budget`: the reads per second and at once its GETs may take (`azure/read_budget.py`).
        """
        credential = build_credential(config, identity)
        secrets = (identity.client_secret.get_secret_value(),) if isinstance(identity, ClientSecret) else ()
        client = build_management_client(
            config, credential, retry_policy=retry_policy, read_budget=read_budget
        )
        return cls(config, client, credential=credential, secrets=secrets)

    def __repr__(self) -> str:
        return f"SiteRecovery(vault={self.config.vault!r}, endpoint={self.config.endpoint!r})"

    async def close(self) -> None:
        """Close the client's and the credential's connections."""
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- reads ---------------------------------------------------------------------------------

    @property
    def _vault(self) -> tuple[str, str]:
        return self.config.resource_group, self.config.vault

    async def _read(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            found = await call()
        except AzureError as error:
            failure = site_recovery_error(error, operation=operation, mutating=False, secrets=self._secrets)
            METRICS.site_recovery_call(operation, _outcome(failure))
            raise failure from error
        METRICS.site_recovery_call(operation, "ok")
        return found

    async def _read_all(self, operation: str, pages: Callable[[], AsyncIterable[T]]) -> list[T]:
        async def collect() -> list[T]:
            return [entry async for entry in pages()]

        return await self._read(operation, collect)

    async def _read_each(
        self, operation: str, pages: Callable[[], AsyncIterable[T]], convert: Callable[[T], R]
    ) -> list[R]:
        """Every entry of a paged list, each turned into a fact as it comes: a list of thousands of
        jobs never holds more than one page of the SDK's models (each keeps its whole answer)."""

        async def collect() -> list[R]:
            return [convert(entry) async for entry in pages()]

        return await self._read(operation, collect)

    async def _read_entries(
        self, operation: str, path: str, known: KnownEntries[R], params: Mapping[str, str] | None = None
    ) -> list[R]:
        """Every entry of a paged list under the vault, as JSON turned into facts page by page; an
        entry unchanged since an earlier read is the fact kept from it (`KnownEntries`)."""
        resource_group, vault = (quote(part, safe="") for part in self._vault)
        vault_path = (
            f"/subscriptions/{quote(self.config.subscription_id, safe='')}/resourceGroups/{resource_group}"
            f"/providers/Microsoft.RecoveryServices/vaults/{vault}/{path}"
        )

        async def collect() -> list[R]:
            reading = known.reading()
            found: list[R] = []
            request = list_request(vault_path, API_VERSION, params)
            while True:
                response = await self._client.send_request(request)
                if response.status_code != 200:
                    map_error(status_code=response.status_code, response=response, error_map=_LIST_ERRORS)
                    raise HttpResponseError(response=response, error_format=ARMErrorFormat)
                # pydantic-core's parser: a page of a hundred items is about 0.6 MB of JSON, parsed
                # in half the time of the standard library's (with its text decoding first).
                page = pydantic_core.from_json(response.content)
                found.extend(reading.fact(entry) for entry in page.get("value") or ())
                next_link = page.get("nextLink")
                if not next_link:
                    break
                request = next_page_request(next_link, API_VERSION)
            reading.done()
            return found

        return await self._read(operation, collect)

    async def configuration_server_fabric(self) -> str:
        """The ARM name of the configuration server's fabric, from its ARM or friendly name in spec.

        One list of the vault's fabrics, kept for this client's life: a fabric's name never changes.
        """
        if self._fabric is None:
            fabrics = await self._read_all(
                "list fabrics", lambda: self._client.replication_fabrics.list(*self._vault)
            )
            self._fabric = configuration_server_fabric(fabrics, self.config.fabric, vault=self.config.vault)
        return self._fabric

    async def vcenters(self) -> tuple[DiscoveredVCenter, ...]:
        """vCenters the configuration server discovers."""
        fabric = await self.configuration_server_fabric()
        found = await self._read_each(
            "list vCenters",
            lambda: self._client.replicationv_centers.list_by_replication_fabrics(*self._vault, fabric),
            vcenter_from_sdk,
        )
        return tuple(found)

    async def configuration_server(self, *, with_vcenters: bool = True) -> ConfigurationServer:
        """The configuration server fabric: heartbeat, process servers, master targets, run-as accounts."""
        name = await self.configuration_server_fabric()
        fabric = await self._read(
            "get configuration server", lambda: self._client.replication_fabrics.get(*self._vault, name)
        )
        vcenters = await self.vcenters() if with_vcenters else ()
        return configuration_server_from_fabric(fabric, vcenters)

    async def replication_policies(self) -> tuple[FailbackPolicy, ...]:
        """Every replication policy of the vault, with the configuration servers mapped to it."""
        policies = await self._read_all(
            "list policies", lambda: self._client.replication_policies.list(*self._vault)
        )
        mappings = await self._read_all(
            "list protection container mappings",
            lambda: self._client.replication_protection_container_mappings.list(*self._vault),
        )
        return tuple(failback_policy_from_policy(p, mappings) for p in policies)

    async def failback_policies(self) -> tuple[FailbackPolicy, ...]:
        """Policies that replicate Azure -> on-premises, with the configuration servers mapped to them."""
        return tuple(p for p in await self.replication_policies() if p.provider in FAILBACK_POLICY_PROVIDERS)

    async def protected_items(self) -> tuple[ProtectedItem, ...]:
        """Every protected item of the vault in ONE paged list, whatever their number."""
        found = await self._read_entries(
            "list protected items", "replicationProtectedItems", self.known.items
        )
        return tuple(found)

    async def protected_item(self, item: ProtectedItem | ItemRef | str) -> ProtectedItem:
        """One item, for a single look before a mutating call (never in the poll loop)."""
        ref = item_ref(item)
        found = await self._read(
            "get protected item",
            lambda: self._client.replication_protected_items.get(
                *self._vault, ref.fabric, ref.container, ref.item
            ),
        )
        return protected_item_from_sdk(found)

    async def recovery_plans(self) -> tuple[RecoveryPlan, ...]:
        """The vault's recovery plans and the items each one holds."""
        found = await self._read_each(
            "list recovery plans",
            lambda: self._client.replication_recovery_plans.list(*self._vault),
            recovery_plan_from_sdk,
        )
        return tuple(found)

    async def recent_jobs(self, since: datetime) -> tuple[Job, ...]:
        """Jobs started since `since` in ONE paged list (filtered again here in case the service does not)."""
        start = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        query = f"StartTime eq '{start.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        jobs = await self._read_entries("list jobs", "replicationJobs", self.known.jobs, {"$filter": query})
        return tuple(j for j in jobs if j.start is None or j.start >= start)

    async def job(self, job_id: str) -> Job:
        """One job by name, with its tasks and errors (a list entry has neither).

        A recovery-plan operation's tracking id answers first with a placeholder, then with the real
        job under another name: the returned job's `id` is the name Site Recovery answered with.
        """
        found = await self._read("get job", lambda: self._client.replication_jobs.get(*self._vault, job_id))
        return job_from_sdk(found, detailed=True)

    async def jobs_for(
        self,
        *,
        since: datetime,
        names: Iterable[str] = (),
        ids: Iterable[str] = (),
        scenarios: Iterable[str] = (),
        clock_skew: timedelta = timedelta(minutes=2),
    ) -> tuple[Job, ...]:
        """Jobs acting on an item or plan since an intent was recorded, newest first (adopt, not re-POST)."""
        # Site Recovery stamps jobs with its own clock: look a little earlier than the intent.
        earliest = since - clock_skew
        return jobs_acting_on(
            await self.recent_jobs(earliest), names=names, ids=ids, since=earliest, scenarios=scenarios
        )

    async def poll(self, since: datetime, *, observed_at: datetime | None = None) -> VaultFacts:
        """One poll of the vault: one list of protected items and one list of recent jobs."""
        items = await self.protected_items()
        jobs = await self.recent_jobs(since)
        return VaultFacts(observed_at=observed_at, protected_items=items, jobs=jobs)

    # -- mutating calls: sent once, never retried here -------------------------------------------

    async def _start(self, operation: str, begin: Callable[..., Awaitable[Any]]) -> StartedOperation:
        answers: list[PipelineResponse[Any, Any]] = []
        try:
            await begin(polling=False, raw_response_hook=answers.append)
        except AzureError as error:
            failure = site_recovery_error(error, operation=operation, mutating=True, secrets=self._secrets)
            METRICS.site_recovery_call(operation, _outcome(failure))
            raise failure from error
        METRICS.site_recovery_call(operation, "ok" if answers else "unknown")
        if not answers:
            raise OperationOutcomeUnknown("no answer was seen for the request", operation=operation)
        response = answers[-1].http_response
        headers = dict(response.headers)
        # Release the connection; the job id is already in hand, so a body we cannot drain changes nothing.
        with contextlib.suppress(Exception):
            await response.read()
        found = job_id_from_headers(headers)
        if found is None:
            raise OperationOutcomeUnknown(
                f"Site Recovery answered {response.status_code} without an operation URL naming a job",
                operation=operation,
                status=response.status_code,
            )
        job_id, url = found
        retry_after = parse_retry_after(headers, default=-1.0)
        return StartedOperation(
            operation=operation,
            job_id=job_id,
            operation_url=url,
            retry_after=None if retry_after < 0 else retry_after,
        )

    async def start_reprotect(
        self, item: ProtectedItem | ItemRef | str, body: models.ReverseReplicationInput
    ) -> StartedOperation:
        """Reprotect one item (classic InMage or modernized InMageRcm input from inputs.py)."""
        ref = item_ref(item)
        ops = self._client.replication_protected_items
        return await self._start(
            "reprotect",
            lambda **kw: ops.begin_reprotect(*self._vault, ref.fabric, ref.container, ref.item, body, **kw),
        )

    async def start_unplanned_failover(
        self, item: ProtectedItem | ItemRef | str, body: models.UnplannedFailoverInput
    ) -> StartedOperation:
        """Classic failback of one item (unplanned failover with source-site operations)."""
        ref = item_ref(item)
        ops = self._client.replication_protected_items
        return await self._start(
            "unplanned failover",
            lambda **kw: ops.begin_unplanned_failover(
                *self._vault, ref.fabric, ref.container, ref.item, body, **kw
            ),
        )

    async def start_planned_failover(
        self, item: ProtectedItem | ItemRef | str, body: models.PlannedFailoverInput
    ) -> StartedOperation:
        """Modernized failback of one item (planned failover)."""
        ref = item_ref(item)
        ops = self._client.replication_protected_items
        return await self._start(
            "planned failover",
            lambda **kw: ops.begin_planned_failover(
                *self._vault, ref.fabric, ref.container, ref.item, body, **kw
            ),
        )

    async def start_commit(self, item: ProtectedItem | ItemRef | str) -> StartedOperation:
        """Commit one item's failover."""
        ref = item_ref(item)
        ops = self._client.replication_protected_items
        return await self._start(
            "commit",
            lambda **kw: ops.begin_failover_commit(*self._vault, ref.fabric, ref.container, ref.item, **kw),
        )

    async def start_cancel(self, item: ProtectedItem | ItemRef | str) -> StartedOperation:
        """Cancel one item's uncommitted (modernized planned) failover."""
        ref = item_ref(item)
        ops = self._client.replication_protected_items
        return await self._start(
            "cancel failover",
            lambda **kw: ops.begin_failover_cancel(*self._vault, ref.fabric, ref.container, ref.item, **kw),
        )

    async def start_plan_unplanned_failover(
        self, plan: str, body: models.RecoveryPlanUnplannedFailoverInput
    ) -> StartedOperation:
        """FB030: classic failback of a replication group through its recovery plan."""
        ops = self._client.replication_recovery_plans
        return await self._start(
            "recovery plan unplanned failover",
            lambda **kw: ops.begin_unplanned_failover(*self._vault, plan, body, **kw),
        )

    async def start_plan_planned_failover(
        self, plan: str, body: models.RecoveryPlanPlannedFailoverInput
    ) -> StartedOperation:
        """FB030: modernized failback of a replication group through its recovery plan."""
        ops = self._client.replication_recovery_plans
        return await self._start(
            "recovery plan planned failover",
            lambda **kw: ops.begin_planned_failover(*self._vault, plan, body, **kw),
        )

    async def start_plan_commit(self, plan: str) -> StartedOperation:
        """Commit a recovery plan's failover."""
        ops = self._client.replication_recovery_plans
        return await self._start(
            "recovery plan commit", lambda **kw: ops.begin_failover_commit(*self._vault, plan, **kw)
        )

    async def start_plan_cancel(self, plan: str) -> StartedOperation:
        """Cancel a recovery plan's uncommitted (modernized planned) failover."""
        ops = self._client.replication_recovery_plans
        return await self._start(
            "recovery plan cancel failover", lambda **kw: ops.begin_failover_cancel(*self._vault, plan, **kw)
        )

    # The entrance in domain terms: a service names the item or group and what the rules resolved;
    # only the adapter turns that into the provider's SDK body (classic InMage or modernized InMageRcm).

    async def reprotect(
        self, item: ProtectedItem | ItemRef | str, values: ReprotectValues
    ) -> StartedOperation:
        """FB029: reprotect one item with the plan's values (incomplete ones raise ValueError, unsent)."""
        return await self.start_reprotect(item, reprotect_input(values))

    async def reprotect_to_azure(
        self, item: ProtectedItem | ItemRef | str, values: ReprotectToAzureValues
    ) -> StartedOperation:
        """After a committed failback, protect one item to Azure again with the recorded body."""
        return await self.start_reprotect(item, reprotect_to_azure_input(values))

    async def fail_back(
        self, item: ProtectedItem | ItemRef | str, point: RecoveryPointType
    ) -> StartedOperation:
        """FB042: fail one item back at the recovery point, whose type names the architecture."""
        if point in _MODERNIZED_POINTS:
            return await self.start_planned_failover(
                item, modernized_failback_input(cast(ModernizedRecoveryPoint, point.value))
            )
        return await self.start_unplanned_failover(
            item, classic_failback_input(cast(ClassicRecoveryPoint, point.value))
        )

    async def fail_back_group(self, plan: str, point: RecoveryPointType) -> StartedOperation:
        """FB030: fail a replication group back through its recovery plan, at one point in time."""
        if point in _MODERNIZED_POINTS:
            return await self.start_plan_planned_failover(
                plan, modernized_group_failback_input(cast(ModernizedRecoveryPoint, point.value))
            )
        return await self.start_plan_unplanned_failover(
            plan, classic_group_failback_input(cast(ClassicRecoveryPoint, point.value))
        )

    async def start_refresh_configuration_server(self) -> StartedOperation:
        """FB022: "Refresh server" on the configuration server, so a new retention volume is listed sooner.

        Lists the fabric's Recovery Services providers (a read, retried as reads are), then starts
        refreshProvider on the configuration server's provider once; the job id comes back at once.
        """
        fabric = await self.configuration_server_fabric()
        providers = await self._read_all(
            "list recovery services providers",
            lambda: self._client.replication_recovery_services_providers.list_by_replication_fabrics(
                *self._vault, fabric
            ),
        )
        provider = configuration_server_provider(providers, fabric)
        name = provider.name or ""
        ops = self._client.replication_recovery_services_providers
        return await self._start(
            "refresh configuration server",
            lambda **kw: ops.begin_refresh_provider(*self._vault, fabric, name, **kw),
        )


def _outcome(error: Exception) -> str:
    """The metric label of a failed call: the kind of error (throttled, transient, refused...)."""
    return type(error).__name__.lower()
