"""Kopf's diff-base in annotations, with the object's essence built without copying its status.

Kopf compares every watch event's object with the last handled one to find spec changes. Its
`build` deep-copies the whole object, status and managed fields included, and then drops them:
a plan of 25 machines carries about 26 KB of status, copied at every event of every plan. The
essence (spec and the other top-level fields, labels and annotations but Kopf's own) is the same
when the stanzas Kopf drops are left out before the copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import kopf

__all__ = ["LeanDiffBaseStorage"]

# What Kopf's build drops from an object; of its metadata, what the build and Kopf's key conventions
# read (owner references name the key of a Deployment's ReplicaSet).
_DROPPED = frozenset({"metadata", "status"})
_METADATA_READ = ("labels", "annotations", "ownerReferences")


class LeanDiffBaseStorage(kopf.AnnotationsDiffBaseStorage):
    """`kopf.AnnotationsDiffBaseStorage` whose `build` copies only what the essence keeps."""

    def build(
        self,
        *,
        body: kopf.Body,
        extra_fields: Iterable[Any] | None = None,
    ) -> kopf.BodyEssence:
        fields = list(extra_fields or ())
        if fields:
            # A handler on status fields wants them in the essence: Kopf's own build picks them.
            return super().build(body=body, extra_fields=fields)
        metadata = body.get("metadata") or {}
        lean: dict[str, Any] = {key: value for key, value in body.items() if key not in _DROPPED}
        kept = {key: metadata[key] for key in _METADATA_READ if key in metadata}
        if kept:
            lean["metadata"] = kept
        # Kopf's build on the lean object: its copies, Kopf's own annotations removed, empty stanzas dropped.
        return super().build(body=kopf.Body(cast(kopf.RawBody, lean)), extra_fields=None)
