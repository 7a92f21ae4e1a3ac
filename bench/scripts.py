"""The scripts a team writes today from the documented PowerShell sequence, with the same SDK calls.

`Update-AzRecoveryServicesAsrProtectionDirection` (reprotect), then `Get-AzRecoveryServicesAsrJob`
every 30 seconds until the job ends, `Get-AzRecoveryServicesAsrReplicationProtectedItem` every 30
seconds until the machine is protected, `Start-AzRecoveryServicesAsrUnplannedFailoverJob`, wait,
`Start-AzRecoveryServicesAsrCommitFailoverJob`, wait. One script goes one machine after another;
the other starts every machine's reprotect at once and fails each group over through its
recovery plan. Both poll each job and each machine with its own GET, as those cmdlets do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from azure.identity import ClientSecretCredential
from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient, models

from failback_operator.sim.asr import AsrSimulator

__all__ = ["ScriptRun", "run_parallel_script", "run_sequential_script"]

_ENDED = {"Succeeded", "Failed", "Cancelled", "Suspended", "CompletedWithInformation"}
MASTER_TARGET_ID = "30AE6187-5869-8E44-B8AF6AA66E3ECC8F"


@dataclass
class ScriptRun:
    """How long a script took (real seconds, at the simulator's time scale) and what it asked."""

    seconds: float
    failed: list[str]


class _Vault:
    def __init__(self, simulator: AsrSimulator) -> None:
        scenario = simulator.runtime.scenario
        credential = ClientSecretCredential(
            simulator.tenant,
            simulator.client_id,
            simulator.client_secret,
            authority=simulator.base_url,
            disable_instance_discovery=True,
            connection_verify=str(simulator.ca_file),
        )
        self.client = SiteRecoveryManagementClient(
            credential,
            scenario.vault.subscription,
            base_url=simulator.base_url,
            connection_verify=str(simulator.ca_file),
            credential_scopes=["https://management.azure.com/.default"],
        )
        server = scenario.configuration_server
        self.scope = (scenario.vault.resource_group, scenario.vault.name)
        self.items = (*self.scope, server.fabric_name, server.container_name or f"cloud_{server.internal_id}")
        self.policy = (
            f"/Subscriptions/{scenario.vault.subscription}/resourceGroups/{scenario.vault.resource_group}"
            f"/providers/Microsoft.RecoveryServices/vaults/{scenario.vault.name}"
            f"/replicationPolicies/{scenario.failback_policy}"
        )

    def _job_of(self, start: Callable[[Callable[[object], None]], object]) -> str:
        location: list[str] = []

        def hook(response: object) -> None:
            headers = response.http_response.headers  # type: ignore[attr-defined]
            if not location and "Location" in headers:
                location.append(headers["Location"])

        start(hook)
        return location[0].split("?")[0].rsplit("/", 1)[-1]

    def reprotect(self, item: str) -> str:
        body = models.ReverseReplicationInput(
            properties=models.ReverseReplicationInputProperties(
                failover_direction="RecoveryToPrimary",
                provider_specific_details=models.InMageReprotectInput(
                    master_target_id=MASTER_TARGET_ID,
                    process_server_id=MASTER_TARGET_ID,
                    retention_drive="F",
                    run_as_account_id="2",
                    datastore_name="datastore1",
                    profile_id=self.policy,
                ),
            )
        )
        return self._job_of(
            lambda hook: self.client.replication_protected_items.begin_reprotect(
                *self.items, item, body, polling=False, raw_response_hook=hook
            )
        )

    def failover_item(self, item: str) -> str:
        body = models.UnplannedFailoverInput(
            properties=models.UnplannedFailoverInputProperties(
                failover_direction="PrimaryToRecovery",
                source_site_operations="Required",
                provider_specific_details=models.InMageUnplannedFailoverInput(
                    recovery_point_type="LatestTime"
                ),
            )
        )
        return self._job_of(
            lambda hook: self.client.replication_protected_items.begin_unplanned_failover(
                *self.items, item, body, polling=False, raw_response_hook=hook
            )
        )

    def commit_item(self, item: str) -> str:
        return self._job_of(
            lambda hook: self.client.replication_protected_items.begin_failover_commit(
                *self.items, item, polling=False, raw_response_hook=hook
            )
        )

    def failover_plan(self, plan: str) -> str:
        body = models.RecoveryPlanUnplannedFailoverInput(
            properties=models.RecoveryPlanUnplannedFailoverInputProperties(
                # A recovery plan's primary is the on-premises fabric: failing back is RecoveryToPrimary
                # (an item reprotected to on-premises has Azure as its primary, hence PrimaryToRecovery).
                failover_direction="RecoveryToPrimary",
                source_site_operations="Required",
                provider_specific_details=[
                    models.RecoveryPlanInMageFailoverInput(recovery_point_type="LatestTime")
                ],
            )
        )
        return self._job_of(
            lambda hook: self.client.replication_recovery_plans.begin_unplanned_failover(
                *self.scope, plan, body, polling=False, raw_response_hook=hook
            )
        )

    def commit_plan(self, plan: str) -> str:
        return self._job_of(
            lambda hook: self.client.replication_recovery_plans.begin_failover_commit(
                *self.scope, plan, polling=False, raw_response_hook=hook
            )
        )

    def job_state(self, job: str) -> str:
        properties = self.client.replication_jobs.get(*self.scope, job).properties
        return str(properties.state if properties else "")

    def protected(self, item: str) -> bool:
        properties = self.client.replication_protected_items.get(*self.items, item).properties
        return "UnplannedFailover" in ((properties.allowed_operations if properties else None) or [])

    def close(self) -> None:
        self.client.close()


def _wait_jobs(vault: _Vault, jobs: Sequence[str], poll: float, failed: list[str]) -> None:
    """Get-AzRecoveryServicesAsrJob for each job every `poll` seconds until all have ended."""
    waiting = list(jobs)
    while True:
        states = {job: vault.job_state(job) for job in waiting}
        failed += [job for job, state in states.items() if state in _ENDED and state != "Succeeded"]
        waiting = [job for job, state in states.items() if state not in _ENDED]
        if not waiting:
            return
        time.sleep(poll)


def _wait_protected(vault: _Vault, items: Sequence[str], poll: float) -> None:
    waiting = list(items)
    while True:
        waiting = [item for item in waiting if not vault.protected(item)]
        if not waiting:
            return
        time.sleep(poll)


def run_sequential_script(
    simulator: AsrSimulator, machines: Sequence[str], *, poll_seconds: float, speedup: float = 1.0
) -> ScriptRun:
    """One machine after another: reprotect, wait, wait for protection, fail over, wait, commit, wait.

    With `speedup`, the caller runs the simulated clock that many times faster and the script polls
    that many times more often: the same run in simulated time, here reported in real seconds.
    """
    vault = _Vault(simulator)
    poll = poll_seconds / speedup
    failed: list[str] = []
    started = time.monotonic()
    try:
        for item in machines:
            _wait_jobs(vault, [vault.reprotect(item)], poll, failed)
            _wait_protected(vault, [item], poll)
            _wait_jobs(vault, [vault.failover_item(item)], poll, failed)
            _wait_jobs(vault, [vault.commit_item(item)], poll, failed)
    finally:
        vault.close()
    return ScriptRun(seconds=(time.monotonic() - started) * speedup, failed=failed)


def run_parallel_script(
    simulator: AsrSimulator, groups: Sequence[tuple[str, Sequence[str]]], *, poll_seconds: float
) -> ScriptRun:
    """All machines at once: every reprotect, wait for all, then each group through its recovery plan."""
    vault = _Vault(simulator)
    failed: list[str] = []
    started = time.monotonic()
    try:
        machines = [item for _, items in groups for item in items]
        _wait_jobs(vault, [vault.reprotect(item) for item in machines], poll_seconds, failed)
        _wait_protected(vault, machines, poll_seconds)
        _wait_jobs(vault, [vault.failover_plan(plan) for plan, _ in groups], poll_seconds, failed)
        _wait_jobs(vault, [vault.commit_plan(plan) for plan, _ in groups], poll_seconds, failed)
    finally:
        vault.close()
    return ScriptRun(seconds=time.monotonic() - started, failed=failed)
