"""The RecoveryVault, VCenter and MasterTarget reconcilers against the real API server, simulator and vcsim.

One vcsim and one Site Recovery simulator (classic Windows scenario, time scale 1 so that
heartbeats keep pace with the operator's clock) serve the module. Each test applies its own
RecoveryVault, VCenter, MasterTarget and Secrets (the user's YAML, from `preflight_setup`) under
fresh names, calls a service's `look` once, and reads the status and Events back from the API
server.

vcsim cannot model two facts (see vcsim_gaps.py): where a test needs every prerequisite to pass,
its master target is read through the same gap-filling reader the preflight tests use; every
other test reads vcsim as it is.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from failback_operator.api.status import MasterTargetStatus
from failback_operator.gathering.sources import SourceResolver
from failback_operator.rules import RuleConfig
from failback_operator.services.master_targets import MasterTargetService
from failback_operator.services.reconciling import ReconcileSettings
from failback_operator.services.vaults import VaultService
from failback_operator.services.vcenters import VCenterService
from failback_operator.sim.asr import AsrSimulator, SimulatorThread
from failback_operator.sim.asr.scenario import RetentionVolume as SimRetentionVolume
from failback_operator.storage.kube import KubeStore
from failback_operator.storage.reservations import DiskSlotLedger
from failback_operator.testenv.controlplane import ControlPlane
from failback_operator.testenv.operator_process import running_operator
from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.vsphere import VCenterEndpoint, VCenterSession, vcenter_session
from tests.support.asr_sim import scenario
from tests.support.preflight_setup import Setup, classic_setup, modernized_setup
from tests.support.real_parts import require_vcsim
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VCSIM_MODEL, Inventory
from tests.support.vcsim_gaps import _read_with_gaps_filled as read_with_vcsim_gaps_filled

pytestmark = [pytest.mark.controlplane, pytest.mark.vcsim]

DATASTORE = "datastore1"  # the datastore the simulator's master target registers
SETTINGS = ReconcileSettings(
    poll=timedelta(seconds=30), retry=timedelta(seconds=3), read_timeout=timedelta(seconds=20)
)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimServer]:
    require_vcsim()
    with run_vcsim(tmp_path_factory.mktemp("vcsim"), model_args=VCSIM_MODEL) as server:
        yield server


@pytest.fixture(scope="module")
def simulator() -> Iterator[AsrSimulator]:
    # The configuration server discovers the vCenter at the address vcsim listens on.
    with SimulatorThread(scenario("classic-windows", vcenter_host="127.0.0.1"), time_scale=1) as running:
        yield running


@pytest.fixture(scope="module")
def session(vcsim: VcsimServer) -> Iterator[VCenterSession]:
    endpoint = vcsim.endpoint
    with vcenter_session(endpoint) as opened:
        yield opened


@pytest.fixture(scope="module")
def inventory(session: VCenterSession, tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    built = Inventory(session=session, workdir=tmp_path_factory.mktemp("datastores"))
    built.nas_datastore(built.host(MASTER_TARGET_HOST), DATASTORE, "VMFS")
    return built


@pytest.fixture(scope="module")
def store(crds: ControlPlane) -> Iterator[KubeStore]:
    crds.kubectl("create", "namespace", "failback-system", check=False)
    api_client = crds.api_client()
    yield KubeStore(api_client, operator_namespace="failback-system")
    api_client.close()


@pytest.fixture(scope="module")
def sources(store: KubeStore) -> SourceResolver:
    return SourceResolver(store)


def master_target_vm(inventory: Inventory, **options: Any) -> str:
    """A fresh master target VM on the VMFS datastore the simulator's master target registers."""
    name = f"mt-{uuid.uuid4().hex[:6]}"
    inventory.create_vm(name, host=inventory.host(MASTER_TARGET_HOST), datastore=DATASTORE, **options)
    return name


def with_unique_names(built: Setup) -> Setup:
    """The same objects under fresh names (and references), so that each test has its own."""
    suffix = uuid.uuid4().hex[:6]
    renames = {}
    for document in [*built.secrets, built.vault, built.vcenter, built.master_target]:
        old = document["metadata"]["name"]
        renames[old] = f"{old}-{suffix}"
        document["metadata"]["name"] = renames[old]
    built.vault["spec"]["credentials"]["secretRef"]["name"] = renames["vault-sp"]
    built.vcenter["spec"]["credentialsSecretRef"]["name"] = renames["vcenter-login"]
    built.master_target["spec"]["vaultRef"]["name"] = built.vault["metadata"]["name"]
    built.master_target["spec"]["vCenterRef"]["name"] = built.vcenter["metadata"]["name"]
    return built


