"""FB022 without HTTP: when a new retention volume is listed, and the item-less "Refresh server" job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failback_operator.sim.asr.clock import SimClock
from failback_operator.sim.asr.discovery import retention_volume_listed_at
from failback_operator.sim.asr.engine import settle, start_item_operation, start_refresh_provider
from failback_operator.sim.asr.errors import ArmError
from failback_operator.sim.asr.infrastructure_bodies import fabric_body, provider_body
from failback_operator.sim.asr.job_bodies import job_body
from failback_operator.sim.asr.jobs import ServerOperation, job_template, progress
from failback_operator.sim.asr.lifecycle import Operation
from failback_operator.sim.asr.providers import find_provider, recovery_services_providers
from failback_operator.sim.asr.scenario import (
    ItemStage,
    JobFailure,
    MasterTarget,
    RetentionVolume,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
)
from failback_operator.sim.asr.state import RetentionVolumeState, SimState

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sim"
CLASSIC = load_scenario(EXAMPLES / "classic-windows.yaml")
MODERN = load_scenario(EXAMPLES / "modernized.yaml")
ADDED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
FIFTEEN = timedelta(minutes=15)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _state(scenario: Scenario) -> SimState:
    clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC), time_scale=1, monotonic=Ticks())
    return SimState.from_scenario(scenario, clock)


def _with_pending_volume(minutes_ago: float, interval: float = 15.0) -> Scenario:
    """The classic example with volume G added to V2A-PS-200 `minutes_ago` before the start."""
    master_targets = [
        mt.model_copy(
            update={
                "retention_volumes": [
                    *mt.retention_volumes,
                    RetentionVolume(name="G", added_minutes_ago=minutes_ago),
                ]
            }
        )
        if mt.name == "V2A-PS-200"
        else mt
        for mt in CLASSIC.master_targets
    ]
    return CLASSIC.model_copy(
        update={"master_targets": master_targets, "discovery_interval_minutes": interval}
    )


def _listed(state: SimState) -> list[str]:
    settle(state)
    servers = fabric_body(state)["properties"]["customDetails"]["masterTargetServers"]
    (server,) = [s for s in servers if s["name"] == "V2A-PS-200"]
    return [volume["volumeName"] for volume in server["retentionVolumes"]]


def _minutes(state: SimState, minutes: float) -> None:
    state.clock.advance(minutes * 60)


# ---------------------------------------------------------------- discovery timing (FB022)


def test_without_a_refresh_a_volume_is_listed_one_discovery_interval_after_it_was_added() -> None:
    assert retention_volume_listed_at(ADDED, FIFTEEN, []) == ADDED + FIFTEEN


def test_a_refresh_ending_after_the_volume_was_added_lists_it_early() -> None:
    refresh_end = ADDED + timedelta(minutes=3)
    assert retention_volume_listed_at(ADDED, FIFTEEN, [refresh_end]) == refresh_end


def test_a_refresh_that_ended_before_the_volume_was_added_did_not_see_it() -> None:
    assert retention_volume_listed_at(ADDED, FIFTEEN, [ADDED - timedelta(seconds=1)]) == ADDED + FIFTEEN


def test_a_refresh_after_the_periodic_discovery_changes_nothing() -> None:
    assert retention_volume_listed_at(ADDED, FIFTEEN, [ADDED + timedelta(minutes=20)]) == ADDED + FIFTEEN


@given(
    st.floats(min_value=0.1, max_value=120),
    st.lists(st.floats(min_value=-60, max_value=180), max_size=5),
)
def test_listing_is_never_before_the_volume_was_added_nor_after_the_interval(
    interval: float, refresh_offsets: list[float]
) -> None:
    ends = [ADDED + timedelta(minutes=offset) for offset in refresh_offsets]
    listed = retention_volume_listed_at(ADDED, timedelta(minutes=interval), ends)
    assert ADDED <= listed <= ADDED + timedelta(minutes=interval)
    assert listed == ADDED + timedelta(minutes=interval) or listed in ends


# ---------------------------------------------------------------- scenario


def test_a_volume_added_longer_ago_than_the_interval_is_listed_from_the_start() -> None:
    assert _listed(_state(_with_pending_volume(minutes_ago=20))) == ["F", "G"]
    assert _listed(_state(_with_pending_volume(minutes_ago=5))) == ["F"]


def test_scenario_refuses_negative_age_and_duplicate_volume_names() -> None:
    data = CLASSIC.model_dump(mode="json")
    data["master_targets"][0]["retention_volumes"].append({"name": "G", "added_minutes_ago": -1})
    with pytest.raises(ScenarioError, match="added_minutes_ago"):
        parse_scenario(data)
    with pytest.raises(ValueError, match="unique"):
        MasterTarget(
            name="mt", id="1", retention_volumes=[RetentionVolume(name="F"), RetentionVolume(name="f")]
        )
    with pytest.raises(ScenarioError, match="discovery_interval_minutes"):
        parse_scenario({**CLASSIC.model_dump(mode="json"), "discovery_interval_minutes": 0})


def test_defaults_are_a_fifteen_minute_discovery_and_a_two_minute_refresh() -> None:
    assert CLASSIC.discovery_interval_minutes == 15
    assert CLASSIC.job_durations.refresh_minutes == 2
    assert JobFailure(operation="refresh", code="95226").operation == "refresh"


# ---------------------------------------------------------------- the refresh job


def test_refresh_template_is_a_prerequisite_check_then_the_refresh() -> None:
    template = job_template(ServerOperation.REFRESH, source_site_required=False, commits_first=False)
    assert (template.scenario_name, template.friendly_name) == ("RefreshServer", "Refresh server")
    assert [task.name for task in template.tasks] == ["RefreshServerPrerequisitesCheck", "RefreshServer"]


def test_classic_has_one_provider_on_the_configuration_server_and_modernized_one_per_appliance() -> None:
    (provider,) = recovery_services_providers(_state(CLASSIC))
    assert (provider.friendly_name, provider.fabric_type) == ("PwsTestCS", "VMware")
    assert recovery_services_providers(_state(CLASSIC)) == [provider]  # the same name every run
    modern = recovery_services_providers(_state(MODERN))
    assert [p.friendly_name for p in modern] == ["Rcm-App-150", "Rcm-App-151"]
    assert find_provider(_state(CLASSIC), provider.name.upper()) == provider
    assert find_provider(_state(CLASSIC), "nope") is None


def test_the_refresh_job_is_item_less_and_targets_the_configuration_server() -> None:
    state = _state(CLASSIC)
    (provider,) = recovery_services_providers(state)
    job = start_refresh_provider(state, provider.name)
    assert job.item_names == []
    body = job_body(state, job, progress(job.plan, state.clock.now()))
    properties = body["properties"]
    assert properties["scenarioName"] == "RefreshServer"
    assert properties["state"] == "InProgress"
    assert properties["targetObjectId"] == provider.name
    assert properties["targetObjectName"] == "PwsTestCS"
    assert properties["targetInstanceType"] == "Server"
    assert properties["customDetails"]["instanceType"] == "AsrJobDetails"
    assert properties["customDetails"]["affectedObjectDetails"]["primaryVmmName"] == "PwsTestCS"
    assert [task["taskType"] for task in properties["tasks"]] == ["TaskDetails", "TaskDetails"]
    _minutes(state, 2)
    settle(state)
    done = job_body(state, job, progress(job.plan, state.clock.now()))["properties"]
    assert done["state"] == "Succeeded"
    assert done["endTime"]


def test_item_jobs_keep_their_recorded_bodies() -> None:
    state = _state(CLASSIC)
    state.items["v2a-w2k16-201-new"].stage = ItemStage.FAILED_OVER
    job = start_item_operation(state, "V2A-W2K16-201-new", Operation.COMMIT, {})
    custom = job_body(state, job, progress(job.plan, state.clock.now()))["properties"]["customDetails"]
    assert custom["affectedObjectDetails"]["primaryVmName"] == "V2A-W2K16-201"
    assert custom["instanceType"] == "AsrJobDetails"


def test_unknown_provider_is_404_and_a_running_refresh_409() -> None:
    state = _state(CLASSIC)
    with pytest.raises(ArmError) as missing:
        start_refresh_provider(state, "nope")
    assert missing.value.status == 404
    (provider,) = recovery_services_providers(state)
    start_refresh_provider(state, provider.name)
    with pytest.raises(ArmError) as busy:
        start_refresh_provider(state, provider.name)
    assert busy.value.status == 409
    _minutes(state, 2)
    start_refresh_provider(state, provider.name)
    assert len(state.jobs) == 2


def test_a_successful_refresh_lists_a_pending_volume_when_it_ends() -> None:
    state = _state(_with_pending_volume(minutes_ago=0))
    (provider,) = recovery_services_providers(state)
    start_refresh_provider(state, provider.name)
    _minutes(state, 1.99)
    assert _listed(state) == ["F"]
    _minutes(state, 0.02)
    assert _listed(state) == ["F", "G"]


def test_without_a_refresh_the_periodic_discovery_lists_it() -> None:
    state = _state(_with_pending_volume(minutes_ago=0, interval=30))
    _minutes(state, 29.9)
    assert _listed(state) == ["F"]
    _minutes(state, 0.2)
    assert _listed(state) == ["F", "G"]


def test_with_the_heartbeat_stopped_the_refresh_fails_at_its_prerequisite_check_fb004() -> None:
    state = _state(_with_pending_volume(minutes_ago=0))
    state.heartbeat_stopped = True
    (provider,) = recovery_services_providers(state)
    assert provider_body(state, provider)["properties"]["connectionStatus"] == "NotConnected"
    job = start_refresh_provider(state, provider.name)
    _minutes(state, 5)
    done = progress(job.plan, state.clock.now())
    assert done.state == "Failed"
    assert done.error is not None
    assert done.error.code == "ConfigurationServerNotConnected"
    assert [task.state for task in done.tasks] == ["Failed", "NotStarted"]
    assert _listed(state) == ["F"]
    _minutes(state, 10)
    assert _listed(state) == ["F", "G"]  # the periodic discovery still comes


def test_a_pending_volume_cannot_be_the_reprotect_retention_drive() -> None:
    state = _state(_with_pending_volume(minutes_ago=0))
    body = {
        "properties": {
            "failoverDirection": "RecoveryToPrimary",
            "providerSpecificDetails": {
                "instanceType": "InMage",
                "masterTargetId": "30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                "processServerId": "30AE6187-5869-8E44-B8AF6AA66E3ECC8F",
                "retentionDrive": "G",
                "datastoreName": "datastore1",
                "profileId": "/Subscriptions/b8aef8e1-37df-4f17-a537-f10e183c8eca/resourceGroups/PwsTestRG/"
                "providers/Microsoft.RecoveryServices/vaults/PwsTestVault/replicationPolicies/Ploicyv2a-failback",
            },
        }
    }
    with pytest.raises(ArmError, match="Retention drive 'G' is not available"):
        start_item_operation(state, "V2A-W2K16-201-new", Operation.REPROTECT, body)
    _minutes(state, 15)
    settle(state)
    assert start_item_operation(state, "V2A-W2K16-201-new", Operation.REPROTECT, body).scenario_name == (
        "SwitchReplicationGroupProtection"
    )


_steps = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.floats(min_value=0, max_value=20)),
        st.tuples(st.just("refresh"), st.just(0.0)),
        st.tuples(st.just("add"), st.just(0.0)),
        st.tuples(st.just("heartbeat"), st.just(0.0)),
    ),
    max_size=25,
)


@given(_steps)
def test_a_volume_is_listed_exactly_when_discovery_or_a_successful_refresh_has_seen_it(
    steps: list[tuple[str, float]],
) -> None:
    state = _state(CLASSIC)
    (provider,) = recovery_services_providers(state)
    added: dict[str, datetime] = {}
    refresh_ends: list[tuple[datetime, bool]] = []
    for kind, minutes in steps:
        if kind == "advance":
            _minutes(state, minutes)
        elif kind == "refresh":
            settle(state)
            running = any(
                j.operation is ServerOperation.REFRESH and not j.settled for j in state.jobs.values()
            )
            if running:
                with pytest.raises(ArmError, match="409 OperationInProgress"):
                    start_refresh_provider(state, provider.name)
            else:
                job = start_refresh_provider(state, provider.name)
                assert (job.failure is None) is not state.heartbeat_stopped
                refresh_ends.append((job.plan.end(), job.failure is None))
        elif kind == "add":
            name = f"V{len(added)}"
            now = state.clock.now()
            state.retention_volumes["v2a-ps-200"].append(
                RetentionVolumeState(RetentionVolume(name=name), now, listed=False)
            )
            added[name] = now
        else:
            state.heartbeat_stopped = not state.heartbeat_stopped
        listed = set(_listed(state))
        now = state.clock.now()
        succeeded = [end for end, ok in refresh_ends if ok and end <= now]
        for name, when in added.items():
            expected = now >= retention_volume_listed_at(when, FIFTEEN, succeeded)
            assert (name in listed) is expected, (name, when, now, refresh_ends)
