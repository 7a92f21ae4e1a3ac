"""The rule catalogue of RULES.md as pure functions: facts in, findings out (no SDK, vCenter or Kopf here)."""

from failback_operator.rules.catalogue import CATALOGUE, RULES, RuleEntry, applicable
from failback_operator.rules.config import RuleConfig
from failback_operator.rules.evaluate import blocking, evaluate
from failback_operator.rules.inputs import CheckContext, FailbackFacts
from failback_operator.rules.model import (
    Finding,
    ObjectRef,
    Outcome,
    Phase,
    RuleKind,
    Section,
    Severity,
    Source,
)

__all__ = [
    "CATALOGUE",
    "RULES",
    "CheckContext",
    "FailbackFacts",
    "Finding",
    "ObjectRef",
    "Outcome",
    "Phase",
    "RuleConfig",
    "RuleEntry",
    "RuleKind",
    "Section",
    "Severity",
    "Source",
    "applicable",
    "blocking",
    "evaluate",
]
