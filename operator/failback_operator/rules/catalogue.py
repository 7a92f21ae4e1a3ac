"""The rule catalogue: every rule of RULES.md with ID, severity, phases, sources, architectures, check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from failback_operator.facts import Architecture, FailbackFacts
from failback_operator.rules import (
    common_issues,
    failback,
    master_target,
    prerequisites,
    process_server,
    reprotect,
)
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.model import CheckPhase, Finding, RuleKind, Section, Severity, Source
from failback_operator.rules.wording import WORDING

Check = Callable[[FailbackFacts, CheckContext], tuple[Finding, ...]]

BOTH = frozenset({Architecture.CLASSIC, Architecture.MODERNIZED})
CLASSIC = frozenset({Architecture.CLASSIC})

B, W, INF = Severity.BLOCK, Severity.WARN, Severity.INFO
PRE_R, REP, PRE_F = CheckPhase.PRE_REPROTECT, CheckPhase.REPROTECT, CheckPhase.PRE_FAILBACK
FB, CONT, POST = CheckPhase.FAILBACK, CheckPhase.CONTINUOUS, CheckPhase.POST_FAILBACK
VC, ASR, SPEC, PROBE = Source.VCENTER, Source.SITE_RECOVERY, Source.SPEC, Source.PROBE


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleEntry:
    """One rule: what it is called, how much it matters, when and where it is checked, and how."""

    id: str
    title: str
    section: Section
    severities: tuple[Severity, ...]
    severity_text: str
    when: tuple[CheckPhase, ...]
    where: tuple[Source, ...]
    architectures: frozenset[Architecture] = BOTH
    kind: RuleKind = RuleKind.CHECK
    derived: bool = False
    check: Check | None = None
    # For behaviours, and for a check whose phase the workflow judges itself (FB042 on the failover
    # job before commit): the pure helper the workflow calls (module:function).
    helper: str | None = None

    @property
    def wording(self) -> str:
        """The article's wording of the rule, in English."""
        return WORDING[self.id]

    @property
    def classic_only(self) -> bool:
        """Whether the rule applies to the classic architecture only."""
        return self.architectures == CLASSIC