@pytest.fixture
def setup(simulator: AsrSimulator, vcsim: VcsimServer, inventory: Inventory) -> Setup:
    """The user's objects for the classic scenario, under names of their own."""
    return with_unique_names(classic_setup(simulator, vcsim, master_target_vm=master_target_vm(inventory)))


def apply(crds: ControlPlane, setup: Setup, tmp_path: Path) -> None:
    """`kubectl apply` of the Secrets, the RecoveryVault, the VCenter and the MasterTarget."""
    path = tmp_path / "objects.yaml"
    documents = [*setup.secrets, setup.vault, setup.vcenter, setup.master_target]
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    crds.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(path))


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}


def events_on(crds: ControlPlane, name: str) -> list[client.CoreV1Event]:
    """Events posted on a cluster-scoped object (they live in the default namespace)."""
    api_client = crds.api_client()
    try:
        listed = client.CoreV1Api(api_client).list_namespaced_event(
            "default", field_selector=f"involvedObject.name={name}"
        )
    finally:
        api_client.close()
    return list(listed.items)


def vault_service(store: KubeStore, sources: SourceResolver) -> VaultService:
    return VaultService(store=store, sources=sources, clock=now, settings=SETTINGS)


def vcenter_service(store: KubeStore, sources: SourceResolver) -> VCenterService:
    return VCenterService(store=store, sources=sources, clock=now, settings=SETTINGS)


def master_target_service(
    store: KubeStore, sources: SourceResolver, *, gaps_filled: bool
) -> MasterTargetService:
    service = MasterTargetService(store=store, sources=sources, clock=now, settings=SETTINGS)
    if gaps_filled:
        service.vcenter_reader = read_with_vcsim_gaps_filled
    return service


# --- RecoveryVault ---------------------------------------------------------------------------


