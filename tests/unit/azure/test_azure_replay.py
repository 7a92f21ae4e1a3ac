"""Every recorded Site Recovery body, deserialized by the SDK as the client does, parses into facts."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asr_recordings import RECORDINGS, SPEC_EXAMPLES, load_recording
from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.azure import parse
from failback_operator.azure.job_lookup import jobs_acting_on
from failback_operator.azure.operation_url import job_id_from_headers
from failback_operator.azure.recovery_plan import RecoveryPlan, recovery_plan_from_sdk
from failback_operator.facts.asr import ConfigurationServer, FailbackPolicy, Job, JobTask, ProtectedItem
from failback_operator.facts.spec import Architecture, OsType

RECORDING_FILES = sorted(RECORDINGS.glob("*.json"))


def arm_bodies(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ARM resource body in a recording (response bodies, list entries, raw bodies)."""
    if isinstance(node, dict):
        if "properties" in node and ("type" in node or "id" in node):
            yield path, node
            return
        for key, value in node.items():
            if key == "_recording":
                continue
            if key == "body_raw" and isinstance(value, str):
                yield from arm_bodies(json.loads(value), f"{path}/{key}")
            else:
                yield from arm_bodies(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from arm_bodies(value, f"{path}/{index}")


def posts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every recorded POST with its response headers."""
    if isinstance(node, dict):
        if node.get("RequestMethod") == "POST" or str(node.get("RequestUri", "")).endswith(
            ("reProtect", "Failover")
        ):
            yield path, node
        for key, value in node.items():
            yield from posts(value, f"{path}/{key}")


Facts = ProtectedItem | Job | ConfigurationServer | FailbackPolicy | RecoveryPlan


def to_facts(body: dict[str, Any]) -> Facts | None:
    """The adapter's parse of a body, after the SDK's own deserialization."""
    kind = str(body.get("type", "")).lower()
    if kind.endswith("/replicationrecoveryplans"):
        return recovery_plan_from_sdk(models.RecoveryPlan(body))
    if kind.endswith("/replicationprotecteditems"):
        return parse.protected_item_from_sdk(models.ReplicationProtectedItem(body))
    if kind.endswith("/replicationjobs"):
        return parse.job_from_sdk(models.Job(body))
    if kind.endswith("/replicationfabrics"):
        return parse.configuration_server_from_fabric(models.Fabric(body))
    if kind.endswith("/replicationpolicies"):
        return parse.failback_policy_from_policy(models.Policy(body))
    return None


def task_tree(task: JobTask) -> tuple[Any, ...]:
    """A task and its nested tasks as the fields the operator judges by."""
    return (
        task.id,
        task.name,
        task.state,
        task.task_type,
        task.group_type,
        task.child_job_id,
        task.child_job_scenario if task.child_job_id else None,
        [task_tree(child) for child in task.children],
    )


def recorded_task_tree(task: dict[str, Any]) -> tuple[Any, ...]:
    """The same fields read straight from a recorded task."""
    group = task.get("groupTaskCustomDetails") or {}
    job_task = (task.get("customDetails") or {}).get("jobTask") or {}
    job_id = job_task.get("jobId") or ""
    child_job = None if not job_id or job_id.endswith("/") else job_id.rsplit("/", 1)[-1]
    return (
        task["taskId"],
        task["name"],
        task["state"],
        task.get("taskType"),
        group.get("rpGroupType"),
        child_job,
        job_task.get("jobScenarioName") if child_job else None,
        [recorded_task_tree(child) for child in group.get("childTasks") or []],
    )


@pytest.mark.parametrize("path", RECORDING_FILES, ids=lambda p: Path(p).stem)
def test_every_recorded_body_parses_into_facts_that_keep_its_state(path):
    document = json.loads(path.read_text())
    parsed = 0
    for where, body in arm_bodies(document):
        facts = to_facts(body)
        if facts is None:
            continue
        parsed += 1
        props = body["properties"]
        if isinstance(facts, ProtectedItem):
            provider = props["providerSpecificDetails"]
            assert facts.name == body["name"], where
            assert facts.instance_type == provider["instanceType"]
            assert facts.protection_state == props["protectionState"]
            assert facts.protection_state_description == props["protectionStateDescription"]
            assert facts.replication_health == props["replicationHealth"]
            assert facts.active_location == props["activeLocation"]
            assert facts.allowed_operations == tuple(props["allowedOperations"])
            # 2017 answers carry replicationHealthErrors (and failoverHealthErrors) instead of healthErrors.
            recorded_errors = props.get("healthErrors")
            if recorded_errors is None:
                recorded_errors = props["replicationHealthErrors"] + (props.get("failoverHealthErrors") or [])
            assert [h.code for h in facts.health_errors] == [e["errorCode"] for e in recorded_errors]
            assert len(facts.disks) == len(provider.get("protectedDisks") or [])
            assert facts.os_type in (OsType.WINDOWS, OsType.LINUX, None)
        elif isinstance(facts, Job):
            assert facts.id == body["name"]
            assert facts.scenario == (props["scenarioName"] or "")  # a tracking id's placeholder has none
            assert facts.state == props["state"]
            assert facts.target_object_name == props["targetObjectName"]
            assert facts.target_instance_type == props["targetInstanceType"]
            assert facts.allowed_actions == tuple(props["allowedActions"])
            assert [task_tree(t) for t in facts.tasks] == [recorded_task_tree(t) for t in props["tasks"]]
            assert [e.code for e in facts.errors] == [
                str(e["serviceErrorDetails"]["code"]) for e in props["errors"]
            ]
            if props.get("startTime"):
                assert facts.start is not None
                assert facts.start.tzinfo is UTC
            else:
                assert facts.start is None
        elif isinstance(facts, RecoveryPlan):
            assert facts.name == body["name"]
            assert facts.allowed_operations == tuple(props["allowedOperations"])
            assert facts.replication_providers == tuple(props["replicationProviders"])
            assert facts.item_ids == tuple(
                i["id"] for g in props["groups"] for i in g["replicationProtectedItems"]
            )
            scenario = (props.get("currentScenario") or {}).get("scenarioName")
            assert facts.current_scenario == (None if scenario in (None, "None") else scenario)
        elif isinstance(facts, ConfigurationServer):
            assert facts.name == props["friendlyName"]
        else:
            assert facts.provider == props["providerSpecificDetails"]["instanceType"]
    assert parsed, f"{path.name}: no Site Recovery body was found to parse"


def test_recorded_operation_urls_name_the_job_that_was_then_read():
    checked = 0
    for path in RECORDING_FILES:
        document = json.loads(path.read_text())
        job_names = {
            body["name"] for _, body in arm_bodies(document) if body.get("type", "").endswith("Jobs")
        }
        for where, post in posts(document):
            headers = post.get("ResponseHeaders") or post.get("headers") or {}
            if not headers:
                continue
            found = job_id_from_headers(headers)
            assert found is not None, f"{path.name}{where}"
            job_id, url = found
            assert url.lower().startswith("https://")
            if job_names:
                assert job_id in job_names, f"{path.name}{where}: {job_id} not among {job_names}"
            checked += 1
    assert checked >= 7


def test_classic_configuration_server_from_the_recorded_fabric():
    body = load_recording("fabric_get_VMware.json")["ResponseBody"]
    server = parse.configuration_server_from_fabric(models.Fabric(body))
    assert server.architecture is Architecture.CLASSIC
    assert server.connected is True
    assert server.last_heartbeat == datetime(2021, 4, 5, 17, 42, 50, 995485, tzinfo=UTC)
    assert [p.name for p in server.process_servers] == ["V2A-PS-200", "PwsTestCS"]
    assert server.process_servers[0].health == "Normal"
    assert server.process_servers[0].service_status == "Running"
    master_target = next(m for m in server.master_targets if m.name == "V2A-PS-200")
    assert master_target.id == "30AE6187-5869-8E44-B8AF6AA66E3ECC8F"
    assert master_target.os_type is OsType.WINDOWS
    assert master_target.disk_count == 3
    assert [(v.name, v.capacity_bytes, v.free_bytes) for v in master_target.retention_volumes] == [
        ("F", 10734268416, 10688544768)
    ]
    assert [(d.name, d.type, d.capacity_gb, d.free_gb) for d in master_target.datastores] == [
        ("datastore1", "VMFS", 439.5, 154.11),
        ("DS-77", "VMFS", 2047.75, 247.02),
    ]
    built_in = next(m for m in server.master_targets if m.name == "PwsTestCS")
    assert [v.name for v in built_in.retention_volumes] == ["D"]
    assert built_in.datastores == ()
    assert [(a.id, a.name) for a in server.run_as_accounts] == [
        ("1", "vcenteruser"),
        ("2", "windowsuser"),
        ("3", "linuxuser"),
    ]


def test_failed_over_classic_item_keeps_os_and_disks_before_reprotect():
    body = load_recording("protecteditem_get_InMageAzureV2_failedover_committed_before_reprotect.json")
    item = parse.protected_item_from_sdk(models.ReplicationProtectedItem(body["ResponseBody"]))
    assert item.instance_type == "InMageAzureV2"
    assert item.protection_state == "UnplannedFailoverCommitted"
    assert "SwitchProtection" in item.allowed_operations  # reprotect is offered under this name
    assert item.os_type is OsType.WINDOWS
    assert item.os_version == "Microsoft Windows Server 2016 Datacenter"
    assert [(d.name, d.capacity_bytes, d.is_os_disk) for d in item.disks] == [
        ("Disk0", 32212254720, True),
        ("Disk1", 5368709120, False),
    ]
    assert item.disk_count == 2
    assert item.multi_vm_group_name == "826b9831-3f12-4bd2-aa80-77ae9e925548"
    assert item.current_scenario is None  # scenarioName "None" means idle
    assert item.azure_vm_name == "V2A-W2K16-201"
    assert item.source_vm_ram_mb == 4094
    assert not any(d.is_azure_temporary for d in item.disks)


def test_reprotected_classic_item_has_its_facts_cleared_by_site_recovery():
    body = load_recording("protecteditem_listentry_InMage_protected_azure_to_onprem_before_failback.json")
    item = parse.protected_item_from_sdk(models.ReplicationProtectedItem(body["value_entry_0"]))
    assert item.instance_type == "InMage"
    assert item.protection_state == "Protected"
    assert item.allowed_operations == ("UnplannedFailover", "DisableProtection")
    # Cleared after reprotect: unknown, not "no disks" (the shell keeps what it read before).
    assert item.disks == ()
    assert item.disk_count is None
    assert item.master_target_id is None
    assert item.os_type is None
    assert item.process_server_id == "14968BDF-E18E-7F45-A9B0E3EFAC2DDCA2"
    assert item.rpo_seconds == 242
    assert item.datastores == ("datastore1",)
    assert item.protected_as_physical is True


def test_modernized_items_of_both_directions_from_one_list():
    entries = load_recording(
        "protecteditem_listentries_InMageRcm_protected_and_InMageRcmFailback_critical.json"
    )
    forward, back = (
        parse.protected_item_from_sdk(models.ReplicationProtectedItem(e)) for e in entries["value_entries"]
    )
    assert forward.instance_type == "InMageRcm"
    assert back.instance_type == "InMageRcmFailback"
    assert back.replication_health == "Critical"
    assert any(h.severity == "Error" for h in back.health_errors)
    assert forward.os_type is OsType.WINDOWS
    assert back.os_type is OsType.WINDOWS
    assert forward.disk_count is None  # the list entries carry no disks


def test_modernized_item_after_planned_failover_can_commit_or_cancel():
    body = load_recording(
        "protecteditem_get_InMageRcmFailback_plannedfailover_finished_before_reprotect.json"
    )
    item = parse.protected_item_from_sdk(models.ReplicationProtectedItem(body["ResponseBody"]))
    assert item.protection_state == "CommitPendingStatesBegin"
    assert {"Commit", "CancelFailover"} <= set(item.allowed_operations)
    assert item.master_target_id == "7d30ec24-f20e-4c17-8dfd-d7ccb444b072"  # the reprotect agent
    assert item.datastores == ("SharedDS-84-85",)
    assert item.os_type is OsType.WINDOWS
    assert item.disk_count == 2


def test_classic_failback_job_shows_whether_the_azure_vm_was_shut_down():
    recording = load_recording("unplannedfailover_InMage_failback_post_202_jobs_and_commit_job.json")
    job = parse.job_from_sdk(models.Job(recording["get_job_ufo_final"]["ResponseBody"]))
    shutdown = next(t for t in job.tasks if t.id == "ShutdownVmOnPrimaryForUFO")
    # That live call sent sourceSiteOperations NotRequired, so the shut-down was skipped (FB042 blocks this).
    assert (shutdown.state, shutdown.state_description) == ("Other", "Skipped")
    assert job.state == "Succeeded"
    assert job.end is not None


def test_policy_details_from_the_recorded_policy():
    raw = load_recording("policy_get_InMageAzureV2_and_operationstatus.json")["get_policy"]["body_raw"]
    policy = parse.failback_policy_from_policy(models.Policy(json.loads(raw)))
    assert policy.provider == "InMageAzureV2"
    assert policy.rpo_threshold_minutes == 10
    assert policy.retention_minutes == 2880
    assert policy.crash_consistent_frequency_minutes == 5
    assert policy.multi_vm_sync_status == "Enabled"


def test_a_lost_answer_is_resolved_by_finding_the_job_by_vm_name():
    recording = load_recording("unplannedfailover_InMage_failback_post_202_jobs_and_commit_job.json")
    jobs = [
        parse.job_from_sdk(models.Job(recording[key]["ResponseBody"]))
        for key in ("get_job_ufo_final", "get_job_commit_final")
    ]
    intent = datetime(2021, 4, 6, 12, 2, 0, tzinfo=UTC)
    found = jobs_acting_on(jobs, names=["v2a-w2k16-201"], since=intent, scenarios=["UnplannedFailover"])
    assert [j.id for j in found] == ["a2e9f617-66a6-4933-9ffc-d5665da42abf"]
    newest_first = jobs_acting_on(jobs, names=["V2A-W2K16-201"], since=intent)
    assert [j.scenario for j in newest_first] == ["CommitFailover", "UnplannedFailover"]
    assert jobs_acting_on(jobs, names=["V2A-W2K16-201"], since=datetime(2021, 4, 7, tzinfo=UTC)) == ()
    assert jobs_acting_on(jobs, names=["other-vm"], since=intent) == ()


def test_recovery_plan_from_the_documented_example():
    example = json.loads((SPEC_EXAMPLES / "ReplicationRecoveryPlans_PlannedFailover.json").read_text())
    body = example["responses"]["200"]["body"]
    plan = recovery_plan_from_sdk(models.RecoveryPlan(body))
    assert plan.name == "RPtest1"
    assert plan.current_scenario == "PlannedFailover"
    assert plan.current_scenario_status == "Succeeded"
    every_group = [i["id"] for g in body["properties"]["groups"] for i in g["replicationProtectedItems"]]
    assert len(every_group) >= 2
    assert plan.item_ids == tuple(every_group)
    assert "Commit" in plan.allowed_operations


@pytest.mark.parametrize(
    ("name", "temporary"),
    [("Temporary Storage", True), ("temporary storage ", True), ("Disk1", False), (None, False)],
)
def test_the_azure_temporary_disk_is_recognised_by_its_label(name, temporary):
    details = models.InMageAzureV2ProtectedDiskDetails(disk_id="d", disk_name=name)
    (disk,) = parse._disks_classic([details])
    assert disk.is_azure_temporary is temporary


def _recorded_item(name: str) -> ProtectedItem:
    body = next(
        b for _, b in arm_bodies(load_recording(name)) if "providerSpecificDetails" in b["properties"]
    )
    return parse.protected_item_from_sdk(models.ReplicationProtectedItem(body))


def test_modernized_items_say_whether_the_agent_registered_after_failover():
    """FB028 reads isAgentRegistrationSuccessfulAfterFailover where Site Recovery gives it."""
    waiting = _recorded_item("protecteditem_get_InMageRcmFailback_protected_before_plannedfailover.json")
    registered = _recorded_item("protecteditem_get_InMageRcm_failedover_before_commit.json")
    classic = _recorded_item("protecteditem_get_InMageAzureV2_failedover_committed_before_reprotect.json")
    assert waiting.agent_registered_after_failover is False
    assert registered.agent_registered_after_failover is True
    assert classic.agent_registered_after_failover is None
    assert classic.last_successful_failover == datetime(2021, 4, 6, 9, 50, 12, 820784, tzinfo=UTC)


A2A_PLAN = "recoveryplan_unplannedfailover_A2A_PrimaryToRecovery_sourcesiteops_post_and_jobs.json"


def _recorded_job(name: str, key: str, *, detailed: bool = True) -> Job:
    return parse.job_from_sdk(models.Job(load_recording(name)[key]["ResponseBody"]), detailed=detailed)


def test_a_recovery_plan_tracking_id_leads_to_the_real_job_under_another_name():
    recording = load_recording(A2A_PLAN)
    found = job_id_from_headers(recording["post_unplannedFailover"]["ResponseHeaders"])
    assert found is not None
    tracking, _ = found
    placeholder = _recorded_job(A2A_PLAN, "get_job_1_placeholder_NotStarted")
    shell = _recorded_job(A2A_PLAN, "get_job_2_shell_InProgress_no_tasks")
    real = _recorded_job(A2A_PLAN, "get_job_final_Succeeded")
    assert placeholder.id == shell.id == tracking
    assert (placeholder.scenario, placeholder.state, placeholder.tasks) == ("", "NotStarted", ())
    assert (shell.state, shell.tasks, shell.target_instance_type) == ("InProgress", (), "RecoveryPlan")
    assert real.id != tracking
    plan = recording["get_recoveryPlan_before_failover"]["ResponseBody"]
    assert real.target_object_name == plan["name"]


def test_fb042_reads_the_shut_down_group_of_a_recorded_recovery_plan_job():
    from failback_operator.facts import child_job_ids
    from failback_operator.rules.failback import shutdown_problems

    done = _recorded_job(A2A_PLAN, "get_job_final_Succeeded")
    assert shutdown_problems(done, {"a2aVM918"}) == []  # machine names compare casefolded
    assert shutdown_problems(done, {"another-vm"}) != []
    running = _recorded_job(A2A_PLAN, "get_job_3_real_job_shutdown_group_InProgress")
    assert shutdown_problems(running, {"a2aVM918"}) == ["shut-down of a2avm918 is InProgress"]
    # A list entry of the same job carries no tasks: nothing is confirmed from it.
    listed = dataclasses.replace(done, tasks=(), detailed=False)
    assert shutdown_problems(listed, {"a2aVM918"}) == [
        "the job's tasks were not read (a job list shows none)"
    ]
    # The machine tasks name three per-machine child jobs, one per group; not yet named before they run.
    assert child_job_ids([done]) == {
        "6c831d34-df1c-4d78-ab4d-bee47daf0b84",
        "31fbbc5e-9248-40d0-97da-96f356d7a701",
        "68da6066-baec-485e-8899-9260883dc6f2",
    }
    assert child_job_ids([running]) == {"6c831d34-df1c-4d78-ab4d-bee47daf0b84"}


def test_a_recorded_recovery_plan_commit_job_is_one_commit_group():
    body = load_recording("recoveryplan_failovercommit_HyperVReplicaAzure_post_job_and_rp_get.json")
    job = parse.job_from_sdk(
        models.Job(body["get_job_via_AzureAsyncOperation"]["ResponseBody"]), detailed=True
    )
    (group,) = job.tasks
    assert (group.group_type, group.task_type) == ("CommitGroup", "RecoveryPlanGroupTaskDetails")
    (machine,) = group.children
    assert (machine.target_object_name, machine.child_job_scenario) == ("vm1", "CommitFailover")
    assert machine.child_job_id == "d9ee5f62-46b6-48f3-9365-327fc58e9885"


def test_failed_jobs_in_a_recorded_list_carry_neither_tasks_nor_errors_but_offer_restart():
    entries = load_recording("jobs_list_V2A_vault_with_failed_and_completedwithinformation.json")
    jobs = [parse.job_from_sdk(models.Job(e)) for e in entries["value_first_80_entries"]]
    failed = [j for j in jobs if j.state == "Failed"]
    assert failed
    assert all(j.allowed_actions == ("Restart",) and not j.errors and not j.tasks for j in failed)
    assert not any(j.detailed for j in jobs)
