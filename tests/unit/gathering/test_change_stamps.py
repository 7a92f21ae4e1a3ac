"""The shared reads count the reads that found something new: a look compares stamps instead of reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from failback_operator.azure import ClientSecret, VaultConfig
from failback_operator.gathering.vault_reads import SharedVaultReads, _VaultCache
from failback_operator.vsphere import InventoryIndex, ObjectProperties, SharedInventory, VCenterEndpoint

CONFIG = VaultConfig(subscription_id="sub", resource_group="rg", vault="vault", fabric="cs")
IDENTITY = ClientSecret(tenant_id="t", client_id="c", client_secret=SecretStr("never-shown"))
ENDPOINT = VCenterEndpoint(host="vc.example", port=443, user="reader", password="never-shown")


async def test_the_vault_stamp_moves_only_when_a_read_finds_something_new() -> None:
    clock = [0.0]
    reads = SharedVaultReads(
        ttl_seconds=5, jobs_since=lambda: datetime.now(UTC) - timedelta(days=1), monotonic=lambda: clock[0]
    )
    key = reads.key(CONFIG, IDENTITY)
    assert "never-shown" not in key
    reads._vaults[key] = cache = _VaultCache(client=None)  # type: ignore[arg-type]
    answers = ["a", "a", "b"]

    async def fetch() -> str:
        return answers.pop(0)

    assert reads.changes(key) == 0
    await reads.read(cache, "items", fetch)  # the first read: nothing to compare with
    clock[0] = 10
    await reads.read(cache, "items", fetch)  # read again, the same
    assert reads.changes(key) == 0
    reads.expire(CONFIG, IDENTITY, ["items"])  # the poller's fresh read still compares with the last
    await reads.read(cache, "items", fetch)
    assert reads.changes(key) == 1


async def test_looks_list_a_long_list_again_only_as_often_as_its_pages_allow() -> None:
    """66 pages of a day's jobs every 30 s were a fifth of the read budget: the looks wait longer for
    a long list (the poller's fresh reads, at its own paces, serve them meanwhile)."""
    clock = [0.0]
    reads = SharedVaultReads(
        ttl_seconds=30,
        jobs_since=lambda: datetime.now(UTC) - timedelta(days=1),
        monotonic=lambda: clock[0],
        list_pages_per_second=2,
    )
    reads._vaults[reads.key(CONFIG, IDENTITY)] = cache = _VaultCache(client=None)  # type: ignore[arg-type]
    fetched: list[str] = []

    def fetching(kind: str, entries: int) -> Any:
        async def fetch() -> tuple[int, ...]:
            fetched.append(kind)
            return tuple(range(entries))

        return fetch

    await reads.read(cache, "jobs", fetching("jobs", 10_000))  # 100 pages: read again after 50 s
    await reads.read(cache, "items", fetching("items", 1_000))  # 10 pages: after the looks' 30 s
    clock[0] = 31
    await reads.read(cache, "jobs", fetching("jobs", 10_000))
    await reads.read(cache, "items", fetching("items", 1_000))
    assert fetched == ["jobs", "items", "items"]
    clock[0] = 51
    await reads.read(cache, "jobs", fetching("jobs", 10_000))
    assert fetched == ["jobs", "items", "items", "jobs"]
    # The poller's own reads are always fresh.
    reads.expire(CONFIG, IDENTITY, ["jobs"])
    await reads.read(cache, "jobs", fetching("jobs", 10_000))
    assert fetched[-1] == "jobs"
    assert len(fetched) == 5


@dataclass
class _Ref:
    _moId: str
    _wsdlName: str


def _index(power: str) -> InventoryIndex:
    vm = ObjectProperties(
        obj=_Ref("vm-1", "VirtualMachine"),
        values={"name": "app1", "runtime.powerState": power, "runtime.host": _Ref("host-1", "HostSystem")},
    )
    host = ObjectProperties(obj=_Ref("host-1", "HostSystem"), values={"name": "esxi-1"})
    return InventoryIndex(vms={"vm-1": vm}, hosts={"host-1": host})


def test_the_vcenter_index_is_read_once_per_period_and_its_stamp_counts_changes() -> None:
    clock = [0.0]
    powers = ["poweredOff", "poweredOff", "poweredOn"]

    def reader(_: Any) -> InventoryIndex:
        return _index(powers.pop(0))

    inventory = SharedInventory(5, monotonic=lambda: clock[0], reader=reader)
    assert inventory.stamp(ENDPOINT) is None
    for _ in range(3):  # a burst of looks: one read
        inventory.index(ENDPOINT, None)  # type: ignore[arg-type]
    assert (inventory.reads, inventory.stamp(ENDPOINT)) == (1, 0)
    clock[0] = 6
    inventory.index(ENDPOINT, None)  # type: ignore[arg-type]
    assert (inventory.reads, inventory.stamp(ENDPOINT)) == (2, 0)
    clock[0] = 12
    inventory.index(ENDPOINT, None)  # type: ignore[arg-type]  # the VM was powered on (FB031)
    assert (inventory.reads, inventory.stamp(ENDPOINT)) == (3, 1)


def test_answers_the_same_for_every_plan_of_a_master_target_are_read_once_per_period() -> None:
    clock = [0.0]
    inventory = SharedInventory(5, monotonic=lambda: clock[0], reader=lambda _: _index("poweredOff"))
    asked: list[str] = []

    def privileges() -> str:
        asked.append("privileges")
        return f"granted at {clock[0]}"

    key = ("privileges", "svc-asr", ("Datacenter:dc1", "VirtualMachine:mt-1"))
    assert inventory.remembered(ENDPOINT, key, privileges) == "granted at 0.0"
    assert inventory.remembered(ENDPOINT, key, privileges) == "granted at 0.0"  # another plan's look
    assert inventory.remembered(ENDPOINT, ("privileges", "svc-asr", ("Datacenter:dc2",)), privileges)
    assert asked == ["privileges", "privileges"]
    clock[0] = 6
    assert inventory.remembered(ENDPOINT, key, privileges) == "granted at 6"


def test_licences_and_privileges_are_kept_longer_and_a_blocked_plan_has_them_read_again() -> None:
    clock = [0.0]
    inventory = SharedInventory(
        5, settled_seconds=300, monotonic=lambda: clock[0], reader=lambda _: _index("poweredOff")
    )
    asked: list[str] = []

    def answer(kind: str) -> Any:
        return lambda: asked.append(kind) or f"{kind} at {clock[0]}"

    privileges = ("privileges", "svc-asr", ("Datacenter:dc1",))
    details = ("details", "vm-1", ())
    inventory.remembered(ENDPOINT, privileges, answer("privileges"))
    inventory.remembered(ENDPOINT, details, answer("details"))
    clock[0] = 60  # past the short period, within the settled one
    assert inventory.remembered(ENDPOINT, privileges, answer("privileges")) == "privileges at 0.0"
    assert inventory.remembered(ENDPOINT, details, answer("details")) == "details at 60"
    inventory.expire_settled(ENDPOINT)  # a plan blocked by a finding looks
    assert inventory.remembered(ENDPOINT, privileges, answer("privileges")) == "privileges at 60"
    assert inventory.remembered(ENDPOINT, details, answer("details")) == "details at 60"
    clock[0] = 361
    assert inventory.remembered(ENDPOINT, privileges, answer("privileges")) == "privileges at 361"
    assert asked == ["privileges", "details", "details", "privileges", "privileges"]
