"""Facts of list entries kept between reads, by ARM id and the digest of each entry's JSON."""

from __future__ import annotations

from failback_operator.azure.list_entries import KnownEntries, next_page_request


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def entry(name: str, state: str = "InProgress") -> dict[str, object]:
    return {"id": f"/vaults/v/replicationJobs/{name}", "name": name, "properties": {"state": state}}


def read(known: KnownEntries[dict[str, object]], *entries: dict[str, object]) -> list[dict[str, object]]:
    reading = known.reading()
    facts = [reading.fact(e) for e in entries]
    reading.done()
    return facts


def test_only_new_or_changed_entries_are_converted():
    converted: list[str] = []

    def convert(raw):
        converted.append(raw["name"])
        return dict(raw)

    known = KnownEntries(convert)
    first = read(known, entry("a"), entry("b"))
    again = read(known, entry("a"), entry("b", "Succeeded"), entry("c"))
    assert converted == ["a", "b", "b", "c"]
    assert again[0] is first[0]
    assert again[1]["properties"] == {"state": "Succeeded"}
    assert known.built == 4


def test_an_entry_no_read_lists_for_long_is_forgotten_and_a_narrow_read_forgets_nothing_recent():
    clock = Clock()
    known = KnownEntries(dict, forget_after_seconds=60, monotonic=clock)
    read(known, entry("old"), entry("recent"))
    clock.now = 30
    read(known, entry("recent"))  # a narrower read: "old" stays known
    assert len(known) == 2
    clock.now = 61
    read(known, entry("recent"))
    assert len(known) == 1
    read(known, entry("old"))
    assert known.built == 3  # "old" was parsed again once forgotten


def test_an_entry_without_id_or_name_is_converted_every_time():
    known = KnownEntries(dict)
    read(known, {"properties": {}})
    read(known, {"properties": {}})
    assert known.built == 2
    assert len(known) == 0


def test_the_next_page_keeps_the_links_query_and_sets_the_clients_api_version():
    request = next_page_request(
        "https://arm.example/subscriptions/s/vaults/v/replicationJobs?api-version=2016-08-10&$skiptoken=a%2Bb",
        "2025-08-01",
    )
    assert request.url.startswith("https://arm.example/subscriptions/s/vaults/v/replicationJobs?")
    assert "api-version=2025-08-01" in request.url
    assert "2016-08-10" not in request.url
    assert "skiptoken=a%2Bb" in request.url
