"""Recovery-plan jobs, job lists and refusals answer as the live recordings show, field by field.

The simulator runs in real time here (time scale 1) and the test moves its clock, so the tracking
id's placeholder and shell are seen as a client polling right after the POST sees them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicessiterecovery import models

from failback_operator.sim.asr import SimulatorThread
from tests.support.asr_sim import (
    FirstResponse,
    Vault,
    classic_reprotect_input,
    missing_fields,
    raw_get,
    recorded,
    scenario,
    sdk_client,
    vault_path,
)

CLASSIC_ITEMS = ("V2A-W2K16-201-new", "V2A-W2K19-202-new")
A2A = "recoveryplan_unplannedfailover_A2A_PrimaryToRecovery_sourcesiteops_post_and_jobs.json"
H2A_COMMIT = "recoveryplan_failovercommit_HyperVReplicaAzure_post_job_and_rp_get.json"
_H2A_FAILBACK_PARTS = (
    "recoveryplan_plannedfailover_HyperVReplicaAzureFailback_RecoveryToPrimary",
    "_post_operationstatus_and_rp_get.json",
)
H2A_FAILBACK = "".join(_H2A_FAILBACK_PARTS)
JOBS_LIST = "jobs_list_V2A_vault_with_failed_and_completedwithinformation.json"
# No test failover is modelled, so a plan has no time of the last one.
NOT_MODELLED = {"lastTestFailoverTime"}


@pytest.fixture
def paced() -> Iterator[Vault]:
    """The classic vault with its clock moved by the test only (real-time pace)."""
    with SimulatorThread(scenario("classic-windows"), time_scale=1.0) as simulator:
        yield sdk_client(simulator)


def _reprotect_all(vault: Vault) -> None:
    for name in CLASSIC_ITEMS:
        vault.client.replication_protected_items.begin_reprotect(
            *vault.item_scope, name, classic_reprotect_input(vault), polling=False
        )
    vault.simulator.runtime.advance(90)  # reprotect and the initial replication end


def _plan_failover(direction: str = "RecoveryToPrimary") -> models.RecoveryPlanUnplannedFailoverInput:
    return models.RecoveryPlanUnplannedFailoverInput(
        properties=models.RecoveryPlanUnplannedFailoverInputProperties(
            failover_direction=direction,
            source_site_operations="Required",
            provider_specific_details=[
                models.RecoveryPlanInMageFailoverInput(recovery_point_type="LatestTime")
            ],
        )
    )


def _start_plan_failover(vault: Vault) -> str:
    first = FirstResponse()
    vault.client.replication_recovery_plans.begin_unplanned_failover(
        *vault.scope, "rp-app1", _plan_failover(), polling=False, raw_response_hook=first
    )
    assert first.status == 202
    return first.job_id


def _job(vault: Vault, name: str) -> dict[str, Any]:
    return raw_get(vault, f"{vault_path(vault)}/replicationJobs/{name}")


def _tree(task: dict[str, Any]) -> tuple[Any, ...]:
    """A task's shape: name, type, group type and nested tasks (ids and states vary)."""
    group = task.get("groupTaskCustomDetails") or {}
    return (
        task["name"],
        task["taskType"],
        group.get("rpGroupType"),
        group.get("instanceType"),
        [_tree(child) for child in group.get("childTasks") or []],
    )


