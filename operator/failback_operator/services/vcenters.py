"""One look at a VCenter: log in, read who it is and the run-as account's privileges, write status."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from failback_operator.api.status import VCenterStatus
from failback_operator.api.vocabulary import ConditionType, Reason
from failback_operator.gathering.sources import SourceResolver
from failback_operator.rules import RuleConfig
from failback_operator.services.reconciling import ReconcileSettings, redact, write_whole_status
from failback_operator.status.connections import ReadFailure, condition_events
from failback_operator.status.vcenters import build_vcenter_status
from failback_operator.storage.kube import KubeStore, NotFoundError
from failback_operator.vsphere import (
    VCenterAbout,
    VCenterAuthError,
    VCenterEndpoint,
    VCenterError,
    read_vcenter_about,
    vcenter_session,
)

__all__ = ["VCenterService", "read_about"]

PLURAL = "vcenters"

AboutReader = Callable[[VCenterEndpoint, str | None], VCenterAbout]


def read_about(endpoint: VCenterEndpoint, run_as_user: str | None) -> VCenterAbout:
    """Log in, read, log out (blocking: run it in a thread)."""
    with vcenter_session(endpoint) as session:
        return read_vcenter_about(session, run_as_user)


async def read_vcenter_status_facts(
    endpoint: VCenterEndpoint,
    run_as_user: str | None,
    *,
    read_timeout: timedelta,
    reader: AboutReader = read_about,
) -> VCenterAbout | ReadFailure:
    """What the VCenter status shows, or why it could not be read (never with the password in it)."""
    secrets = (endpoint.password,)
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(reader, endpoint, run_as_user), timeout=read_timeout.total_seconds()
        )
    except VCenterAuthError as error:
        return ReadFailure(reason=Reason.SIGN_IN_FAILED, message=redact(str(error), secrets))
    except TimeoutError:
        return ReadFailure(
            reason=Reason.UNREACHABLE,
            message=f"vCenter {endpoint.address}: no answer within {read_timeout.total_seconds():.0f}s",
        )
    except VCenterError as error:  # its messages already name the vCenter
        return ReadFailure(reason=Reason.UNREACHABLE, message=redact(str(error), secrets))
    except Exception as error:
        text = redact(str(error) or type(error).__name__, secrets)
        return ReadFailure(reason=Reason.UNREACHABLE, message=f"vCenter {endpoint.address}: {text}")


@dataclass
class VCenterService:
    """Keeps each VCenter's status current; the Kopf daemon calls `look` in a loop."""

    store: KubeStore
    sources: SourceResolver
    clock: Callable[[], datetime]
    settings: ReconcileSettings = field(default_factory=ReconcileSettings)
    rules: RuleConfig = field(default_factory=RuleConfig)
    reader: AboutReader = read_about

    async def look(self, name: str) -> timedelta:
        """Read vCenter and write the VCenter's status; returns when to look again."""
        try:
            obj = await self.store.get(PLURAL, name)
        except NotFoundError:
            return self.settings.poll
        run_as_user = (obj.get("spec") or {}).get("runAsUser")
        outcome = await self._read(obj)
        now = self.clock()
        about = outcome if isinstance(outcome, VCenterAbout) else None
        failure = outcome if isinstance(outcome, ReadFailure) else None

        def build(fresh: Mapping[str, Any]) -> tuple[Mapping[str, Any], Any]:
            previous = VCenterStatus.model_validate(fresh.get("status") or {})
            status = build_vcenter_status(
                previous,
                vcenter=fresh["spec"]["host"],
                run_as_user=run_as_user,
                about=about,
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

    async def _read(self, obj: Mapping[str, Any]) -> VCenterAbout | ReadFailure:
        name = obj["metadata"]["name"]
        try:
            spec, source = await self.sources.vcenter(obj)
        except (NotFoundError, ValueError) as error:
            return ReadFailure(reason=Reason.CREDENTIALS_INVALID, message=f"VCenter {name}: {error}")
        return await read_vcenter_status_facts(
            source.endpoint, spec.run_as_user, read_timeout=self.settings.read_timeout, reader=self.reader
        )
