"""Site Recovery's error vocabulary: documented failback job errors and ARM error bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from failback_operator.errors import FailbackOperatorError

__all__ = [
    "AGENT_NOT_INSTALLED",
    "FAILED_FAILOVER_HEALTH_ERRORS",
    "JOB_ERRORS",
    "ArmError",
    "HealthErrorText",
    "JobErrorText",
    "arm_error_body",
]


@dataclass(frozen=True)
class JobErrorText:
    """A job error as Site Recovery words it: what, why, and what to do."""

    code: str
    message: str
    possible_causes: str
    recommended_action: str
    failing_task: str  # name of the task that fails with it


# Texts follow Microsoft's "troubleshoot reprotect and failback" documentation for each code.
JOB_ERRORS: dict[str, JobErrorText] = {
    "95226": JobErrorText(
        "95226",
        "Reprotect failed as the Azure virtual machine was not able to reach the on-premises "
        "configuration server.",
        "The Azure virtual machine can't reach the configuration server, or the mobility service "
        "on it can't register with the configuration server.",
        "Make sure the Azure virtual machine can reach the on-premises configuration server on port "
        "443 (site-to-site VPN or ExpressRoute), that its mobility service is running, and retry.",
        "ProtectReplicaTask",
    ),
    "78052": JobErrorText(
        "78052",
        "Protection couldn't be completed for the virtual machine.",
        "A virtual machine with the same name already exists on the master target's ESXi host, "
        "where the failed-back virtual machine would be created.",
        "Rename or remove the existing virtual machine on the master target's host, or fail back to "
        "the original location, and retry reprotect.",
        "ProtectReplicaTask",
    ),
    "78093": JobErrorText(
        "78093",
        "The virtual machine isn't running, is in a hung state, or isn't accessible.",
        "The failed-over virtual machine in Azure is stopped, hung, or its guest can't be reached.",
        "Start the virtual machine in Azure, make sure it responds, and retry reprotect.",
        "ProtectReplicaTask",
    ),
    "8061": JobErrorText(
        "8061",
        "The datastore isn't accessible from the ESXi host.",
        "The datastore chosen for reprotect isn't mounted, or is read-only, on the master "
        "target's ESXi host.",
        "Mount the datastore read-write on the master target's ESXi host (VMFS or vSAN) and retry.",
        "ProtectReplicaTask",
    ),
    "8038": JobErrorText(
        "8038",
        "Failed to bring up the on-premises virtual machine due to the lack of memory on the host.",
        "The ESXi host that runs the failed-back virtual machine doesn't have enough free memory.",
        "Free memory on the ESXi host or move virtual machines off it, then retry the failover.",
        "VmFoStartVmOnSecondary",
    ),
}

AGENT_NOT_INSTALLED = JobErrorText(
    "AgentNotInstalled",
    "Reprotect can't start: the mobility service agent is not installed on the virtual machine, "
    "or has not registered with the configuration server yet.",
    "After the virtual machine boots in Azure, its agent can take up to 15 minutes to register "
    "again with the configuration server.",
    "Wait a few minutes and retry reprotect.",
    "SwitchReplicationGroupProtectionPreflightTask",
)

# Modelled (not recorded): what the prerequisite check says while the heartbeat is stopped (FB004).
CONFIGURATION_SERVER_NOT_CONNECTED = JobErrorText(
    "ConfigurationServerNotConnected",
    "The on-premises configuration server is not connected to Site Recovery.",
    "The configuration server is stopped, or it can't reach Site Recovery over HTTPS (port 443).",
    "Make sure the configuration server is running and connected (recent heartbeat), then retry.",
    "",  # fails the job's first task, its prerequisite check
)


class ArmError(FailbackOperatorError):
    """An error answered in ARM's shape: status, code, message (and Site Recovery's extra fields)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        possible_causes: str | None = None,
        recommended_action: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.possible_causes = possible_causes
        self.recommended_action = recommended_action
        self.headers = headers or {}

    @classmethod
    def from_job_error(cls, status: int, text: JobErrorText) -> ArmError:
        """An ARM error carrying a Site Recovery error text."""
        return cls(
            status,
            text.code,
            text.message,
            possible_causes=text.possible_causes,
            recommended_action=text.recommended_action,
        )

    def body(self, activity_id: str) -> dict[str, Any]:
        """The JSON error body ARM returns."""
        return arm_error_body(
            self.code,
            self.message,
            activity_id,
            possible_causes=self.possible_causes,
            recommended_action=self.recommended_action,
        )