async def test_connected_vault(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    apply(crds, setup, tmp_path)
    name = setup.vault["metadata"]["name"]

    delay = await vault_service(store, sources).look(name)

    assert delay == SETTINGS.poll
    vault = await store.get("recoveryvaults", name)
    status = vault["status"]
    assert status["observedGeneration"] == vault["metadata"]["generation"]
    assert status["configurationServer"]["fabricType"] == "VMware"
    assert status["configurationServer"]["version"] == "9.41.0.0"
    heartbeat = datetime.fromisoformat(status["configurationServer"]["lastHeartbeat"])
    assert now() - heartbeat < timedelta(minutes=15)
    assert "V2A-PS-200" in {p["name"] for p in status["processServers"]}
    master_target = next(m for m in status["masterTargets"] if m["name"] == "V2A-PS-200")
    assert [v["name"] for v in master_target["retentionVolumes"]] == ["F"]
    assert DATASTORE in {d["name"] for d in master_target["datastores"]}
    policy = status["failbackPolicy"]
    assert (policy["rpoThresholdMinutes"], policy["recoveryPointRetentionMinutes"]) == (15, 1440)
    assert policy["appConsistentFrequencyMinutes"] == 60
    found = conditions(vault)
    assert (found["Connected"]["status"], found["Ready"]["status"]) == ("True", "True")
    assert events_on(crds, name) == []  # nothing went wrong: nothing to announce


async def test_the_configuration_server_by_its_friendly_name_and_a_wrong_one_named(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    setup.vault["spec"]["configurationServer"] = "PwsTestCS"  # as the portal shows it
    apply(crds, setup, tmp_path)
    name = setup.vault["metadata"]["name"]

    await vault_service(store, sources).look(name)

    vault = await store.get("recoveryvaults", name)
    assert conditions(vault)["Connected"]["status"] == "True"
    assert vault["status"]["configurationServer"]["fabricName"] != "PwsTestCS"  # the ARM name it resolved to

    setup.vault["spec"]["configurationServer"] = "PwsTestCS-old"
    apply(crds, setup, tmp_path)
    delay = await vault_service(store, sources).look(name)

    assert delay == SETTINGS.retry
    connected = conditions(await store.get("recoveryvaults", name))["Connected"]
    assert (connected["status"], connected["reason"]) == ("False", "NotFound")
    assert "configuration server 'PwsTestCS-old' not found" in connected["message"]
    assert "PwsTestCS (" in connected["message"]


async def test_wrong_client_secret_is_named_without_the_secret(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    setup: Setup,
    simulator: AsrSimulator,
    tmp_path: Path,
) -> None:
    wrong = f"not-the-secret-{uuid.uuid4().hex}"
    setup.secrets[0]["stringData"]["clientSecret"] = wrong
    apply(crds, setup, tmp_path)
    name = setup.vault["metadata"]["name"]

    delay = await vault_service(store, sources).look(name)

    assert delay == SETTINGS.retry
    vault = await store.get("recoveryvaults", name)
    connected = conditions(vault)["Connected"]
    assert (connected["status"], connected["reason"]) == ("False", "SignInFailed")
    assert simulator.runtime.scenario.vault.name in connected["message"]
    everything = yaml.safe_dump(vault) + " ".join(e.message for e in events_on(crds, name))
    assert wrong not in everything
    assert simulator.client_secret not in everything
    assert {e.reason for e in events_on(crds, name)} == {"ConnectedFalse", "ReadyFalse"}


async def test_missing_secret_key_is_named(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    setup.secrets[0]["stringData"].pop("clientSecret")
    apply(crds, setup, tmp_path)
    name = setup.vault["metadata"]["name"]

    await vault_service(store, sources).look(name)

    connected = conditions(await store.get("recoveryvaults", name))["Connected"]
    assert (connected["status"], connected["reason"]) == ("False", "CredentialsInvalid")
    assert "key 'clientSecret'" in connected["message"]


async def test_stopped_configuration_server_heartbeat(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    setup: Setup,
    simulator: AsrSimulator,
    tmp_path: Path,
) -> None:
    apply(crds, setup, tmp_path)
    name = setup.vault["metadata"]["name"]
    service = vault_service(store, sources)
    await service.look(name)

    simulator.runtime.set_heartbeat_stopped(True)
    try:
        await service.look(name)
    finally:
        simulator.runtime.set_heartbeat_stopped(False)

    vault = await store.get("recoveryvaults", name)
    found = conditions(vault)
    assert found["Connected"]["status"] == "True"  # the vault answers; its configuration server does not
    assert (found["Ready"]["status"], found["Ready"]["reason"]) == ("False", "Blocked")
    assert "FB004" in found["Ready"]["message"]
    assert "not connected" in found["Ready"]["message"]
    assert [e.reason for e in events_on(crds, name)] == ["ReadyFalse"]


# --- VCenter ---------------------------------------------------------------------------------


async def test_connected_vcenter_and_the_run_as_account_vcsim_cannot_judge(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    setup.vcenter["spec"]["runAsUser"] = "vcenteruser"
    apply(crds, setup, tmp_path)
    name = setup.vcenter["metadata"]["name"]

    await vcenter_service(store, sources).look(name)

    vcenter = await store.get("vcenters", name)
    status = vcenter["status"]
    assert status["version"]
    assert status["apiVersion"]
    assert status["instanceUuid"]
    assert conditions(vcenter)["Connected"]["status"] == "True"
    # vcsim grants every privilege to any user name, so FB005 is reported as not verifiable.
    assert status["privileges"] == {"user": "vcenteruser"}
    ready = conditions(vcenter)["Ready"]
    assert ready["status"] == "False"
    assert "FB005 cannot be checked" in ready["message"]


async def test_wrong_vcenter_password_is_named_without_the_password(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    wrong = f"wrong-{uuid.uuid4().hex}"
    setup.secrets[1]["stringData"]["password"] = wrong
    apply(crds, setup, tmp_path)
    name = setup.vcenter["metadata"]["name"]

    delay = await vcenter_service(store, sources).look(name)

    assert delay == SETTINGS.retry
    vcenter = await store.get("vcenters", name)
    connected = conditions(vcenter)["Connected"]
    assert (connected["status"], connected["reason"]) == ("False", "SignInFailed")
    assert wrong not in yaml.safe_dump(vcenter)


# --- MasterTarget ----------------------------------------------------------------------------


async def test_clean_master_target_meets_its_prerequisites(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    setup: Setup,
    tmp_path: Path,
) -> None:
    setup.vcenter["spec"]["runAsUser"] = "vcenteruser"
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]

    delay = await master_target_service(store, sources, gaps_filled=True).look(name)

    obj = await store.get("mastertargets", name)
    status = MasterTargetStatus.model_validate(obj["status"])
    results = {p.rule_id: p.result.value for p in status.prerequisites or ()}
    assert set(results.values()) == {"Passed"}, results
    assert {"FB002", "FB003", "FB004", "FB005", "FB006", "FB021", "FB024", "FB026", "FB027"} <= set(results)
    found = conditions(obj)
    assert (found["PrerequisitesMet"]["status"], found["Ready"]["status"]) == ("True", "True")
    assert delay == SETTINGS.poll
    assert status.esxi_host == MASTER_TARGET_HOST
    assert status.vmware_tools == "guestToolsRunning"
    assert DATASTORE in {d.name for d in status.datastores or ()}
    assert status.resolved is not None
    assert status.resolved.site_recovery_name == "V2A-PS-200"
    assert status.resolved.retention_drive == "F"
    assert status.disk_slots is not None
    assert (status.disk_slots.capacity, status.disk_slots.used, status.disk_slots.free) == (60, 1, 59)


async def test_snapshot_on_the_master_target_fails_fb006(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    setup: Setup,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    inventory.snapshot(inventory.vm(setup.master_target["spec"]["vm"]["name"]), "nightly-backup")
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]
    service = master_target_service(store, sources, gaps_filled=False)

    await service.look(name)
    await service.look(name)  # a second look with nothing changed announces nothing new

    obj = await store.get("mastertargets", name)
    fb006 = next(p for p in obj["status"]["prerequisites"] if p["ruleId"] == "FB006")
    assert fb006["result"] == "Failed"
    assert "nightly-backup" in fb006["message"]
    met = conditions(obj)["PrerequisitesMet"]
    assert (met["status"], met["reason"]) == ("False", "Blocked")
    assert "FB006" in met["message"]
    announced = [e.message for e in events_on(crds, name) if e.message.startswith("FB006")]
    assert announced == [announced[0]]
    assert announced[0].startswith("FB006 first checked -> Failed")


async def test_disk_enable_uuid_is_set_when_the_master_target_opts_in(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    setup: Setup,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    vm_name = master_target_vm(inventory, enable_uuid=None)
    setup.master_target["spec"]["vm"]["name"] = vm_name
    setup.master_target["spec"]["remediation"] = {"enableDiskUuid": True}
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]

    await master_target_service(store, sources, gaps_filled=False).look(name)

    extra = {o.key: o.value for o in inventory.vm(vm_name).config.extraConfig}
    assert extra.get("disk.EnableUUID") == "TRUE"
    obj = await store.get("mastertargets", name)
    fb024 = next(p for p in obj["status"]["prerequisites"] if p["ruleId"] == "FB024")
    assert fb024["result"] == "Passed"  # the status shows the facts read after the fix
    fixes = [e for e in events_on(crds, name) if e.reason == "DiskUuidEnabled"]
    assert len(fixes) == 1
    assert vm_name in fixes[0].message


async def test_disk_enable_uuid_is_left_alone_without_the_opt_in(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    setup: Setup,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    vm_name = master_target_vm(inventory, enable_uuid=None)
    setup.master_target["spec"]["vm"]["name"] = vm_name
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]

    await master_target_service(store, sources, gaps_filled=False).look(name)

    assert "disk.EnableUUID" not in {o.key for o in inventory.vm(vm_name).config.extraConfig}
    obj = await store.get("mastertargets", name)
    fb024 = next(p for p in obj["status"]["prerequisites"] if p["ruleId"] == "FB024")
    assert fb024["result"] == "Failed"
    assert "Remedy: power the master target off" in fb024["message"]
    assert "set spec.remediation.enableDiskUuid to let the operator do it" in fb024["message"]


async def test_a_failing_fix_is_announced_once_and_never_shows_the_password(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    setup: Setup,
    inventory: Inventory,
    vcsim: VcsimServer,
    tmp_path: Path,
) -> None:
    vm_name = master_target_vm(inventory, enable_uuid=None)
    setup.master_target["spec"]["vm"]["name"] = vm_name
    setup.master_target["spec"]["remediation"] = {"enableDiskUuid": True}
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]
    attempts: list[str] = []

    def refused(endpoint: VCenterEndpoint, moref: str) -> None:
        attempts.append(moref)
        raise RuntimeError(f"NoPermission for {endpoint.user} with {endpoint.password}")

    service = master_target_service(store, sources, gaps_filled=False)
    service.fix_disk_uuid = refused
    await service.look(name)
    await service.look(name)

    assert len(attempts) == 2  # tried on each look while FB024 fails
    failures = [e for e in events_on(crds, name) if e.reason == "DiskUuidRemediationFailed"]
    assert len(failures) == 1
    assert "NoPermission" in failures[0].message
    assert vcsim.password not in failures[0].message
    fb024 = next(
        p
        for p in (await store.get("mastertargets", name))["status"]["prerequisites"]
        if p["ruleId"] == "FB024"
    )
    assert fb024["result"] == "Failed"


# --- FB022: a retention drive not listed yet ------------------------------------------------

REFRESH = "ReplicationRecoveryServicesProviders_RefreshProvider"


@pytest.fixture
def refresh_simulator() -> Iterator[AsrSimulator]:
    """A simulator of its own: these tests move its clock, which the module's shared one must not."""
    with SimulatorThread(scenario("classic-windows", vcenter_host="127.0.0.1"), time_scale=1) as running:
        yield running


def retention_waiting_setup(simulator: AsrSimulator, vcsim: VcsimServer, inventory: Inventory) -> Setup:
    built = with_unique_names(classic_setup(simulator, vcsim, master_target_vm=master_target_vm(inventory)))
    built.vcenter["spec"]["runAsUser"] = "vcenteruser"
    built.master_target["spec"]["retentionDrive"] = "G:"  # the scenario's master target offers only F
    return built


async def waiting_master_target(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    simulator: AsrSimulator,
    vcsim: VcsimServer,
    inventory: Inventory,
    tmp_path: Path,
) -> tuple[str, MasterTargetService]:
    """A fresh MasterTarget wanting drive G on the refresh simulator, applied, with a service to look."""
    setup = retention_waiting_setup(simulator, vcsim, inventory)
    apply(crds, setup, tmp_path)
    return setup.master_target["metadata"]["name"], master_target_service(store, sources, gaps_filled=True)


def prerequisite(obj: dict[str, Any], rule: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in obj["status"]["prerequisites"] if p["ruleId"] == rule)
    return found


async def test_a_new_retention_drive_is_refreshed_for_once_and_waited_for_until_listed(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    refresh_simulator: AsrSimulator,
    vcsim: VcsimServer,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    name, service = await waiting_master_target(
        crds, store, sources, refresh_simulator, vcsim, inventory, tmp_path
    )
    service.settings = ReconcileSettings(
        poll=timedelta(minutes=5), retry=SETTINGS.retry, read_timeout=SETTINGS.read_timeout
    )
    runtime = refresh_simulator.runtime

    delay = await service.look(name)

    obj = await store.get("mastertargets", name)
    fb021 = prerequisite(obj, "FB021")
    assert fb021["result"] == "Waiting", fb021
    assert "does not offer retention drive G:" in fb021["message"]
    assert "FB022" in fb021["message"]
    (wait,) = obj["status"]["retentionWaits"]
    assert wait["drive"] == "G"
    assert wait["refreshJob"]
    assert runtime.log.count(REFRESH) == 1
    job = runtime.state.job(wait["refreshJob"])
    assert job is not None
    assert job.scenario_name == "RefreshServer"
    found = conditions(obj)
    assert (found["PrerequisitesMet"]["status"], found["PrerequisitesMet"]["reason"]) == ("False", "Waiting")
    assert found["Ready"]["reason"] == "Waiting"
    assert delay <= service.rules.retention_volume_poll < service.settings.poll  # FB022: looked at soon
    refreshed_events = [e for e in events_on(crds, name) if e.reason == "ConfigurationServerRefreshed"]
    assert len(refreshed_events) == 1
    assert wait["refreshJob"] in refreshed_events[0].message

    # The disk is added to the master target after the refresh started; the refresh's job still sees it.
    runtime.add_retention_volume("V2A-PS-200", SimRetentionVolume(name="G", capacity_gib=20, free_gib=19))
    await service.look(name)
    obj = await store.get("mastertargets", name)
    assert prerequisite(obj, "FB021")["result"] == "Waiting"  # not listed before the job ends
    assert runtime.log.count(REFRESH) == 1  # one refresh per wait, not one per look

    runtime.advance(3)  # the refresh job (2 simulated minutes) ends
    await service.look(name)

    obj = await store.get("mastertargets", name)
    fb021 = prerequisite(obj, "FB021")
    assert fb021["result"] == "Passed", fb021
    assert "retentionWaits" not in obj["status"]
    assert obj["status"]["resolved"]["retentionDrive"] == "G"
    assert conditions(obj)["Ready"]["status"] == "True"
    assert runtime.log.count(REFRESH) == 1


async def test_a_refresh_already_running_counts_for_a_second_master_target(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    refresh_simulator: AsrSimulator,
    vcsim: VcsimServer,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    """Two MasterTargets wait on one configuration server: Site Recovery refuses the second refresh (409)."""
    first = retention_waiting_setup(refresh_simulator, vcsim, inventory)
    second = retention_waiting_setup(refresh_simulator, vcsim, inventory)
    apply(crds, first, tmp_path)
    apply(crds, second, tmp_path)
    service = master_target_service(store, sources, gaps_filled=True)

    await service.look(first.master_target["metadata"]["name"])
    name = second.master_target["metadata"]["name"]
    await service.look(name)

    runtime = refresh_simulator.runtime
    refused = [r for r in runtime.log.records() if r["operation"] == REFRESH and r["status"] == 409]
    assert len(refused) == 1, runtime.log.records()
    obj = await store.get("mastertargets", name)
    (wait,) = obj["status"]["retentionWaits"]
    assert wait["refreshedAt"]  # the running refresh counts: no second one on the next look
    assert "refreshJob" not in wait
    assert prerequisite(obj, "FB021")["result"] == "Waiting"
    reasons = {e.reason for e in events_on(crds, name)}
    assert "ConfigurationServerRefreshRunning" in reasons
    assert "ConfigurationServerRefreshFailed" not in reasons
    await service.look(name)
    assert runtime.log.count(REFRESH) == 2


async def test_a_retention_drive_still_missing_after_the_wait_fails_fb021(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    refresh_simulator: AsrSimulator,
    vcsim: VcsimServer,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    name, service = await waiting_master_target(
        crds, store, sources, refresh_simulator, vcsim, inventory, tmp_path
    )
    service.rules = RuleConfig(
        retention_volume_wait=timedelta(seconds=2), retention_volume_poll=timedelta(seconds=1)
    )

    await service.look(name)
    assert prerequisite(await store.get("mastertargets", name), "FB021")["result"] == "Waiting"
    await asyncio.sleep(2.2)
    await service.look(name)

    obj = await store.get("mastertargets", name)
    fb021 = prerequisite(obj, "FB021")
    assert fb021["result"] == "Failed", fb021
    assert "still not offered 2 s after it was first missed" in fb021["message"]
    assert "configuration server refresh asked at" in fb021["message"]
    assert conditions(obj)["PrerequisitesMet"]["reason"] == "Blocked"
    assert refresh_simulator.runtime.log.count(REFRESH) == 1  # the wait ran out without a second refresh
    warnings = [e for e in events_on(crds, name) if e.reason == "PrerequisiteFailed"]
    assert any("FB021 Waiting -> Failed" in e.message for e in warnings)


async def test_a_refresh_that_fails_is_announced_once_and_asked_again_after_the_interval(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    refresh_simulator: AsrSimulator,
    vcsim: VcsimServer,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    name, service = await waiting_master_target(
        crds, store, sources, refresh_simulator, vcsim, inventory, tmp_path
    )
    service.rules = RuleConfig(retention_volume_refresh_interval=timedelta(seconds=1))
    secret = refresh_simulator.client_secret
    attempts: list[str] = []

    async def refused(site_recovery: Any) -> str:
        attempts.append(site_recovery.config.vault)
        raise RuntimeError(f"refresh refused for secret {secret}")

    service.refresh = refused
    await service.look(name)
    await service.look(name)

    # Written down as asked before it was sent: not sent again on the next look, whatever happened.
    assert len(attempts) == 1
    obj = await store.get("mastertargets", name)
    (wait,) = obj["status"]["retentionWaits"]
    assert wait["refreshedAt"]
    assert "refreshJob" not in wait
    assert prerequisite(obj, "FB021")["result"] == "Waiting"

    await asyncio.sleep(1.1)
    await service.look(name)

    assert len(attempts) == 2  # asked again once the refresh interval has passed
    failures = [e for e in events_on(crds, name) if e.reason == "ConfigurationServerRefreshFailed"]
    assert len(failures) == 1  # the same failure is announced once
    assert secret not in failures[0].message
    assert "refresh refused" in failures[0].message
    assert "asking again in 1 s" in failures[0].message


@pytest.fixture(scope="module")
def modernized_simulator() -> Iterator[AsrSimulator]:
    with SimulatorThread(scenario("modernized", vcenter_host="127.0.0.1"), time_scale=1) as running:
        yield running


async def test_modernized_appliance_in_the_master_target_role(
    crds: ControlPlane,
    store: KubeStore,
    sources: SourceResolver,
    modernized_simulator: AsrSimulator,
    vcsim: VcsimServer,
    inventory: Inventory,
    tmp_path: Path,
) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.nas_datastore(host, "SharedDS-84-85", "VMFS")
    vm_name = f"rcm-{uuid.uuid4().hex[:6]}"
    inventory.create_vm(vm_name, host=host, datastore="SharedDS-84-85")
    setup = with_unique_names(modernized_setup(modernized_simulator, vcsim, master_target_vm=vm_name))
    setup.vcenter["spec"]["runAsUser"] = "vcenteruser"
    apply(crds, setup, tmp_path)

    await vault_service(store, sources).look(setup.vault["metadata"]["name"])
    await master_target_service(store, sources, gaps_filled=True).look(
        setup.master_target["metadata"]["name"]
    )

    vault = await store.get("recoveryvaults", setup.vault["metadata"]["name"])
    assert vault["status"]["configurationServer"]["fabricType"] == "InMageRcm"
    assert conditions(vault)["Ready"]["status"] == "True", conditions(vault)["Ready"]
    assert "Rcm-App-150" in {m.get("name") for m in vault["status"]["masterTargets"]}
    obj = await store.get("mastertargets", setup.master_target["metadata"]["name"])
    results = {p["ruleId"]: p["result"] for p in obj["status"]["prerequisites"]}
    assert set(results.values()) == {"Passed"}, obj["status"]["prerequisites"]
    assert {"FB002", "FB003", "FB004", "FB006", "FB024", "FB027"} <= set(results)
    assert "FB021" not in results  # the retention volume is a classic master target's
    assert conditions(obj)["PrerequisitesMet"]["status"] == "True"


class LedgerWritesFirst(KubeStore):
    """A store whose first MasterTarget status write loses the race to a plan reserving disk slots."""

    def __init__(self, inner: KubeStore, ledger_write: Any) -> None:
        self.__dict__.update(inner.__dict__)
        self._ledger_write = ledger_write
        self.raced = False

    async def replace_status(self, obj: Any, status: Any) -> dict[str, Any]:
        if not self.raced and obj["kind"] == "MasterTarget":
            self.raced = True
            await self._ledger_write()  # lands between the reconciler's read and its write
        return await super().replace_status(obj, status)


async def test_disk_slot_reservations_survive_a_reconciler_write(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]
    ledger = DiskSlotLedger(store, now)
    await master_target_service(store, sources, gaps_filled=False).look(name)
    await ledger.reserve(name, "team-apps", "earlier-plan", "run-1", [("V2A-W2K16-201-new", 3)])

    racing = LedgerWritesFirst(
        store, lambda: ledger.reserve(name, "team-apps", "racing-plan", "run-7", [("V2A-W2K19-202-new", 2)])
    )
    service = MasterTargetService(store=racing, sources=sources, clock=now, settings=SETTINGS)
    await service.look(name)

    assert racing.raced
    status = MasterTargetStatus.model_validate((await store.get("mastertargets", name))["status"])
    slots = status.disk_slots
    assert slots is not None
    assert [(r.name, r.run, r.disks) for r in slots.reservations or ()] == [
        ("earlier-plan", "run-1", 3),
        ("racing-plan", "run-7", 2),
    ]
    assert (slots.used, slots.reserved, slots.free) == (1, 5, 54)
    # The reconciler's own write went through after the ledger's: its prerequisites are there.
    assert status.prerequisites
    fb027 = next(p for p in status.prerequisites if p.rule_id == "FB027")
    assert fb027.message is not None
    assert "1 used + 5 reserved" in fb027.message


async def test_a_master_target_vm_that_does_not_exist_is_named(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    setup.master_target["spec"]["vm"]["name"] = "no-such-master-target"
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]

    await master_target_service(store, sources, gaps_filled=False).look(name)

    met = conditions(await store.get("mastertargets", name))["PrerequisitesMet"]
    assert (met["status"], met["reason"]) == ("False", "NotFound")
    assert "has no VM with name 'no-such-master-target'" in met["message"]


async def test_unreachable_vcenter_is_a_condition_not_a_crash(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    setup.vcenter["spec"]["port"] = 9  # discard: nothing listens there
    apply(crds, setup, tmp_path)
    name = setup.master_target["metadata"]["name"]

    delay = await master_target_service(store, sources, gaps_filled=False).look(name)

    assert delay == SETTINGS.retry
    obj = await store.get("mastertargets", name)
    met = conditions(obj)["PrerequisitesMet"]
    assert (met["status"], met["reason"]) == ("Unknown", "NotChecked")
    assert "127.0.0.1:9" in met["message"]
    results = {p["ruleId"]: p["result"] for p in obj["status"]["prerequisites"]}
    assert results["FB006"] == "Unknown"
    assert results["FB004"] == "Passed"  # Site Recovery was still read
    assert conditions(obj)["Ready"]["status"] == "False"


# --- the operator process --------------------------------------------------------------------


async def test_running_operator_keeps_statuses_current_without_changes(
    crds: ControlPlane,
    store: KubeStore,
    setup: Setup,
    simulator: AsrSimulator,
    tmp_path: Path,
) -> None:
    """The daemons look again on their own: a heartbeat that stops shows without any object changing."""
    apply(crds, setup, tmp_path)
    vault_name = setup.vault["metadata"]["name"]
    master_target_name = setup.master_target["metadata"]["name"]
    environment = {
        "FAILBACK_OPERATOR_NAMESPACE": "failback-system",
        "FAILBACK_RECONCILE_POLL_SECONDS": "1",
        "FAILBACK_RECONCILE_RETRY_SECONDS": "1",
        "FAILBACK_READ_TIMEOUT_SECONDS": "20",
        # The configuration server's health is read with the vault's configuration, shared for a
        # minute by default; this test's 30-second waits want it read afresh each second.
        "FAILBACK_VAULT_CONFIGURATION_SECONDS": "1",
    }

    async def wait_for(plural: str, name: str, test: Any) -> dict[str, Any]:
        for _ in range(120):
            obj = await store.get(plural, name)
            if test(obj):
                return obj
            await asyncio.sleep(0.25)
        raise AssertionError(f"{plural} {name} never got there: {obj.get('status')}\n{operator.log_tail()}")

    with running_operator(crds.kubeconfig, tmp_path / "operator.log", environment) as operator:
        vault = await wait_for(
            "recoveryvaults", vault_name, lambda o: conditions(o).get("Ready", {}).get("status") == "True"
        )
        assert conditions(vault)["Connected"]["status"] == "True"
        vcenter = await wait_for(
            "vcenters", setup.vcenter["metadata"]["name"], lambda o: "Connected" in conditions(o)
        )
        assert conditions(vcenter)["Connected"]["status"] == "True"
        master_target = await wait_for(
            "mastertargets", master_target_name, lambda o: "prerequisites" in o.get("status", {})
        )
        assert {p["ruleId"] for p in master_target["status"]["prerequisites"]} >= {"FB004", "FB006", "FB024"}
        assert "PrerequisitesMet" in conditions(master_target)

        simulator.runtime.set_heartbeat_stopped(True)
        try:
            vault = await wait_for(
                "recoveryvaults", vault_name, lambda o: conditions(o)["Ready"]["status"] == "False"
            )
        finally:
            simulator.runtime.set_heartbeat_stopped(False)
        assert "FB004" in conditions(vault)["Ready"]["message"]
        await wait_for("recoveryvaults", vault_name, lambda o: conditions(o)["Ready"]["status"] == "True")

        # Deleting stops the daemon and is not held up by its finalizer.
        crds.kubectl("delete", "vcenter", setup.vcenter["metadata"]["name"], "--wait=true", "--timeout=20s")
        assert crds.kubectl("get", "vcenter", setup.vcenter["metadata"]["name"], check=False).returncode != 0


class CountingWrites(KubeStore):
    """The store, counting the status writes it is asked for."""

    def __init__(self, inner: KubeStore) -> None:
        self.__dict__.update(inner.__dict__)
        self.writes: list[str] = []

    async def replace_status(self, obj: Any, status: Any) -> dict[str, Any]:
        self.writes.append(obj["kind"])
        return await super().replace_status(obj, status)


async def test_a_look_that_finds_nothing_new_writes_nothing(
    crds: ControlPlane, store: KubeStore, sources: SourceResolver, setup: Setup, tmp_path: Path
) -> None:
    """A master target looks at each of its plans' starts: an unchanged status is not written again.

    (A RecoveryVault's status carries its servers' heartbeats, new at every look.)
    """
    apply(crds, setup, tmp_path)
    counting = CountingWrites(store)
    services = {
        "VCenter": (VCenterService(store=counting, sources=sources, clock=now, settings=SETTINGS), "vcenter"),
        "MasterTarget": (
            MasterTargetService(store=counting, sources=sources, clock=now, settings=SETTINGS),
            "master_target",
        ),
    }
    for kind, (service, document) in services.items():
        name = getattr(setup, document)["metadata"]["name"]
        await service.look(name)
        written = await store.get(PLURALS[kind], name)
        await service.look(name)
        assert counting.writes.count(kind) == 1, kind
        again = await store.get(PLURALS[kind], name)
        assert again["status"] == written["status"]
        assert again["metadata"]["resourceVersion"] == written["metadata"]["resourceVersion"]


PLURALS = {"VCenter": "vcenters", "MasterTarget": "mastertargets"}
