"""Site Recovery adapter: the SDK client, provider-specific inputs, facts from responses, job ids.

This module is the adapter's one entrance: everything outside `azure/` imports from here, never
from its modules (`tests/unit/architecture/test_import_rules.py`). The services ask in domain
terms (`SiteRecovery.reprotect(item, values)`, `SiteRecovery.fail_back(item, point)`); only the
adapter builds the SDK's request bodies.
"""

from failback_operator.azure.config import ClientSecret, VaultConfig, WorkloadIdentity
from failback_operator.azure.errors import (
    AuthenticationFailed,
    ConfigurationServerNotFound,
    Conflict,
    NoRecoveryServicesProvider,
    NotFound,
    OperationOutcomeUnknown,
    Refused,
    SiteRecoveryError,
    Throttled,
    Transient,
    UnexpectedResponse,
)
from failback_operator.azure.read_budget import DEFAULT_READ_BURST, DEFAULT_READS_PER_SECOND, ReadBudget
from failback_operator.azure.recovery_plan import RecoveryPlan, with_recovery_plans
from failback_operator.azure.site_recovery import ItemRef, SiteRecovery, StartedOperation, item_ref

__all__ = [
    "DEFAULT_READS_PER_SECOND",
    "DEFAULT_READ_BURST",
    "AuthenticationFailed",
    "ClientSecret",
    "ConfigurationServerNotFound",
    "Conflict",
    "ItemRef",
    "NoRecoveryServicesProvider",
    "NotFound",
    "OperationOutcomeUnknown",
    "ReadBudget",
    "RecoveryPlan",
    "Refused",
    "SiteRecovery",
    "SiteRecoveryError",
    "StartedOperation",
    "Throttled",
    "Transient",
    "UnexpectedResponse",
    "VaultConfig",
    "WorkloadIdentity",
    "item_ref",
    "with_recovery_plans",
]
