"""The rule catalogue of RULES.md as pure functions: facts in, findings out (no SDK, vCenter or Kopf here)."""

from failback_operator.rules.catalogue import CATALOGUE, RULES, RuleEntry, applicable
from failback_operator.rules.config import RuleConfig
from failback_operator.rules.disk_slots import DiskSlotUsage, disk_slot_usage
from failback_operator.rules.evaluate import blocking, evaluate
from failback_operator.rules.inputs import CheckContext
from failback_operator.rules.job_errors import JobErrorRemedy, explain_job_error
from failback_operator.rules.master_target import master_target_disk_slots
from failback_operator.rules.model import (
    CheckPhase,
    Finding,
    ObjectRef,
    Outcome,
    RuleKind,
    Section,
    Severity,
    Source,
)
from failback_operator.rules.summary import RuleStatus, rule_statuses
from failback_operator.rules.window import FailbackGate, WindowState, failback_gate

__all__ = [
    "CATALOGUE",
    "RULES",
    "CheckContext",
    "CheckPhase",
    "DiskSlotUsage",
    "FailbackGate",
    "Finding",
    "JobErrorRemedy",
    "ObjectRef",
    "Outcome",
    "RuleConfig",
    "RuleEntry",
    "RuleKind",
    "RuleStatus",
    "Section",
    "Severity",
    "Source",
    "WindowState",
    "applicable",
    "blocking",
    "disk_slot_usage",
    "evaluate",
    "explain_job_error",
    "failback_gate",
    "master_target_disk_slots",
    "rule_statuses",
]
