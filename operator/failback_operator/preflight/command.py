"""`failback-operator preflight`: the failback checks without a cluster, from the YAML a user would apply.

Reads the RecoveryVault, VCenter, MasterTarget, FailbackPlan and FailbackApproval objects and the
Secrets they name, talks to Site Recovery and vCenter directly, evaluates the pre-reprotect rules
(and the pre-failback rules for plans whose action is Failback or Commit), and prints the findings.
Exit status: 0 nothing blocks, 1 something blocks, 2 the input cannot be used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console

from failback_operator.api.resources import Action, CredentialsType, RecoveryVaultSpec
from failback_operator.azure import ClientSecret, VaultConfig, WorkloadIdentity
from failback_operator.gathering import (
    SiteRecoverySource,
    VCenterSource,
    approval_facts,
    architecture_facts,
    ca_bundle_file,
    client_secret_from_secret,
    failback_plan_facts,
    gather_failback_facts,
    master_target_declaration,
    vault_config,
    vcenter_endpoint,
    vcenter_login_from_secret,
)
from failback_operator.preflight.documents import InputError, Preflight, Resource, load_preflight_input
from failback_operator.preflight.report import blocking_count, merge_findings, print_table, report_json
from failback_operator.rules import CheckPhase, evaluate
from failback_operator.rules.model import Finding

__all__ = ["EXIT_BLOCKED", "EXIT_CLEAR", "EXIT_UNUSABLE_INPUT", "add_parser", "run_preflight"]

EXIT_CLEAR = 0
EXIT_BLOCKED = 1
EXIT_UNUSABLE_INPUT = 2
# Plans at these actions are about to fail back: their pre-failback rules apply too.
_FAILBACK_ACTIONS = frozenset({Action.FAILBACK, Action.COMMIT})


@dataclasses.dataclass(frozen=True, kw_only=True)
class PreflightResult:
    """Every finding once, blocking first, and which sides could not be read."""

    findings: tuple[Finding, ...]
    errors: tuple[str, ...]

    @property
    def blocking(self) -> int:
        """How many findings stop the failback."""
        return blocking_count(self.findings)


def _vault_config(vault: Resource[RecoveryVaultSpec], ca_file: str | None) -> VaultConfig:
    try:
        return vault_config(vault.spec, ca_file=ca_file)
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]) for e in error.errors(include_url=False))
        raise InputError(f"{vault.describe()}: spec.cloud: {problems}") from None


def _identity(loaded: Preflight, vault: Resource[RecoveryVaultSpec]) -> ClientSecret | WorkloadIdentity:
    credentials = vault.spec.credentials
    if credentials.type is CredentialsType.WORKLOAD_IDENTITY or credentials.secret_ref is None:
        return WorkloadIdentity()
    name = credentials.secret_ref.name
    return client_secret_from_secret(name, loaded.secrets[name])


async def run_preflight(
    loaded: Preflight,
    *,
    now: datetime,
    run_as_user: str | None = None,
    timeout_seconds: float = 300.0,
) -> PreflightResult:
    """Gather the facts for every master target of the input and evaluate the rules that apply."""
    phases: list[tuple[Finding, ...]] = []
    errors: list[str] = []
    with contextlib.ExitStack() as stack:
        ca_files: dict[str, str | None] = {}
        for name, master_target in loaded.master_targets.items():
            vault = loaded.vaults[master_target.spec.vault_ref.name]
            vcenter = loaded.vcenters[master_target.spec.v_center_ref.name]
            if vault.name not in ca_files:
                ca_files[vault.name] = stack.enter_context(ca_bundle_file(vault.spec.cloud.ca_bundle))
            architecture = architecture_facts(master_target.spec.architecture)
            plans = loaded.plans_of(name)
            plan_facts = [
                failback_plan_facts(
                    plan.name,
                    plan.namespace or "default",
                    plan.spec,
                    architecture=architecture,
                    connectivity=vault.spec.connectivity,
                    vcenter_host=vcenter.spec.host,
                    generation=plan.generation,
                )
                for plan in plans
            ]
            approvals = [
                approval_facts(a.name, a.namespace or "default", a.spec) for a in loaded.approvals_of(plans)
            ]
            login_secret = vcenter.spec.credentials_secret_ref.name
            gathered = await gather_failback_facts(
                master_target_declaration(name, master_target.spec, vcenter_host=vcenter.spec.host),
                plan_facts,
                site_recovery=SiteRecoverySource(
                    config=_vault_config(vault, ca_files[vault.name]), identity=_identity(loaded, vault)
                ),
                vcenter=VCenterSource(
                    endpoint=vcenter_endpoint(
                        vcenter.spec, vcenter_login_from_secret(login_secret, loaded.secrets[login_secret])
                    ),
                    name=vcenter.spec.host,
                    run_as_user=run_as_user or vcenter.spec.run_as_user,
                ),
                now=now,
                approvals=approvals,
                timeout_seconds=timeout_seconds,
            )
            errors.extend(f"MasterTarget {name}: {error}" for error in gathered.errors)
            phases.append(evaluate(gathered.facts, CheckPhase.PRE_REPROTECT, now))
            failing_back = tuple(
                facts
                for facts, plan in zip(plan_facts, plans, strict=True)
                if plan.spec.action in _FAILBACK_ACTIONS
            )
            if failing_back:
                facts = dataclasses.replace(gathered.facts, plans=failing_back)
                phases.append(evaluate(facts, CheckPhase.PRE_FAILBACK, now))
    return PreflightResult(findings=merge_findings(*phases), errors=tuple(errors))


def _run(args: argparse.Namespace) -> int:
    # Only the project's own loggers get chattier: the SDKs' request logs are not for this output.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("failback_operator").setLevel(logging.INFO if args.verbose else logging.ERROR)
    try:
        loaded = load_preflight_input([Path(f) for f in args.filename])
        result = asyncio.run(
            run_preflight(
                loaded, now=datetime.now(UTC), run_as_user=args.run_as_user, timeout_seconds=args.timeout
            )
        )
    except InputError as error:
        sys.stderr.write(f"preflight: unusable input: {error}\n")
        return EXIT_UNUSABLE_INPUT
    if args.output == "json":
        report = report_json(result.findings, errors=result.errors, include_passed=args.all)
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        print_table(Console(), result.findings, errors=result.errors, include_passed=args.all)
    return EXIT_BLOCKED if result.blocking else EXIT_CLEAR


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `preflight` subcommand on the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "preflight",
        help="check a master target and its plans against vCenter and Site Recovery, without a cluster",
        description=(
            "Reads the RecoveryVault, VCenter, MasterTarget, FailbackPlan and FailbackApproval objects "
            "and their Secrets from the files, checks them against vCenter and Site Recovery, and "
            "prints the findings. Exit status: 0 nothing blocks, 1 something blocks, 2 unusable input."
        ),
    )
    parser.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        metavar="FILE",
        help="a YAML file (multi-document) or a directory of them, as for kubectl apply -f (repeatable)",
    )
    parser.add_argument(
        "-o", "--output", choices=("table", "json"), default="table", help="table (default) or json"
    )
    parser.add_argument("--all", action="store_true", help="list passing checks too")
    parser.add_argument(
        "--run-as-user",
        metavar="USER",
        default=None,
        help="the vCenter user of the configuration server's run-as account, whose privileges FB005 "
        "checks (Site Recovery does not report it); defaults to the VCenter's spec.runAsUser",
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, metavar="SECONDS", help="how long to wait for each side"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is read")
    parser.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the preflight command alone (the CLI normally reaches it through `failback-operator`)."""
    parser = argparse.ArgumentParser(prog="failback-operator")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status
