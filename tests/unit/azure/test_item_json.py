"""A protected item's JSON gives the facts the SDK's model gives, on every recorded shape and odd values."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from azure.mgmt.recoveryservicessiterecovery import models
from hypothesis import given, settings
from hypothesis import strategies as st

from failback_operator.azure.item_json import protected_item_from_json
from failback_operator.azure.parse import protected_item_from_sdk

DATA = Path(__file__).parents[2] / "data"


def _items_in(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every protected item in a recorded answer, wherever it sits (list entries, GETs, job answers)."""
    if isinstance(value, Mapping):
        segments = str(value.get("id", "")).lower().rstrip("/").split("/")
        if (
            len(segments) > 1
            and segments[-2] == "replicationprotecteditems"
            and isinstance(value.get("properties"), Mapping)
        ):
            yield value
        for inner in value.values():
            yield from _items_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _items_in(inner)


def _recorded_items() -> list[Mapping[str, Any]]:
    found = []
    for path in sorted(DATA.rglob("*.json")):
        found.extend(_items_in(json.loads(path.read_text())))
    return found


RECORDED = _recorded_items()


def _by_sdk(entry: Mapping[str, Any]) -> Any:
    return protected_item_from_sdk(models.ReplicationProtectedItem(copy.deepcopy(dict(entry))))


def test_every_recorded_item_gives_the_same_facts_by_json_as_by_the_sdk_model() -> None:
    kinds = {
        (item["properties"].get("providerSpecificDetails") or {}).get("instanceType") for item in RECORDED
    }
    # The recordings hold items of all four failback providers (and more): none is left untested.
    assert {"InMageAzureV2", "InMage", "InMageRcm", "InMageRcmFailback"} <= kinds
    assert len(RECORDED) >= 12
    for entry in RECORDED:
        assert protected_item_from_json(entry) == _by_sdk(entry), entry.get("id")


_TEXTS = [
    "",
    "None",
    "true",
    "false",
    "12",
    "3.5",
    "Windows",
    "linux ",
    "2026-12-07T10:00:00.1234567Z",
    "0001-01-01T00:00:00Z",
    "2026-12-07T10:00:00",
    "not a time",
    "Physical",
    "PhysicalServer",
]
# Values of any type, for the reading's robustness only.
_ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(_TEXTS),
    st.just({}),
    st.just([]),
    st.just([1, "a", None]),
)


def _like(original: Any) -> st.SearchStrategy[Any]:
    """Another value of the kind Site Recovery sends in that place: null, or a value of its JSON type
    (numbers also as strings, as it sends counts and sizes; placeholders for times)."""
    if isinstance(original, bool):
        return st.one_of(st.none(), st.booleans())
    if isinstance(original, int | float):
        return st.one_of(
            st.none(), st.integers(min_value=0, max_value=10**12), st.sampled_from(["0", "12", "3.5"])
        )
    if isinstance(original, str):
        return st.one_of(st.none(), st.sampled_from(_TEXTS))
    if isinstance(original, list):
        return st.one_of(st.none(), st.just([]))
    if isinstance(original, Mapping):
        return st.one_of(st.none(), st.just({}))
    return st.none()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*prefix, index)
            yield from _paths(inner, (*prefix, index))


def _at(entry: Mapping[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = entry
    for step in path:
        node = node[step]
    return node


def _with(entry: Mapping[str, Any], path: tuple[Any, ...], value: Any, drop: bool) -> dict[str, Any]:
    changed = copy.deepcopy(dict(entry))
    node: Any = changed
    for step in path[:-1]:
        node = node[step]
    if drop and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return changed


def _changeable(entry: Mapping[str, Any], odd: bool) -> list[tuple[Any, ...]]:
    # The provider's kind stays: it picks the fields that are read at all. A list's entries change
    # by their fields (Site Recovery sends no null disk), unless any value goes.
    return [
        p
        for p in _paths(entry)
        if "properties" in p and p[-1] != "instanceType" and (odd or not isinstance(p[-1], int))
    ]


@st.composite
def _changed_entries(draw: st.DrawFn, odd: bool) -> dict[str, Any]:
    entry = dict(draw(st.sampled_from(RECORDED)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _changeable(entry, odd)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        value = draw(_ODD if odd else _like(_at(entry, path)))
        entry = _with(entry, path, value, drop=draw(st.booleans()))
    return entry


@settings(max_examples=300, deadline=None)
@given(_changed_entries(odd=False))
def test_values_as_site_recovery_sends_them_give_the_same_facts_by_json_as_by_the_sdk_model(
    entry: dict[str, Any],
) -> None:
    """Nulls, missing fields, counts as strings, placeholder times: read as the SDK's model reads them."""
    assert protected_item_from_json(entry) == _by_sdk(entry)


@settings(max_examples=300, deadline=None)
@given(_changed_entries(odd=True))
def test_values_of_any_type_are_read_without_failing(entry: dict[str, Any]) -> None:
    """A value of an unexpected type is read as unknown or as it stands, never an exception."""
    item = protected_item_from_json(entry)
    assert item.name == (entry.get("name") or "")