def _machine_tasks(job: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(task: dict[str, Any]) -> None:
        if task["taskType"] == "VirtualMachineTaskDetails":
            found.append(task)
        for child in (task.get("groupTaskCustomDetails") or {}).get("childTasks") or []:
            walk(child)

    for task in job["properties"]["tasks"]:
        walk(task)
    return found


def _one_machine(tree: tuple[Any, ...]) -> tuple[Any, ...]:
    """The recorded A2A plan has one machine: keep one machine task per group to compare shapes."""
    name, kind, group, instance, children = tree
    machines = [c for c in children if c[1] == "VirtualMachineTaskDetails"][:1]
    others = [_one_machine(c) for c in children if c[1] != "VirtualMachineTaskDetails"]
    return (name, kind, group, instance, others + machines)


def test_job_list_entries_are_bare_and_a_failed_job_offers_restart(paced: Vault) -> None:
    paced.simulator.runtime.set_faults(
        job_failures=[{"operation": "reprotect", "code": "78093", "item": CLASSIC_ITEMS[0]}]
    )
    _reprotect_all(paced)
    listed = raw_get(paced, f"{vault_path(paced)}/replicationJobs")["value"]
    theirs = recorded(JOBS_LIST, "value_first_80_entries")
    failed_recorded = next(e for e in theirs if e["properties"]["state"] == "Failed")
    assert listed
    for entry in listed:
        props = entry["properties"]
        assert (props["tasks"], props["errors"], props["customDetails"], props["activityId"]) == (
            [],
            [],
            None,
            None,
        )
        assert not missing_fields(entry, failed_recorded)
    failed = [e for e in listed if e["properties"]["state"] == "Failed"]
    assert [e["properties"]["allowedActions"] for e in failed] == [["Restart"]]
    assert failed[0]["properties"]["stateDescription"] == failed_recorded["properties"]["stateDescription"]
    # Only a GET by name has the tasks and the error.
    full = _job(paced, failed[0]["name"])["properties"]
    assert full["tasks"]
    assert full["customDetails"] is not None
    assert [e["serviceErrorDetails"]["code"] for e in full["errors"]] == ["78093"]
    assert full["allowedActions"] == ["Restart"]


def test_recovery_plan_failover_answers_through_a_tracking_id_as_recorded(paced: Vault) -> None:
    _reprotect_all(paced)
    tracking = _start_plan_failover(paced)
    runtime = paced.simulator.runtime

    placeholder = _job(paced, tracking)
    theirs = recorded(A2A, "get_job_1_placeholder_NotStarted", "ResponseBody")
    assert placeholder["name"] == tracking
    assert placeholder["properties"] == {
        **theirs["properties"],
        "activityId": placeholder["properties"]["activityId"],
    }
    assert not missing_fields(placeholder, theirs)

    runtime.advance(10 / 60)
    shell = _job(paced, tracking)
    theirs = recorded(A2A, "get_job_2_shell_InProgress_no_tasks", "ResponseBody")
    assert shell["name"] == tracking
    for field in ("scenarioName", "friendlyName", "state", "tasks", "targetInstanceType"):
        assert shell["properties"][field] == theirs["properties"][field], field
    assert shell["properties"]["customDetails"]["protectedItemDetails"] == []
    assert not missing_fields(shell, theirs)

    runtime.advance(20 / 60)
    real = _job(paced, tracking)
    theirs = recorded(A2A, "get_job_3_real_job_shutdown_group_InProgress", "ResponseBody")
    assert real["name"] != tracking  # the real job, under its own name
    assert real["properties"]["state"] == "InProgress"
    assert not missing_fields(real, theirs)
    assert [_one_machine(_tree(t)) for t in real["properties"]["tasks"]] == [
        _tree(t) for t in theirs["properties"]["tasks"]
    ]
    listed = {e["name"] for e in raw_get(paced, f"{vault_path(paced)}/replicationJobs")["value"]}
    assert real["name"] in listed
    assert tracking not in listed

    runtime.advance(15)
    final = _job(paced, tracking)
    theirs = recorded(A2A, "get_job_final_Succeeded", "ResponseBody")
    assert final["name"] == real["name"]
    for field in ("scenarioName", "friendlyName", "state", "stateDescription", "targetInstanceType"):
        assert final["properties"][field] == theirs["properties"][field], field
    assert not missing_fields(final, theirs)
    assert [_one_machine(_tree(t)) for t in final["properties"]["tasks"]] == [
        _tree(t) for t in theirs["properties"]["tasks"]
    ]
    machines = _machine_tasks(final)
    assert len(machines) == 3 * len(CLASSIC_ITEMS)  # shut-down, failover, boot: one task per machine each
    recorded_machine = _machine_tasks(theirs)[0]
    children = set()
    for task in machines:
        assert task["state"] == "Succeeded"
        assert not missing_fields(task, recorded_machine)
        job_task = task["customDetails"]["jobTask"]
        assert job_task["jobScenarioName"] == "UnplannedFailover"
        children.add(job_task["jobId"].rsplit("/", 1)[-1])
    assert len(children) == len(machines)  # each machine task runs its own child job
    assert children <= {e["name"] for e in raw_get(paced, f"{vault_path(paced)}/replicationJobs")["value"]}
    shutdown_child = _machine_tasks({"properties": {"tasks": final["properties"]["tasks"][1:2]}})[0]
    child = _job(paced, shutdown_child["customDetails"]["jobTask"]["jobId"].rsplit("/", 1)[-1])
    assert child["properties"]["targetObjectName"] == shutdown_child["friendlyName"]
    assert {t["name"]: t["state"] for t in child["properties"]["tasks"]} == {
        "VmShutdownVmOnPrimary": "Succeeded",
        "VmPrepareForUnPlannedFailover": "Succeeded",
    }

    plan = raw_get(paced, f"{vault_path(paced)}/replicationRecoveryPlans/rp-app1")
    assert plan["properties"]["currentScenario"]["jobId"].endswith(f"/replicationJobs/{real['name']}")
    theirs_plan = recorded(H2A_FAILBACK, "get_recoveryPlan_after_failback", "ResponseBody")
    missing = [p for p in missing_fields(plan, theirs_plan) if p.rsplit(".", 1)[-1] not in NOT_MODELLED]
    assert "Commit" in plan["properties"]["allowedOperations"]
    # The plan was failed over unplanned: it has the unplanned time where the recording has the planned one.
    assert missing == [".properties.lastPlannedFailoverTime"]
    assert "lastUnplannedFailoverTime" in plan["properties"]


def test_recovery_plan_commit_job_is_one_commit_group_as_recorded(paced: Vault) -> None:
    _reprotect_all(paced)
    _start_plan_failover(paced)
    paced.simulator.runtime.advance(15)
    first = FirstResponse()
    paced.client.replication_recovery_plans.begin_failover_commit(
        *paced.scope, "rp-app1", polling=False, raw_response_hook=first
    )
    paced.simulator.runtime.advance(5)
    job = _job(paced, first.job_id)
    theirs = recorded(H2A_COMMIT, "get_job_via_AzureAsyncOperation", "ResponseBody")
    assert job["name"] != first.job_id
    assert job["properties"]["state"] == "Succeeded"
    for field in ("scenarioName", "friendlyName", "targetInstanceType"):
        assert job["properties"][field] == theirs["properties"][field], field
    # 2017's operation status fields (status, error, ...) and PascalCase affected-object keys aside.
    missing = [
        p
        for p in missing_fields(job, theirs)
        if p not in {".status", ".error", ".startTime", ".endTime"} and "affectedObjectDetails." not in p
    ]
    assert missing == []
    assert [_one_machine(_tree(t)) for t in job["properties"]["tasks"]] == [
        _tree(t) for t in theirs["properties"]["tasks"]
    ]
    (group,) = job["properties"]["tasks"]
    assert group["friendlyName"] == f"Group 1: Commit ({len(CLASSIC_ITEMS)})"
    machines = _machine_tasks(job)
    assert {t["customDetails"]["jobTask"]["jobScenarioName"] for t in machines} == {"CommitFailover"}
    plan = raw_get(paced, f"{vault_path(paced)}/replicationRecoveryPlans/rp-app1")
    assert plan["properties"]["currentScenario"]["jobId"].endswith(f"/replicationJobs/{job['name']}")
    assert "Commit" not in plan["properties"]["allowedOperations"]


def test_a_machine_that_fails_in_a_plan_job_has_its_error_only_in_its_child_job(paced: Vault) -> None:
    paced.simulator.runtime.set_faults(
        job_failures=[{"operation": "unplanned_failover", "code": "8038", "item": CLASSIC_ITEMS[1]}]
    )
    _reprotect_all(paced)
    tracking = _start_plan_failover(paced)
    paced.simulator.runtime.advance(15)
    job = _job(paced, tracking)
    assert job["properties"]["state"] == "Failed"
    assert job["properties"]["allowedActions"] == ["Restart"]
    assert job["properties"]["errors"] == []  # modelled: the code is only in the machine's child job
    failed = [t for t in _machine_tasks(job) if t["state"] == "Failed"]
    assert [t["friendlyName"] for t in failed] == ["V2A-W2K19-202"]
    child = _job(paced, failed[0]["customDetails"]["jobTask"]["jobId"].rsplit("/", 1)[-1])
    assert [e["serviceErrorDetails"]["code"] for e in child["properties"]["errors"]] == ["8038"]
    boot = job["properties"]["tasks"][3]
    assert boot["state"] == "Failed"
    assert job["properties"]["tasks"][4]["state"] == "NotStarted"


def _refused(call: Any) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as refused:
        call()
    return refused.value


def test_failover_direction_is_checked(paced: Vault) -> None:
    _reprotect_all(paced)
    plans = paced.client.replication_recovery_plans
    invalid = _refused(
        lambda: plans.begin_unplanned_failover(*paced.scope, "rp-app1", _plan_failover("Sideways"))
    )
    assert invalid.status_code == 400
    assert invalid.error is not None
    assert invalid.error.code == "InvalidParameter"
    assert "failoverDirection" in str(invalid.error.message)
    wrong = _refused(
        lambda: plans.begin_unplanned_failover(*paced.scope, "rp-app1", _plan_failover("PrimaryToRecovery"))
    )
    assert wrong.status_code == 400
    assert wrong.error is not None
    assert wrong.error.code == "OperationNotAllowed"
    item_wrong = _refused(
        lambda: paced.client.replication_protected_items.begin_unplanned_failover(
            *paced.item_scope,
            CLASSIC_ITEMS[0],
            models.UnplannedFailoverInput(
                properties=models.UnplannedFailoverInputProperties(
                    failover_direction="RecoveryToPrimary",  # the InMage item is active in its primary
                    source_site_operations="Required",
                    provider_specific_details=models.InMageUnplannedFailoverInput(
                        recovery_point_type="LatestTime"
                    ),
                )
            ),
        )
    )
    assert item_wrong.error is not None
    assert item_wrong.error.code == "OperationNotAllowed"
    assert not [
        j
        for j in paced.client.replication_jobs.list(*paced.scope)
        if j.properties.scenario_name == "UnplannedFailover"
    ]


def test_a_missing_required_field_is_named(paced: Vault) -> None:
    body = classic_reprotect_input(paced)
    body.properties.provider_specific_details.master_target_id = None
    refused = _refused(
        lambda: paced.client.replication_protected_items.begin_reprotect(
            *paced.item_scope, CLASSIC_ITEMS[0], body, polling=False
        )
    )
    assert refused.status_code == 400
    assert "masterTargetId" in str(refused.error.message if refused.error else "")
    assert "None" not in str(refused.error.message if refused.error else "")


FAILED_FAILOVER = "protecteditem_get_InMageAzureV2_UnplannedFailoverCompletionFailed_and_rp_404.json"


def test_a_failover_that_could_not_complete_leaves_the_machine_as_recorded(paced: Vault) -> None:
    paced.simulator.runtime.set_faults(
        job_failures=[
            {
                "operation": "unplanned_failover",
                "code": "8038",
                "item": CLASSIC_ITEMS[1],
                "completion_failed": True,
            }
        ]
    )
    _reprotect_all(paced)
    tracking = _start_plan_failover(paced)
    paced.simulator.runtime.advance(15)
    assert _job(paced, tracking)["properties"]["state"] == "Failed"
    ours = raw_get(paced, f"{vault_path(paced)}/replicationProtectedItems")["value"]
    failed = next(i for i in ours if i["name"] == CLASSIC_ITEMS[1])["properties"]
    theirs = recorded(FAILED_FAILOVER, "get_protectedItem", "ResponseBody", "properties")
    for field in ("protectionState", "protectionStateDescription", "activeLocation", "allowedOperations"):
        assert failed[field] == theirs[field], field
    assert failed["replicationHealth"] == theirs["replicationHealth"] == "Critical"
    assert failed["failoverHealth"] == theirs["failoverHealth"]
    assert failed["currentScenario"]["scenarioName"] == theirs["currentScenario"]["scenarioName"] == "None"
    # The 2017 recording lists them as replicationHealthErrors; the current API as healthErrors.
    recorded_errors = theirs["replicationHealthErrors"]
    assert [e["errorCode"] for e in failed["healthErrors"]] == [e["errorCode"] for e in recorded_errors]
    first_disk = "Disk0"  # the scenario's first disk is named as the recorded one
    for ours_error, their_error in zip(failed["healthErrors"], recorded_errors, strict=True):
        for field in ("errorSource", "errorType", "errorLevel", "possibleCauses", "recommendedAction"):
            assert ours_error[field] == their_error[field], (their_error["errorCode"], field)
        assert ours_error["errorMessage"] == their_error["errorMessage"].replace("Disk0", first_disk)
        assert ours_error["recoveryProviderErrorMessage"] is None
    assert failed["healthErrors"][-1]["creationTimeUtc"] == recorded_errors[-1]["creationTimeUtc"]
    details = failed["providerSpecificDetails"]
    assert details["instanceType"] == "InMage"  # the failback direction's provider
    assert details["vmProtectionState"] == theirs["providerSpecificDetails"]["vmProtectionState"]
    assert (
        details["vmProtectionStateDescription"]
        == theirs["providerSpecificDetails"]["vmProtectionStateDescription"]
    )
    # Its group's other machine failed over with nothing to say against it: it stays where it was.
    other = next(i for i in ours if i["name"] == CLASSIC_ITEMS[0])["properties"]
    assert other["protectionState"] == "Protected"
    assert not other["healthErrors"]
    # Through the SDK the item reads as Site Recovery's own models parse it.
    item = paced.client.replication_protected_items.get(*paced.item_scope, CLASSIC_ITEMS[1])
    assert item.properties.protection_state == "UnplannedFailoverCompletionFailed"
    assert "78037" in {e.error_code for e in item.properties.health_errors}


def test_completion_failed_is_a_failover_fault_only() -> None:
    from pydantic import ValidationError

    from failback_operator.sim.asr.scenario import JobFailure

    with pytest.raises(ValidationError, match="unplanned failover only"):
        JobFailure(operation="reprotect", code="8061", completion_failed=True)
