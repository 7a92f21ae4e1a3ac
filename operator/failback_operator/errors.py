"""The root of every error this package raises, so a caller can tell the operator's own failures apart.

Each layer keeps its own family below it (SiteRecoveryError, VCenterError, the storage errors,
the input errors of preflight and the simulator); the shell maps them to Kopf's temporary or
permanent errors in one place. Built-in bases (ValueError, RuntimeError) stay where callers rely
on them.
"""

from __future__ import annotations

__all__ = ["FailbackOperatorError"]


class FailbackOperatorError(Exception):
    """Base of every exception failback-operator defines."""
