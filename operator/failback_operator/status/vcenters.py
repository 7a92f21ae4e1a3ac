"""A VCenter's whole status from one look at vCenter (pure: what was read in, status out).

Ready means connected and, where the run-as user is declared, FB005 passed on the root folder and
the datacenters. A look that fails keeps the last version read and says why in Connected.
"""

from __future__ import annotations

from datetime import datetime

from failback_operator.api.status import RunAsPrivileges, VCenterStatus
from failback_operator.api.vocabulary import Reason
from failback_operator.facts import FailbackFacts, MasterTargetDeclaration, VCenterAbout, VCenterFacts
from failback_operator.rules import CheckContext, CheckPhase, Finding, RuleConfig
from failback_operator.rules.prerequisites import check_fb005
from failback_operator.status.connections import (
    ReadFailure,
    Readiness,
    connection_conditions,
    kept_after_failure,
)

__all__ = ["build_vcenter_status", "missing_privileges", "run_as_findings"]


def run_as_findings(
    vcenter: str, about: VCenterAbout, now: datetime, config: RuleConfig | None = None
) -> tuple[Finding, ...]:
    """FB005 on the privileges read; the declaration only names the vCenter the rule reports on."""
    facts = FailbackFacts(
        master_target=MasterTargetDeclaration(name=vcenter),
        vcenter=VCenterFacts(vcenter=vcenter, observed_at=now, run_as_privileges=about.run_as_privileges),
    )
    context = CheckContext(phase=CheckPhase.PRE_REPROTECT, now=now, config=config or RuleConfig())
    return check_fb005(facts, context)


def missing_privileges(about: VCenterAbout, required: frozenset[str]) -> tuple[str, ...] | None:
    """Required privileges the run-as account lacks anywhere checked; None when they were not verified."""
    grants = about.run_as_privileges
    if not grants or not all(grant.checked for grant in grants):
        return None
    return tuple(sorted(set().union(*(required - grant.privileges for grant in grants))))


def _readiness(run_as_user: str | None, about: VCenterAbout, findings: tuple[Finding, ...]) -> Readiness:
    if not run_as_user:
        return Readiness(
            ready=True,
            reason=Reason.CONNECTED,
            message="connected; FB005 is not checked here: no spec.runAsUser is declared",
        )
    failing = [f for f in findings if not f.passed]
    if failing:
        text = "; ".join(f"{f.rule}: {f.message}" for f in failing)
        if about.privileges_note:
            text += f" ({about.privileges_note})"
        return Readiness(ready=False, reason=Reason.BLOCKED, message=text)
    return Readiness(
        ready=True,
        reason=Reason.ALL_PASSED,
        message=f"connected; run-as account {run_as_user} holds the required privileges (FB005)",
    )


def build_vcenter_status(
    previous: VCenterStatus,
    *,
    vcenter: str,
    run_as_user: str | None,
    about: VCenterAbout | None,
    failure: ReadFailure | None,
    generation: int,
    now: datetime,
    config: RuleConfig | None = None,
) -> VCenterStatus:
    """The status to write after a look: what was read, or the last values kept when the look failed."""
    config = config or RuleConfig()
    if about is None or failure is not None:
        failure = failure or ReadFailure(reason=Reason.UNREACHABLE, message=f"vCenter {vcenter} was not read")
        return kept_after_failure(previous, failure, generation, now)
    findings = run_as_findings(vcenter, about, now, config) if run_as_user else ()
    missing = missing_privileges(about, config.run_as_privileges)
    privileges = (
        RunAsPrivileges(user=run_as_user, missing=missing, checked_at=now if missing is not None else None)
        if run_as_user
        else None
    )
    return VCenterStatus(
        observed_generation=generation,
        version=about.version,
        api_version=about.api_version,
        instance_uuid=about.instance_uuid,
        privileges=privileges,
        conditions=connection_conditions(
            previous.conditions,
            failure=None,
            connected_message=f"logged in to vCenter {vcenter} (version {about.version or 'unknown'})",
            readiness=_readiness(run_as_user, about, findings),
            generation=generation,
            now=now,
        ),
    )
