"""What a check is given besides the facts (`facts.FailbackFacts`): the phase, the time, the tunables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from failback_operator.rules.config import RuleConfig
from failback_operator.rules.model import CheckPhase

__all__ = ["CheckContext"]


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckContext:
    """The phase being checked, the injected clock's now, and the tunables."""

    phase: CheckPhase
    now: datetime
    config: RuleConfig = field(default_factory=RuleConfig)
