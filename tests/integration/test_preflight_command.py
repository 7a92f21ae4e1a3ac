"""`failback-operator preflight` as a user runs it: a subprocess against the real simulator and vcsim.

One vcsim and one Site Recovery simulator serve the whole module. Each test builds its own master
target VM in vcsim (or changes the Site Recovery side and restores it), writes the YAML a user
would apply, and runs the command. The clean setup reports nothing blocking (exit 0); each broken
setup is reported under its rule ID (exit 1) and, on the vCenter side, nothing else newly blocks;
unusable input exits 2 naming the file, the document and the field.

vcsim cannot model two facts (see vcsim_gaps.py): the mounts of datastores it makes VMFS and the
run-as account's real privileges. The command runs through a shim that supplies exactly those,
and `test_vcsim_gaps_are_refused_as_unknown` runs it without the shim to show that the command
itself refuses both unknowns.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from failback_operator.sim.asr import AsrSimulator, SimulatorThread, load_scenario
from failback_operator.sim.asr.scenario import Scenario
from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.vsphere import VCenterSession, vcenter_session
from tests.support.asr_sim import EXAMPLES, scenario
from tests.support.preflight_setup import Outcome, Setup, classic_setup, modernized_setup, run_preflight
from tests.support.real_parts import require_vcsim
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VCSIM_MODEL, Inventory

pytestmark = pytest.mark.vcsim

MASTER_TARGET = "V2A-PS-200"
DATASTORE = "datastore1"  # the name the simulator's master target registers
LINUX_ITEM = "V2A-RHEL8-301-new"
RUN_AS = ("--run-as-user", "vcenteruser")


def module_scenario() -> Scenario:
    """Classic Windows, the master target on the items' newest OS, a Linux item in its own group,
    and the vCenter discovered at the address vcsim listens on."""
    base = scenario("classic-windows", vcenter_host="127.0.0.1")
    master_targets = [
        mt.model_copy(update={"os_version": "Microsoft Windows Server 2019 Datacenter"})
        if mt.name == MASTER_TARGET
        else mt
        for mt in base.master_targets
    ]
    linux = load_scenario(EXAMPLES / "classic-linux.yaml").items[0]
    linux = linux.model_copy(update={"replication_group": "linux-group", "recovery_plan": None})
    return base.model_copy(update={"master_targets": master_targets, "items": [*base.items, linux]})


@pytest.fixture(scope="module")
def vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimServer]:
    require_vcsim()
    with run_vcsim(tmp_path_factory.mktemp("vcsim"), model_args=VCSIM_MODEL) as server:
        yield server


@pytest.fixture(scope="module")
def simulator() -> Iterator[AsrSimulator]:
    # Time scale 1: heartbeats keep pace with the command's clock.
    with SimulatorThread(module_scenario(), time_scale=1) as running:
        yield running


@pytest.fixture(scope="module")
def session(vcsim: VcsimServer) -> Iterator[VCenterSession]:
    endpoint = vcsim.endpoint
    with vcenter_session(endpoint) as opened:
        yield opened


@pytest.fixture(scope="module")
def inventory(session: VCenterSession, tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    """The master targets' host with the VMFS datastore the simulator's master target registers."""
    built = Inventory(session=session, workdir=tmp_path_factory.mktemp("datastores"))
    built.nas_datastore(built.host(MASTER_TARGET_HOST), DATASTORE, "VMFS")
    built.create_vm(MASTER_TARGET, host=built.host(MASTER_TARGET_HOST), datastore=DATASTORE)
    return built


@pytest.fixture
def setup(simulator: AsrSimulator, vcsim: VcsimServer, inventory: Inventory) -> Setup:
    """The clean setup: master target VM V2A-PS-200 as the simulator registers it, one Windows group."""
    return classic_setup(simulator, vcsim, master_target_vm=MASTER_TARGET)


def master_target_vm(inventory: Inventory, **options: Any) -> str:
    """A fresh master target VM (the setup's siteRecoveryName keeps it registered as V2A-PS-200)."""
    name = f"mt-{uuid.uuid4().hex[:6]}"
    inventory.create_vm(name, host=inventory.host(MASTER_TARGET_HOST), datastore=DATASTORE, **options)
    return name


def preflight(setup: Setup, tmp_path: Path, *args: str, shim: bool = True) -> Outcome:
    return run_preflight(setup.write(tmp_path), args=("--output", "json", *RUN_AS, *args), shim=shim)


def test_clean_setup_reports_nothing_blocking(setup: Setup, tmp_path: Path) -> None:
    outcome = preflight(setup, tmp_path, "--all")

    assert outcome.status == 0, outcome.stdout + outcome.stderr
    report = outcome.report
    assert report["blocking"] == 0
    assert "errors" not in report
    # Both sides were read: checks on each pass on real facts rather than "cannot be checked".
    passed = {f["rule"] for f in report["findings"] if f["outcome"] == "pass"}
    assert {
        "FB001",
        "FB002",
        "FB003",
        "FB004",
        "FB006",
        "FB007",
        "FB021",
        "FB024",
        "FB026",
        "FB027",
    } <= passed
    assert not [f for f in report["findings"] if "cannot be checked" in f["message"]]


def test_clean_setup_as_a_table(setup: Setup, tmp_path: Path) -> None:
    outcome = run_preflight(setup.write(tmp_path), args=("--output", "table", *RUN_AS))

    assert outcome.status == 0, outcome.stdout + outcome.stderr
    assert "0 blocking" in outcome.stdout


def test_vcsim_gaps_are_refused_as_unknown(setup: Setup, tmp_path: Path) -> None:
    outcome = preflight(setup, tmp_path, shim=False)

    assert outcome.status == 1
    assert outcome.failing() == {"FB005", "FB025", "FB045"}
    messages = {f["rule"]: f["message"] for f in outcome.report["findings"]}
    assert "cannot be checked" in messages["FB005"]
    assert "unknown access" in messages["FB045"]


@pytest.mark.parametrize(
    ("broken", "rule", "words"),
    [
        ("snapshot", "FB006", "snapshot(s): nightly-backup"),
        ("pvscsi", "FB026", "pvscsi"),
        ("61 disks", "FB027", "61"),
        ("no disk.EnableUUID", "FB024", "disk.EnableUUID"),
        ("tools not running", "FB023", "guestToolsNotRunning"),
    ],
)
def test_master_target_breaking_one_rule(
    setup: Setup, inventory: Inventory, tmp_path: Path, broken: str, rule: str, words: str
) -> None:
    if broken == "snapshot":
        name = master_target_vm(inventory)
        inventory.snapshot(inventory.vm(name), "nightly-backup")
    elif broken == "pvscsi":
        name = master_target_vm(inventory)
        inventory.add_controller(inventory.vm(name), "pvscsi", bus=1)
    elif broken == "61 disks":
        name = master_target_vm(inventory, disks=61)
    elif broken == "no disk.EnableUUID":
        name = master_target_vm(inventory, enable_uuid=None)
    else:
        name = master_target_vm(inventory, tools_running=False)
    setup.master_target["spec"]["vm"]["name"] = name

    outcome = preflight(setup, tmp_path)

    assert outcome.status == 1, outcome.stdout + outcome.stderr
    assert outcome.failing() == {rule}
    assert outcome.report["blocking"] >= 1
    finding = next(f for f in outcome.report["findings"] if f["rule"] == rule)
    assert words in finding["message"]
    assert finding["remedy"]


def test_configuration_server_heartbeat_stopped(
    setup: Setup, simulator: AsrSimulator, tmp_path: Path
) -> None:
    simulator.runtime.set_heartbeat_stopped(True)
    try:
        outcome = preflight(setup, tmp_path)
    finally:
        simulator.runtime.set_heartbeat_stopped(False)

    assert outcome.status == 1
    assert "FB004" in outcome.failing()
    finding = next(f for f in outcome.report["findings"] if f["rule"] == "FB004")
    assert finding["object"] == "ConfigurationServer/PwsTestCS"
    assert "not connected" in finding["message"]
    # Only the configuration server stopped: nothing else blocks.
    assert outcome.failing() == {"FB004"}


def test_plan_mixing_os_types(setup: Setup, tmp_path: Path) -> None:
    setup.plans[0]["spec"]["groups"][0]["items"].append({"name": LINUX_ITEM})

    outcome = preflight(setup, tmp_path)

    assert outcome.status == 1
    assert "FB007" in outcome.failing()
    finding = next(f for f in outcome.report["findings"] if f["rule"] == "FB007")
    assert "app1-group mixes OS types (Linux: V2A-RHEL8-301-new" in finding["message"]
    # The Linux item also needs a Linux master target (FB017, FB041); nothing else blocks.
    assert outcome.failing() == {"FB007", "FB017", "FB041"}


def test_unreachable_vcenter_is_reported_not_crashed(setup: Setup, tmp_path: Path) -> None:
    setup.vcenter["spec"]["port"] = 9  # discard: nothing listens there
    outcome = preflight(setup, tmp_path)

    assert outcome.status == 1
    report = outcome.report
    assert any("vCenter" in error for error in report["errors"])
    unverified = {f["rule"] for f in report["findings"] if "cannot be checked" in f["message"]}
    assert {"FB001", "FB006", "FB024", "FB026"} <= unverified
    # Site Recovery was still read: its checks ran on real facts.
    assert not any("Site Recovery" in error for error in report["errors"])


def test_unreachable_vault_is_reported_in_seconds_and_nothing_passes_on_it(
    setup: Setup, tmp_path: Path
) -> None:
    """A refused vault is named within seconds; the vCenter rules that need its items do not pass."""
    setup.vault["spec"]["cloud"].update(
        {"resourceManager": "https://127.0.0.1:9", "authority": "https://127.0.0.1:9"}
    )
    started = time.monotonic()
    outcome = preflight(setup, tmp_path, "--all")
    elapsed = time.monotonic() - started

    assert outcome.status == 1
    assert elapsed < 20, f"preflight took {elapsed:.0f}s to report an unreachable vault"
    errors = outcome.report["errors"]
    assert any("Site Recovery vault" in e and "https://127.0.0.1:9" in e for e in errors), errors
    findings = {f["rule"]: f for f in outcome.report["findings"]}
    # The on-premises VM of each item is Site Recovery's fact: without it these rules cannot pass.
    for rule in ("FB001", "FB018", "FB019", "FB043"):
        assert findings[rule]["outcome"] != "pass", findings[rule]
        assert "cannot be checked" in findings[rule]["message"], findings[rule]


def test_failback_action_adds_the_pre_failback_rules(setup: Setup, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    plan = setup.plans[0]["spec"]
    plan["action"] = "Failback"
    plan["window"] = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=3)).isoformat(),
    }
    setup.approvals.append(
        {
            "apiVersion": "failback.io/v1alpha1",
            "kind": "FailbackApproval",
            "metadata": {"name": "windows-apps-run-1", "namespace": "team-apps"},
            "spec": {"planRef": {"name": "windows-apps"}, "run": "run-1", "approver": "jane.doe@example.com"},
        }
    )

    outcome = preflight(setup, tmp_path, "--all")

    assert outcome.status == 1
    # The items are failed over, not yet reprotected: failback cannot start (FB032); the window
    # is open and the run approved (FB040 passes).
    assert outcome.failing() == {"FB032"}
    fb040 = [f for f in outcome.report["findings"] if f["rule"] == "FB040"]
    assert fb040
    assert {f["outcome"] for f in fb040} == {"pass"}


