"""Turns the user's resources and the live adapters into the rule catalogue's input (FailbackFacts)."""

from failback_operator.gathering.connections import (
    ca_bundle_file,
    credential_scope,
    vault_config,
    vcenter_endpoint,
)
from failback_operator.gathering.credentials import (
    SecretDataError,
    VCenterLogin,
    client_secret_from_secret,
    secret_values,
    vcenter_login_from_secret,
)
from failback_operator.gathering.gather import (
    Gathered,
    SiteRecoverySource,
    VCenterSource,
    gather_failback_facts,
    kept_session_reader,
    read_vcenter,
    vcenter_query,
)
from failback_operator.gathering.kept_facts import keep_cleared_facts, with_kept_facts
from failback_operator.gathering.spec_facts import (
    approval_facts,
    architecture_facts,
    failback_plan_facts,
    master_target_declaration,
    network_path,
    recovery_point_type,
)

__all__ = [
    "Gathered",
    "SecretDataError",
    "SiteRecoverySource",
    "VCenterLogin",
    "VCenterSource",
    "approval_facts",
    "architecture_facts",
    "ca_bundle_file",
    "client_secret_from_secret",
    "credential_scope",
    "failback_plan_facts",
    "gather_failback_facts",
    "keep_cleared_facts",
    "kept_session_reader",
    "master_target_declaration",
    "network_path",
    "read_vcenter",
    "recovery_point_type",
    "secret_values",
    "vault_config",
    "vcenter_endpoint",
    "vcenter_login_from_secret",
    "vcenter_query",
    "with_kept_facts",
]
