"""Reads the YAML a user would apply and validates it with the API's models, naming file, document and field.

Multi-document files and directories of `.yaml`/`.yml` files are read like `kubectl apply -f`.
The five failback.io kinds are validated with the API's pydantic spec views, Secrets are kept for
the credentials they hold, and any other kind (a Namespace, say) is skipped. Every reference
between the objects is resolved here, so what reaches the checks is complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from failback_operator.api.resources import (
    GROUP,
    SPEC_MODELS,
    VERSION,
    CredentialsType,
    FailbackApprovalSpec,
    FailbackPlanSpec,
    MasterTargetSpec,
    RecoveryVaultSpec,
    VCenterSpec,
)
from failback_operator.errors import FailbackOperatorError
from failback_operator.gathering.credentials import SecretDataError, secret_values
from failback_operator.preflight.api_rules import api_rule_violations

__all__ = ["InputError", "Preflight", "Resource", "SourceLocation", "load_preflight_input"]

SpecT = TypeVar("SpecT", bound=BaseModel)
T = TypeVar("T")
_API_VERSION = f"{GROUP}/{VERSION}"


class InputError(FailbackOperatorError, ValueError):
    """The input cannot be used: the message names the file, the document and the field."""


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where an object was written: the file and the document's 1-based position in it."""

    file: str
    document: int

    def __str__(self) -> str:
        return f"{self.file}, document {self.document}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Resource(Generic[SpecT]):
    """One failback.io object of the input: its name, namespace, validated spec and where it came from."""

    kind: str
    name: str
    namespace: str | None
    spec: SpecT
    location: SourceLocation
    generation: int | None = None

    def describe(self) -> str:
        """`file, document n (Kind name)`, how errors name the object."""
        return f"{self.location} ({self.kind} {self.name})"


@dataclass(frozen=True, kw_only=True, slots=True)
class _Meta:
    kind: str
    name: str
    namespace: str | None
    location: SourceLocation
    generation: int | None


@dataclass(frozen=True, kw_only=True, slots=True)
class _Secret:
    name: str
    body: Mapping[str, Any]
    location: SourceLocation


@dataclass(frozen=True, kw_only=True)
class Preflight:
    """Every object of the input, validated, with the Secrets' values by Secret name."""

    vaults: dict[str, Resource[RecoveryVaultSpec]] = field(default_factory=dict)
    vcenters: dict[str, Resource[VCenterSpec]] = field(default_factory=dict)
    master_targets: dict[str, Resource[MasterTargetSpec]] = field(default_factory=dict)
    plans: list[Resource[FailbackPlanSpec]] = field(default_factory=list)
    approvals: list[Resource[FailbackApprovalSpec]] = field(default_factory=list)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def plans_of(self, master_target: str) -> list[Resource[FailbackPlanSpec]]:
        """The plans that reprotect through this master target."""
        return [plan for plan in self.plans if plan.spec.master_target_ref.name == master_target]

    def approvals_of(
        self, plans: Iterable[Resource[FailbackPlanSpec]]
    ) -> list[Resource[FailbackApprovalSpec]]:
        """Approvals naming one of these plans in the plan's namespace."""
        keys = {(plan.namespace or "default", plan.name) for plan in plans}
        return [a for a in self.approvals if (a.namespace or "default", a.spec.plan_ref.name) in keys]


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            yield path


