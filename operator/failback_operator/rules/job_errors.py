"""Site Recovery job errors seen in reprotect and failback, mapped to the rule they break and the fix.

Data, not code: the workflow looks errors up here to name the rule in status and pause with a
remedy; an error not in the table pauses the plan with Site Recovery's own text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from failback_operator.facts import JobError


@dataclass(frozen=True, kw_only=True, slots=True)
class JobErrorRemedy:
    """What a job error means, which rule it belongs to, what to do, and whether to retry unattended.

    `retryable` is True only where waiting alone fixes it (FB028); the others need a person first.
    """

    code: str
    rule: str
    meaning: str
    remedy: str
    retryable: bool = False


JOB_ERRORS: Mapping[str, JobErrorRemedy] = MappingProxyType(
    {
        "95226": JobErrorRemedy(
            code="95226",
            rule="FB011",
            meaning="the failed-over Azure VM cannot reach the on-premises configuration server",
            remedy=(
                "give the Azure VM a path to the configuration server over site-to-site VPN or ExpressRoute "
                "private peering (port 443, and 9443 to the process server), then retry reprotect"
            ),
        ),
        "78052": JobErrorRemedy(
            code="78052",
            rule="FB043",
            meaning="a VM with the same name already exists where reprotect would create the VM",
            remedy=(
                "rename or remove the existing VM on the master target's ESXi host (or fail back to the "
                "original VM), then retry reprotect"
            ),
        ),
        "78093": JobErrorRemedy(
            code="78093",
            rule="FB011",
            meaning="the Azure VM is not running, hangs, or cannot be reached",
            remedy="start the Azure VM, make sure it answers and reaches the configuration server; retry",
        ),
        "8061": JobErrorRemedy(
            code="8061",
            rule="FB045",
            meaning="the datastore is not reachable from the ESXi host",
            remedy=(
                "mount the plan's datastore read-write on the master target's ESXi host (VMFS or vSAN), "
                "or choose a datastore the host reaches, then retry"
            ),
        ),
        "8038": JobErrorRemedy(
            code="8038",
            rule="FB044",
            meaning="the on-premises VM could not power on: not enough memory on the ESXi host",
            remedy="free memory on the ESXi host (or move VMs away) and retry the failback",
        ),
        # A health error on the item, not a job error: the item a failover left "Failover couldn't be
        # completed" (protectionState UnplannedFailoverCompletionFailed) carries it.
        "78037": JobErrorRemedy(
            code="78037",
            rule="FB042",
            meaning='the failover could not be completed (Site Recovery: "Failover couldn\'t be completed")',
            remedy=(
                "read the error of the failed failover job in the vault and fix its cause; then repair the "
                "machine's replication from the vault until it is protected again, and set a new spec.run to "
                "fail back"
            ),
        ),
    }
)

AGENT_NOT_INSTALLED = JobErrorRemedy(
    code="AgentNotInstalled",
    rule="FB028",
    meaning="the agent in the Azure VM has not re-registered with the configuration server yet",
    remedy="wait: the agent re-registers within 15 minutes of the VM booting in Azure; reprotect is retried",
    retryable=True,
)

# Site Recovery reports this one by message, not by a stable code.
_AGENT_NOT_INSTALLED = re.compile(r"(agent|mobility service)\b.*\bnot\s+(been\s+)?installed", re.IGNORECASE)


def explain_job_error(error: JobError) -> JobErrorRemedy | None:
    """The table entry for a job error, by code, else by the agent-not-installed message; None if unknown."""
    known = JOB_ERRORS.get(error.code.strip())
    if known is not None:
        return known
    if _AGENT_NOT_INSTALLED.search(error.message) or _AGENT_NOT_INSTALLED.search(error.possible_causes):
        return AGENT_NOT_INSTALLED
    return None