def test_failback_without_approval_is_refused(setup: Setup, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    plan = setup.plans[0]["spec"]
    plan["action"] = "Failback"
    plan["window"] = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }

    outcome = preflight(setup, tmp_path)

    assert outcome.failing() == {"FB032", "FB040"}
    assert outcome.status == 1


@pytest.fixture(scope="module")
def modernized_simulator() -> Iterator[AsrSimulator]:
    with SimulatorThread(scenario("modernized", vcenter_host="127.0.0.1"), time_scale=1) as running:
        yield running


def test_modernized_clean_setup(
    modernized_simulator: AsrSimulator, vcsim: VcsimServer, inventory: Inventory, tmp_path: Path
) -> None:
    host = inventory.host(MASTER_TARGET_HOST)
    inventory.nas_datastore(host, "SharedDS-84-85", "VMFS")
    name = f"rcm-{uuid.uuid4().hex[:6]}"
    inventory.create_vm(name, host=host, datastore="SharedDS-84-85")
    setup = modernized_setup(modernized_simulator, vcsim, master_target_vm=name)

    outcome = preflight(setup, tmp_path, "--all")

    assert outcome.status == 0, outcome.stdout + outcome.stderr
    passed = {f["rule"] for f in outcome.report["findings"] if f["outcome"] == "pass"}
    # The appliance plays the master target: registered, the InMageRcmFailback policy associated.
    assert {"FB002", "FB003", "FB004", "FB006", "FB024", "FB026", "FB027", "FB045"} <= passed
    # Classic-only rules (retention volume, process server in Azure) do not apply.
    assert not {"FB014", "FB015", "FB021", "FB039"} & {f["rule"] for f in outcome.report["findings"]}


