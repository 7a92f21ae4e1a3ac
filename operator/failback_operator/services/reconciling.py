"""What the RecoveryVault, VCenter and MasterTarget reconcilers share: their waits, their status write.

Each reconciler reads the outside world once per look, then writes the object's whole status with
the resourceVersion it read. Another writer (the disk-slot ledger on a MasterTarget) may win the
race: the object is then read again and the status rebuilt from the same outside facts and the
fresh object, so whatever the other writer put there (reservations) is kept as it now stands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from failback_operator.metrics import METRICS
from failback_operator.storage.kube import KubeStore, NotFoundError, StatusConflict
from failback_operator.workflow import Event

__all__ = ["ReconcileSettings", "StatusBuild", "post_events", "redact", "write_whole_status"]

log = logging.getLogger(__name__)

# A status write that loses the race this often in a row gives up until the next look.
_ATTEMPTS = 5


@dataclass(frozen=True, kw_only=True, slots=True)
class ReconcileSettings:
    """How often the infrastructure objects are looked at; injectable so tests and the demo run fast."""

    # How often a RecoveryVault, VCenter or MasterTarget is read again when the last look worked.
    poll: timedelta = timedelta(minutes=5)
    # How soon to look again after a look that could not read Site Recovery or vCenter.
    retry: timedelta = timedelta(minutes=1)
    # How long one read of Site Recovery or vCenter may take before it counts as failed.
    read_timeout: timedelta = timedelta(minutes=2)


# Builds the whole status (and the events it implies) from the object as just read.
StatusBuild = Callable[[Mapping[str, Any]], tuple[Mapping[str, Any], Sequence[Event]]]


async def post_events(store: KubeStore, obj: Mapping[str, Any], events: Sequence[Event]) -> None:
    """Post events on the object; losing one is logged, never fatal (an event is advice)."""
    for event in events:
        try:
            await store.post_event(obj, type=event.type.value, reason=event.reason, message=event.message)
        except Exception:
            log.warning(
                "could not post event %s on %s %s",
                event.reason,
                obj.get("kind"),
                obj["metadata"]["name"],
                exc_info=True,
            )


async def write_whole_status(
    store: KubeStore, plural: str, name: str, build: StatusBuild
) -> dict[str, Any] | None:
    """Read the object, build its status, write it with the read resourceVersion; on a conflict, again.

    Events are posted only once a status is written, on the object as written, so that an outcome
    change is announced once even when the write had to be retried. A status that says what the
    stored one says is not written: a master target's looks follow its plans' starts, and each
    write was a request the API server validated and a watch event for every replica. None when
    the object is gone.
    """
    for _ in range(_ATTEMPTS):
        try:
            obj = await store.get(plural, name)
            status, events = build(obj)
            unchanged = not events and obj.get("status") == status
            written = obj if unchanged else await store.replace_status(obj, status)
        except StatusConflict:
            continue
        except NotFoundError:
            return None  # deleted during the look: its daemon is stopping
        METRICS.observe_prerequisites(str(obj.get("kind")), name, status)
        await post_events(store, written, events)
        return written
    raise StatusConflict(f"{plural} {name} kept changing; its status was not written this time")


def redact(text: str, secrets: Sequence[str]) -> str:
    """A message with every known secret value replaced (the adapters already keep them out)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
