"""The diff-base's essence is Kopf's own, built without copying the status or the metadata first."""

from __future__ import annotations

import copy
from typing import Any, cast

import kopf
from hypothesis import given, settings
from hypothesis import strategies as st

from failback_operator.handlers.essence import LeanDiffBaseStorage

PREFIX = "failback.io"
KEY = "last-handled-configuration"

_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
_annotations = st.dictionaries(
    st.sampled_from(
        [
            f"{PREFIX}/{KEY}",
            f"{PREFIX}/drive-plan",
            "kubectl.kubernetes.io/last-applied-configuration",
            "argocd.argoproj.io/tracking-id",
            "team",
        ]
    ),
    st.text(max_size=10),
    max_size=4,
)


@st.composite
def _bodies(draw: st.DrawFn) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": "plan-a",
        "namespace": "team-a",
        "resourceVersion": str(draw(st.integers(min_value=1))),
        "managedFields": [{"manager": "kubectl", "fieldsV1": draw(_values)}],
    }
    if draw(st.booleans()):
        metadata["labels"] = draw(st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3))
    if draw(st.booleans()):
        metadata["annotations"] = draw(_annotations)
    if draw(st.booleans()):
        metadata["ownerReferences"] = [{"kind": "Deployment", "name": "owner"}]
    body: dict[str, Any] = {
        "apiVersion": "failback.io/v1alpha1",
        "kind": draw(st.sampled_from(["FailbackPlan", "ReplicaSet"])),
        "metadata": metadata,
    }
    if draw(st.booleans()):
        body["spec"] = draw(st.dictionaries(st.text(max_size=6), _values, max_size=4))
    if draw(st.booleans()):
        body["status"] = draw(st.dictionaries(st.text(max_size=6), _values, max_size=4))
    if draw(st.booleans()):
        body["data"] = draw(_values)
    return body


def _body(raw: dict[str, Any]) -> kopf.Body:
    return kopf.Body(cast(kopf.RawBody, raw))


def _storages() -> tuple[kopf.AnnotationsDiffBaseStorage, LeanDiffBaseStorage]:
    return (
        kopf.AnnotationsDiffBaseStorage(prefix=PREFIX, key=KEY),
        LeanDiffBaseStorage(prefix=PREFIX, key=KEY),
    )


@settings(max_examples=300, deadline=None)
@given(_bodies())
def test_the_essence_is_kopfs_own(body: dict[str, Any]) -> None:
    kopfs, lean = _storages()
    before = copy.deepcopy(body)
    expected = kopfs.build(body=_body(body))
    assert lean.build(body=_body(body)) == expected
    assert body == before  # the object is left as it was


def test_the_status_and_managed_fields_are_not_copied() -> None:
    class Uncopyable:
        def __deepcopy__(self, memo: Any) -> Any:
            raise AssertionError("copied")

    body = {
        "apiVersion": "failback.io/v1alpha1",
        "kind": "FailbackPlan",
        "metadata": {"name": "plan-a", "labels": {"team": "a"}, "managedFields": [Uncopyable()]},
        "spec": {"action": "Commit"},
        "status": {"items": [Uncopyable()]},
    }
    essence = LeanDiffBaseStorage(prefix=PREFIX, key=KEY).build(body=_body(body))
    assert essence == {"spec": {"action": "Commit"}, "metadata": {"labels": {"team": "a"}}}


def test_fields_a_handler_asks_for_are_picked_as_kopf_picks_them() -> None:
    kopfs, lean = _storages()
    body = {"metadata": {"name": "x"}, "spec": {"a": 1}, "status": {"phase": "Syncing", "other": 2}}
    fields = ["status.phase"]
    assert lean.build(body=_body(body), extra_fields=fields) == kopfs.build(
        body=_body(body), extra_fields=fields
    )