def _entries() -> tuple[RuleEntry, ...]:
    pre, ps, mt = Section.PREREQUISITES, Section.PROCESS_SERVER, Section.MASTER_TARGET
    rp, ci, fb = Section.REPROTECT, Section.COMMON_ISSUES, Section.FAILBACK
    p, s, m, r = prerequisites, process_server, master_target, reprotect
    c, f = common_issues, failback
    behaviour = RuleKind.BEHAVIOUR
    return (
        RuleEntry(
            id="FB001",
            title="Master target shares no UUID with a protected VM",
            section=pre,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC, ASR),
            check=p.check_fb001,
        ),
        RuleEntry(
            id="FB002",
            title="Master target and vCenter discovered by the configuration server",
            section=pre,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(ASR,),
            check=p.check_fb002,
        ),
        RuleEntry(
            id="FB003",
            title="Failback policy exists, associated, with its fixed values",
            section=pre,
            severities=(B, W),
            severity_text="block (missing) / warn (values differ)",
            when=(PRE_R,),
            where=(ASR,),
            check=p.check_fb003,
        ),
        RuleEntry(
            id="FB004",
            title="Configuration server running and connected",
            section=pre,
            severities=(B,),
            severity_text="block",
            when=(PRE_R, PRE_F, CONT),
            where=(ASR,),
            check=p.check_fb004,
        ),
        RuleEntry(
            id="FB005",
            title="Run-as account holds the required vCenter privileges",
            section=pre,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC, ASR),
            check=p.check_fb005,
        ),
        RuleEntry(
            id="FB006",
            title="No snapshots on the master target",
            section=pre,
            severities=(B, INF),
            severity_text="block (MT) / info (VM)",
            when=(PRE_R, PRE_F, CONT),
            where=(VC,),
            check=p.check_fb006,
        ),
        RuleEntry(
            id="FB007",
            title="One OS type per replication group",
            section=pre,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(SPEC, ASR),
            check=p.check_fb007,
        ),
        RuleEntry(
            id="FB008",
            title="One master target per replication group",
            section=pre,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(SPEC,),
            check=p.check_fb008,
        ),
        RuleEntry(
            id="FB009",
            title="Master target OS version same or newer than the items'",
            section=pre,
            severities=(B, W),
            severity_text="block (older) / warn (unknown or incomparable)",
            when=(PRE_R,),
            where=(ASR, VC),
            check=p.check_fb009,
        ),
        RuleEntry(
            id="FB010",
            title="Configuration server knows the VM",
            section=pre,
            severities=(B,),
            severity_text="block",
            when=(PRE_R, PRE_F),
            where=(ASR,),
            check=p.check_fb010,
        ),
        RuleEntry(
            id="FB011",
            title="Azure VMs reach the configuration server (S2S VPN / ExpressRoute)",
            section=pre,
            severities=(W,),
            severity_text="warn",
            when=(PRE_R,),
            where=(ASR,),
            check=p.check_fb011,
        ),
        RuleEntry(
            id="FB012",
            title="Kept IP addresses need a private path and two NICs",
            section=pre,
            severities=(INF,),
            severity_text="info",
            when=(PRE_R,),
            where=(SPEC,),
            check=p.check_fb012,
        ),
        RuleEntry(
            id="FB013",
            title="Failover and failback ports open",
            section=pre,
            severities=(W,),
            severity_text="warn",
            when=(PRE_R,),
            where=(PROBE, ASR),
            check=p.check_fb013,
        ),
        RuleEntry(
            id="FB014",
            title="Process server registered, with heartbeat, in Azure",
            section=ps,
            severities=(B, W),
            severity_text="block / warn",
            when=(PRE_R, CONT),
            where=(ASR,),
            architectures=CLASSIC,
            check=s.check_fb014,
        ),
        RuleEntry(
            id="FB015",
            title="On-premises process server only for a proof of concept",
            section=ps,
            severities=(INF,),
            severity_text="info",
            when=(PRE_R,),
            where=(ASR,),
            architectures=CLASSIC,
            check=s.check_fb015,
        ),
        RuleEntry(
            id="FB016",
            title="Replication back over S2S VPN or ExpressRoute private peering",
            section=ps,
            severities=(INF,),
            severity_text="info",
            when=(PRE_R,),
            where=(SPEC,),
            check=s.check_fb016,
        ),
        RuleEntry(
            id="FB017",
            title="Linux VMs need a separate Linux master target, not on LVM",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(SPEC, VC),
            check=m.check_fb017,
        ),
        RuleEntry(
            id="FB018",
            title="Existing VM's datastore mounted read-write on the master target's host",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC, ASR),
            check=m.check_fb018,
        ),
        RuleEntry(
            id="FB019",
            title="Where a VM that no longer exists will be created",
            section=mt,
            severities=(INF,),
            severity_text="info",
            when=(PRE_R,),
            where=(VC, ASR),
            check=m.check_fb019,
        ),
        RuleEntry(
            id="FB020",
            title="Master target excluded from Storage DRS, disks not moved",
            section=mt,
            severities=(W, B),
            severity_text="warn (pre-reprotect) / block (continuous)",
            when=(PRE_R, CONT),
            where=(VC,),
            check=m.check_fb020,
        ),
        RuleEntry(
            id="FB021",
            title="Retention volume offered and usable",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(ASR,),
            architectures=CLASSIC,
            check=m.check_fb021,
        ),
        RuleEntry(
            id="FB022",
            title="Refresh and wait for a new retention volume",
            section=mt,
            severities=(),
            severity_text="behaviour",
            when=(PRE_R,),
            where=(ASR,),
            architectures=CLASSIC,
            kind=behaviour,
            helper="failback_operator.rules.retention:retention_volume_wait",
        ),
        RuleEntry(
            id="FB023",
            title="VMware Tools running on the master target",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC,),
            check=m.check_fb023,
        ),
        RuleEntry(
            id="FB024",
            title="disk.EnableUUID=true on the master target",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC,),
            check=m.check_fb024,
        ),
        RuleEntry(
            id="FB025",
            title="VMFS (or vSAN) datastore on the master target's host",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC,),
            derived=True,
            check=m.check_fb025,
        ),
        RuleEntry(
            id="FB026",
            title="No PVSCSI controller on the master target",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC,),
            check=m.check_fb026,
        ),
        RuleEntry(
            id="FB027",
            title="At most 60 disks on the master target",
            section=mt,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC, ASR),
            check=m.check_fb027,
        ),
        RuleEntry(
            id="FB028",
            title="Retry through the agent-not-installed window",
            section=rp,
            severities=(),
            severity_text="behaviour",
            when=(REP,),
            where=(ASR,),
            kind=behaviour,
            helper="failback_operator.rules.agent_window:agent_not_installed_decision",
        ),
        RuleEntry(
            id="FB029",
            title="Reprotect input",
            section=rp,
            severities=(),
            severity_text="behaviour",
            when=(REP,),
            where=(SPEC, ASR),
            kind=behaviour,
            helper="failback_operator.rules.reprotect_input:resolve_reprotect_values",
        ),
        RuleEntry(
            id="FB030",
            title="Replication group reprotected item by item, failed over as one",
            section=rp,
            severities=(),
            severity_text="behaviour",
            when=(REP, FB),
            where=(SPEC, ASR),
            kind=behaviour,
            helper="failback_operator.rules.reprotect_input:group_reprotect_values",
        ),
        RuleEntry(
            id="FB031",
            title="On-premises VM stays off after reprotect",
            section=rp,
            severities=(B,),
            severity_text="block",
            when=(CONT,),
            where=(VC, ASR),
            check=r.check_fb031,
        ),
        RuleEntry(
            id="FB032",
            title="Item protected and failover allowed before failback",
            section=rp,
            severities=(B, W),
            severity_text="block (not protected, or error defeats the recovery point) / warn",
            when=(PRE_F,),
            where=(ASR,),
            check=r.check_fb032,
        ),
        RuleEntry(
            id="FB033",
            title="Linux VMs lose the network manager package",
            section=ci,
            severities=(INF,),
            severity_text="info",
            when=(POST,),
            where=(ASR,),
            check=c.check_fb033,
        ),
        RuleEntry(
            id="FB034",
            title="Linux static IPs stay DHCP after failback",
            section=ci,
            severities=(INF,),
            severity_text="info",
            when=(POST,),
            where=(ASR, SPEC),
            check=c.check_fb034,
        ),
        RuleEntry(
            id="FB035",
            title="No free ESXi hypervisor licence",
            section=ci,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC,),
            check=c.check_fb035,
        ),
        RuleEntry(
            id="FB036",
            title="No failback for physical Windows Server 2008 R2 SP1",
            section=ci,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(ASR,),
            check=c.check_fb036,
        ),
        RuleEntry(
            id="FB037",
            title="Only machines that failed over from on-premises fail back",
            section=ci,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(ASR,),
            check=c.check_fb037,
        ),
        RuleEntry(
            id="FB038",
            title="Failback only to an ESXi host",
            section=ci,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC,),
            check=c.check_fb038,
        ),
        RuleEntry(
            id="FB039",
            title="Process server reaches the configuration server",
            section=ci,
            severities=(B,),
            severity_text="block (no heartbeat)",
            when=(PRE_R,),
            where=(ASR, PROBE),
            architectures=CLASSIC,
            check=c.check_fb039,
        ),
        RuleEntry(
            id="FB040",
            title="Failback inside the downtime window, after approval",
            section=fb,
            severities=(B,),
            severity_text="block",
            when=(PRE_F,),
            where=(SPEC,),
            check=f.check_fb040,
        ),
        RuleEntry(
            id="FB041",
            title="Master target runs the VMs' OS type",
            section=fb,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(ASR, VC),
            check=f.check_fb041,
        ),
        RuleEntry(
            id="FB042",
            title="Failover shut the Azure VM down and synchronised it",
            section=fb,
            severities=(B,),
            severity_text="block",
            when=(FB,),
            where=(ASR,),
            check=f.check_fb042,
            helper="failback_operator.rules.failback:shutdown_problems",
        ),
        RuleEntry(
            id="FB043",
            title="No VM of the same name where a new VM is created",
            section=fb,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC, ASR),
            derived=True,
            check=f.check_fb043,
        ),
        RuleEntry(
            id="FB044",
            title="Enough free ESXi memory to power the VMs on",
            section=fb,
            severities=(W,),
            severity_text="warn",
            when=(PRE_F,),
            where=(VC, ASR),
            derived=True,
            check=f.check_fb044,
        ),
        RuleEntry(
            id="FB045",
            title="Plan's datastore read-write VMFS/vSAN on the master target's host",
            section=fb,
            severities=(B,),
            severity_text="block",
            when=(PRE_R,),
            where=(VC,),
            derived=True,
            check=f.check_fb045,
        ),
        RuleEntry(
            id="FB046",
            title="Recovery plan holds exactly the group's machines",
            section=fb,
            severities=(B,),
            severity_text="block",
            when=(PRE_F, FB),
            where=(SPEC, ASR),
            derived=True,
            check=f.check_fb046,
        ),
    )


CATALOGUE: tuple[RuleEntry, ...] = _entries()
RULES: Mapping[str, RuleEntry] = MappingProxyType({entry.id: entry for entry in CATALOGUE})


def applicable(phase: CheckPhase, architecture: Architecture) -> tuple[RuleEntry, ...]:
    """The checks that run in a phase for an architecture, in catalogue order."""
    return tuple(
        entry
        for entry in CATALOGUE
        if entry.check is not None and phase in entry.when and architecture in entry.architectures
    )
