"""What Kopf keeps of each object between its events: the body without its managed fields.

Kopf keeps the latest body of every object a daemon runs for (each plan, each master target), as
the watch delivered it. The API server's `metadata.managedFields` (which manager owns which field,
nested down to every field of the status) were four fifths of the dicts and lists of a plan's kept
body: at a thousand plans about 120,000 of them, tens of megabytes. Nothing here reads them, nor
does Kopf. The watch event's object is the very dict Kopf keeps, so dropping them from it is
enough; writes go through their own reads and never send the kept body back.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

__all__ = ["drop_managed_fields"]


def drop_managed_fields(event: MutableMapping[str, Any] | None) -> None:
    """Drop `metadata.managedFields` from a watch event's object, in place."""
    obj = (event or {}).get("object")
    if isinstance(obj, MutableMapping):
        metadata = obj.get("metadata")
        if isinstance(metadata, MutableMapping):
            metadata.pop("managedFields", None)