@pytest.mark.parametrize("side", ["Site Recovery", "vCenter"])
def test_refused_credentials_are_reported_never_shown(setup: Setup, tmp_path: Path, side: str) -> None:
    wrong = f"wrong-{uuid.uuid4().hex}"
    if side == "Site Recovery":
        setup.secrets[0]["stringData"]["clientSecret"] = wrong
    else:
        setup.secrets[1]["stringData"]["password"] = wrong

    outcome = preflight(setup, tmp_path, "-v")

    assert outcome.status == 1
    errors = outcome.report["errors"]
    assert len(errors) == 1
    assert side in errors[0]
    assert "cannot be checked" in outcome.stdout
    assert wrong not in outcome.stdout
    assert wrong not in outcome.stderr


# --- unusable input: exit 2 naming the file, the document and the field --------------------------


def test_missing_field(setup: Setup, tmp_path: Path) -> None:
    del setup.plans[0]["spec"]["datastore"]
    path = setup.write(tmp_path)

    outcome = run_preflight(path)

    assert outcome.status == 2
    assert f"{path}, document 6 (FailbackPlan windows-apps)" in outcome.stderr
    assert "spec.datastore: Field required" in outcome.stderr
    assert outcome.stdout == ""


def test_bad_yaml(setup: Setup, tmp_path: Path) -> None:
    path = setup.write(tmp_path)
    path.write_text(path.read_text() + "---\nkind: FailbackPlan\nspec: [unclosed\n", encoding="utf-8")

    outcome = run_preflight(path)

    assert outcome.status == 2
    assert str(path) in outcome.stderr
    assert "document 7" in outcome.stderr
    assert "not valid YAML" in outcome.stderr


def test_secret_missing(setup: Setup, tmp_path: Path) -> None:
    setup.secrets = [s for s in setup.secrets if s["metadata"]["name"] != "vault-sp"]
    path = setup.write(tmp_path)

    outcome = run_preflight(path)

    assert outcome.status == 2
    assert "(RecoveryVault pwstestvault)" in outcome.stderr
    assert "spec.credentials.secretRef.name: no Secret named 'vault-sp'" in outcome.stderr


def test_secret_key_missing_is_named_without_values(
    setup: Setup, simulator: AsrSimulator, tmp_path: Path
) -> None:
    setup.secrets[0]["stringData"].pop("clientSecret")
    path = setup.write(tmp_path)

    outcome = run_preflight(path)

    assert outcome.status == 2
    assert "(Secret vault-sp): data.clientSecret" in outcome.stderr
    assert simulator.client_id not in outcome.stderr