def _documents(path: Path) -> Iterator[tuple[SourceLocation, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read: {error.__class__.__name__}: {error}") from None
    number = 0
    try:
        for document in yaml.safe_load_all(text):
            number += 1
            if document is not None:
                yield SourceLocation(str(path), number), document
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InputError(f"{path}, document {number + 1}:{where}: not valid YAML: {problem}") from None


def _field_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".")


def _validated(model: type[SpecT], spec: Any, where: str) -> SpecT:
    if not isinstance(spec, Mapping):
        raise InputError(f"{where}: spec: a mapping is required")
    try:
        validated = model.model_validate(spec)
    except ValidationError as error:
        # Field names in errors are the ones the user wrote (camelCase aliases).
        problems = [f"spec.{_field_path(e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)]
        raise InputError(f"{where}: " + "; ".join(problems)) from None
    violations = api_rule_violations(validated)
    if violations:
        raise InputError(f"{where}: " + "; ".join(f"{path}: {message}" for path, message in violations))
    return validated


def _metadata(document: Mapping[str, Any], location: SourceLocation, kind: str) -> tuple[str, str | None]:
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        raise InputError(f"{location} ({kind}): metadata.name: a name is required")
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return name, str(namespace) if namespace else None


def _add(found: dict[str, T], name: str, value: T, where: str, kind: str) -> None:
    if name in found:
        raise InputError(f"{where}: metadata.name: a second {kind} named {name!r}")
    found[name] = value


def _read(paths: Sequence[Path]) -> tuple[Preflight, dict[str, _Secret]]:
    loaded = Preflight()
    secrets: dict[str, _Secret] = {}
    for path in _files(paths):
        for location, document in _documents(path):
            if not isinstance(document, Mapping):
                raise InputError(f"{location}: a Kubernetes object (a mapping) is required")
            kind = document.get("kind")
            api_version = document.get("apiVersion")
            if not isinstance(kind, str) or not kind:
                raise InputError(f"{location}: kind: a kind is required")
            if kind == "Secret" and api_version == "v1":
                name, _ = _metadata(document, location, kind)
                _add(secrets, name, _Secret(name=name, body=document, location=location), str(location), kind)
                continue
            if kind not in SPEC_MODELS or not str(api_version or "").startswith(f"{GROUP}/"):
                continue  # Namespaces and the like: not the preflight's business
            if api_version != _API_VERSION:
                raise InputError(f"{location} ({kind}): apiVersion: {api_version!r} is not {_API_VERSION}")
            name, namespace = _metadata(document, location, kind)
            where = f"{location} ({kind} {name})"
            generation = document.get("metadata", {}).get("generation")
            spec = _validated(SPEC_MODELS[kind], document.get("spec"), where)
            generation = generation if isinstance(generation, int) else None

            meta = _Meta(kind=kind, name=name, namespace=namespace, location=location, generation=generation)

            def resource(spec: SpecT, meta: _Meta = meta) -> Resource[SpecT]:
                return Resource(
                    kind=meta.kind,
                    name=meta.name,
                    namespace=meta.namespace,
                    spec=spec,
                    location=meta.location,
                    generation=meta.generation,
                )

            if isinstance(spec, RecoveryVaultSpec):
                _add(loaded.vaults, name, resource(spec), where, kind)
            elif isinstance(spec, VCenterSpec):
                _add(loaded.vcenters, name, resource(spec), where, kind)
            elif isinstance(spec, MasterTargetSpec):
                _add(loaded.master_targets, name, resource(spec), where, kind)
            elif isinstance(spec, FailbackPlanSpec):
                loaded.plans.append(resource(spec))
            elif isinstance(spec, FailbackApprovalSpec):
                loaded.approvals.append(resource(spec))
    return loaded, secrets


def _secret(
    secrets: Mapping[str, _Secret], name: str, keys: Sequence[str], where: str, field_path: str
) -> dict[str, str]:
    found = secrets.get(name)
    if found is None:
        raise InputError(f"{where}: {field_path}: no Secret named {name!r} in the input")
    try:
        values = secret_values(name, found.body)
    except SecretDataError as error:
        raise InputError(f"{found.location} (Secret {name}): data.{error.key}: {error}") from None
    for key in keys:
        value = values.get(key)
        if value is None or not value.strip():
            raise InputError(
                f"{found.location} (Secret {name}): data.{key}: a required key is missing or empty "
                f"(needed by {where})"
            )
    return values


def _resolve(loaded: Preflight, secrets: Mapping[str, _Secret]) -> None:
    """Every reference points at an object of the input; every Secret named holds its keys."""
    if not loaded.master_targets:
        raise InputError("no MasterTarget in the input: preflight checks a master target and its plans")
    for vault in loaded.vaults.values():
        credentials = vault.spec.credentials
        if credentials.type is CredentialsType.SERVICE_PRINCIPAL:
            if credentials.secret_ref is None:
                raise InputError(
                    f"{vault.describe()}: spec.credentials.secretRef: required for ServicePrincipal"
                )
            loaded.secrets[credentials.secret_ref.name] = _secret(
                secrets,
                credentials.secret_ref.name,
                ("tenantId", "clientId", "clientSecret"),
                vault.describe(),
                "spec.credentials.secretRef.name",
            )
    for vcenter in loaded.vcenters.values():
        ref = vcenter.spec.credentials_secret_ref.name
        loaded.secrets[ref] = _secret(
            secrets, ref, ("username", "password"), vcenter.describe(), "spec.credentialsSecretRef.name"
        )
    for master_target in loaded.master_targets.values():
        spec = master_target.spec
        if spec.vault_ref.name not in loaded.vaults:
            raise InputError(
                f"{master_target.describe()}: spec.vaultRef.name: no RecoveryVault named "
                f"{spec.vault_ref.name!r} in the input"
            )
        if spec.v_center_ref.name not in loaded.vcenters:
            raise InputError(
                f"{master_target.describe()}: spec.vCenterRef.name: no VCenter named "
                f"{spec.v_center_ref.name!r} in the input"
            )
    for plan in loaded.plans:
        wanted = plan.spec.master_target_ref.name
        if wanted not in loaded.master_targets:
            raise InputError(
                f"{plan.describe()}: spec.masterTargetRef.name: no MasterTarget named {wanted!r} in the input"
            )
        if plan.spec.vault_ref.name not in loaded.vaults:
            raise InputError(
                f"{plan.describe()}: spec.vaultRef.name: no RecoveryVault named "
                f"{plan.spec.vault_ref.name!r} in the input"
            )


def load_preflight_input(paths: Sequence[Path]) -> Preflight:
    """Read, validate and resolve the files; raises InputError naming the file, document and field."""
    loaded, secrets = _read(paths)
    _resolve(loaded, secrets)
    return loaded