def arm_error_body(
    code: str,
    message: str,
    activity_id: str,
    *,
    possible_causes: str | None = None,
    recommended_action: str | None = None,
) -> dict[str, Any]:
    """`{"error": {...}}` as ARM and Site Recovery answer errors."""
    error: dict[str, Any] = {"code": code, "message": message}
    if possible_causes is not None or recommended_action is not None:
        error["possibleCauses"] = possible_causes or ""
        error["recommendedAction"] = recommended_action or ""
        error["activityId"] = activity_id
    return {"error": error}


@dataclass(frozen=True)
class HealthErrorText:
    """An item health error as Site Recovery words it; `{disk}` stands for the disk's name."""

    source: str
    level: str
    code: str
    message: str
    possible_causes: str
    recommended_action: str


# The health errors of the recorded item whose failover failed ("Failover couldn't be completed"),
# word for word, in the recorded order; Disk0 there is the item's first disk here.
FAILED_FAILOVER_HEALTH_ERRORS: tuple[HealthErrorText, ...] = (
    HealthErrorText(
        "ReplicationUnitProviderErrorOnPrimary",
        "Error",
        "78024",
        ("'{disk}' disk is inconsistent with its replication target and requires a resync to continue."),
        ("Replication consistency was lost due to missed data in transit or an intermittent server failure."),
        "Start the resynchronization process. If the issue persists, please contact support.",
    ),
    HealthErrorText(
        "ReplicationUnitProviderErrorOnPrimary",
        "Warning",
        "78028",
        "Data upload blocked for the '{disk}' disk's replication on the source machine.",
        ("The process server has not received any data from the source machine in the last 30 minutes."),
        (
            "Ensure that the network connectivity exists between the source machine and the process "
            "server. Check to see if the mobility service (InMage Scout VX Agent - Sentinel/Outpost, "
            "InMage Scout Application Service) is running on the source server."
        ),
    ),
    HealthErrorText(
        "ReplicationUnitProviderErrorOnPrimary",
        "Warning",
        "78026",
        "RPO has exceeded the configured threshold for source disks '{disk}'.",
        (
            "\n"
            "            The RPO for a replicating machine may be impacted if:\n"
            "            1. The machine is shutdown, the Mobility service components on the machine "
            "is not running, or the machine doesn\u2019t have network connectivity to the process server.\n"
            "            2. The replicating machine is unable to upload changes fast enough to the "
            "process server, or the replicating machine has been flow controlled/throttled by the "
            "process server, thereby causing the machine to go into a non-data replication mode.\n"
            "            3. Recovery tag generation failures on the replicating machine.\n"
            "            4. The process server is unable to upload changes fast enough to the "
            "target/log Azure storage account (or the master target server if replicating to an "
            "on-premises site). This in turn can happen due to network connectivity issues /glitches "
            "or insufficient network throughput/bandwidth between the process server and the Azure "
            "log/target storage account.\n"
            "            5. Storage IOPs/throughput limits are being hit on the log/target storage "
            "account resulting in reduced end to end upload throughput from the process server to "
            "the log/target storage account in Azure.\n"
            "        "
        ),
        (
            "\n"
            "          1. If there are other errors for the replicating machine, resolve them first.\n"
            "          2. See the list of recent events for the replicating machine that may be "
            "impacting the RPO of the machine by going to the events section of the recovery "
            "services vault. If there are any such events, resolve them.\n"
            "          3. Ensure that you have sufficient network bandwidth between the process "
            "server and the log/target Azure storage account (or master target server if replicating "
            "to on-premises site) to upload replication data, and that you are replicating to the "
            "appropriate tier of storage based on the data change rate characteristics of the "
            "replicating machine. Use the ASR deployment planner "
            "(https://aka.ms/asr-v2a-deployment-planner) to estimate the necessary network bandwidth "
            "requirements and the appropriate tier of storage to replicate to.\n"
            "\n"
            "          Refer to the article https://aka.ms/asr-v2a-rpo-exceeded , to learn how to "
            "troubleshoot replication issues.\n"
            "        "
        ),
    ),
    HealthErrorText(
        "ProtectedEntitySystemError",
        "Error",
        "78037",
        "The failover of the source machine failed.",
        "Failover operation failed for Source machine. Check the provider error for more details.",
        "Resolve the issue as recommended in the provider error details. ",
    ),
)
