"""The joins of one vault's shared reads (recovery plans, kept facts, the index), made once per read.

Every look at a plan joins the vault's shared reads the same way: with a thousand plans on a vault
of a thousand items, doing it again per look made the first wave quadratic. The shared reads hand
every look the same objects until they are read again, so their identity is enough to know the
answer is the same (`same_inputs.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from failback_operator.azure import with_recovery_plans
from failback_operator.facts.asr import ProtectedItem, VaultIndex, index_vault
from failback_operator.gathering.kept_facts import keep_cleared_facts, with_kept_facts
from failback_operator.gathering.same_inputs import SameInputs

__all__ = ["VaultJoins"]

# Reads of one vault remembered: the latest, the one before, and one more for a look that still
# holds an older read (a miss would otherwise push out a newer read that other looks use).
_READS_REMEMBERED = 3


class VaultJoins:
    """The joins of one vault's shared reads, each made once per read, not once per look.

    Remembered for the vault's latest reads only: each join is a copy of every item, so
    remembering more reads kept more copies of the vault alive. One per vault, kept with its
    shared reads; a gathering without one joins afresh.
    """

    def __init__(self, reads: int = _READS_REMEMBERED) -> None:
        self.in_plans: SameInputs[tuple[ProtectedItem, ...]] = SameInputs(with_recovery_plans, reads)
        self.completed: SameInputs[tuple[ProtectedItem, ...]] = SameInputs(with_kept_facts, reads)
        self.kept_after: SameInputs[Mapping[str, ProtectedItem]] = SameInputs(keep_cleared_facts, reads)
        self.indexed: SameInputs[VaultIndex] = SameInputs(index_vault, reads)
