"""One look at a RecoveryVault: sign in, read the configuration server and failback policies, write status."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from failback_operator.api.status import RecoveryVaultStatus
from failback_operator.api.vocabulary import ConditionType, Reason
from failback_operator.azure import AuthenticationFailed, ConfigurationServerNotFound, SiteRecovery
from failback_operator.gathering import SiteRecoverySource
from failback_operator.gathering.sources import SourceResolver
from failback_operator.rules import RuleConfig
from failback_operator.services.reconciling import ReconcileSettings, redact, write_whole_status
from failback_operator.status.connections import ReadFailure, condition_events
from failback_operator.status.vaults import VaultReading, build_vault_status
from failback_operator.storage.kube import KubeStore, NotFoundError

__all__ = ["VaultService", "read_vault"]

PLURAL = "recoveryvaults"

SiteRecoveryConnector = Callable[..., SiteRecovery]


async def read_vault(
    source: SiteRecoverySource,
    *,
    read_timeout: timedelta,
    connect: SiteRecoveryConnector = SiteRecovery.connect,
) -> VaultReading | ReadFailure:
    """The configuration server and failback policies, or why they could not be read (no secret in it)."""
    secrets = source.secrets
    vault = source.config.vault
    try:
        client = connect(source.config, source.identity)
    except Exception as error:  # a credential that cannot even be built
        return ReadFailure(
            reason=Reason.CREDENTIALS_INVALID, message=f"vault {vault}: {redact(str(error), secrets)}"
        )
    try:
        async with asyncio.timeout(read_timeout.total_seconds()):
            server, policies = await asyncio.gather(client.configuration_server(), client.failback_policies())
    except AuthenticationFailed as error:
        return ReadFailure(
            reason=Reason.SIGN_IN_FAILED,
            message=f"vault {vault}: sign-in refused: {redact(str(error), secrets)}",
        )
    except ConfigurationServerNotFound as error:
        return ReadFailure(reason=Reason.NOT_FOUND, message=f"vault {vault}: {redact(str(error), secrets)}")
    except TimeoutError:
        return ReadFailure(
            reason=Reason.UNREACHABLE,
            message=f"vault {vault}: no answer within {read_timeout.total_seconds():.0f}s",
        )
    except Exception as error:
        text = redact(str(error) or type(error).__name__, secrets)
        return ReadFailure(reason=Reason.UNREACHABLE, message=f"vault {vault}: {text}")
    finally:
        await client.close()
    return VaultReading(configuration_server=server, failback_policies=policies)


@dataclass
class VaultService:
    """Keeps each RecoveryVault's status current; the Kopf daemon calls `look` in a loop."""

    store: KubeStore
    sources: SourceResolver
    clock: Callable[[], datetime]
    settings: ReconcileSettings = field(default_factory=ReconcileSettings)
    rules: RuleConfig = field(default_factory=RuleConfig)
    connect: SiteRecoveryConnector = SiteRecovery.connect

    async def look(self, name: str) -> timedelta:
        """Read the vault and write its status; returns when to look again (sooner after a failure)."""
        try:
            obj = await self.store.get(PLURAL, name)
        except NotFoundError:
            return self.settings.poll
        outcome = await self._read(obj)
        now = self.clock()
        reading = outcome if isinstance(outcome, VaultReading) else None
        failure = outcome if isinstance(outcome, ReadFailure) else None

        def build(fresh: Mapping[str, Any]) -> tuple[Mapping[str, Any], Any]:
            previous = RecoveryVaultStatus.model_validate(fresh.get("status") or {})
            status = build_vault_status(
                previous,
                vault=fresh["spec"]["vaultName"],
                reading=reading,
                failure=failure,
                generation=int(fresh["metadata"].get("generation", 1)),
                now=now,
                config=self.rules,
            )
            events = condition_events(
                previous.conditions, status.conditions or (), (ConditionType.CONNECTED, ConditionType.READY)
            )
            return status.to_status(), events

        await write_whole_status(self.store, PLURAL, name, build)
        return self.settings.retry if failure is not None else self.settings.poll

    async def _read(self, obj: Mapping[str, Any]) -> VaultReading | ReadFailure:
        name = obj["metadata"]["name"]
        try:
            _, source = await self.sources.site_recovery(obj)
        except (NotFoundError, ValueError) as error:
            # Names the Secret and the key, never a value (SecretDataError, NotFoundError).
            return ReadFailure(reason=Reason.CREDENTIALS_INVALID, message=f"RecoveryVault {name}: {error}")
        return await read_vault(source, read_timeout=self.settings.read_timeout, connect=self.connect)
