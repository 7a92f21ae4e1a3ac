"""VCenter status from one look at vCenter: identity, the run-as account's privileges (FB005), conditions."""

from __future__ import annotations

from datetime import timedelta

from failback_operator.api.status import VCenterStatus
from failback_operator.api.vocabulary import Reason
from failback_operator.facts import RunAsPrivileges
from failback_operator.rules.config import DEFAULT_RUN_AS_PRIVILEGES
from failback_operator.status.connections import ReadFailure
from failback_operator.status.vcenters import build_vcenter_status
from failback_operator.vsphere import VCenterAbout
from tests.unit.rules.worlds import NOW

USER = "asr-discovery@vsphere.local"
READ_ONLY = frozenset({"System.Anonymous", "System.View", "System.Read"})


def about(*grants: RunAsPrivileges, note: str | None = None) -> VCenterAbout:
    return VCenterAbout(
        version="8.0.3",
        api_version="8.0.3.0",
        instance_uuid="uuid-1",
        run_as_privileges=grants,
        privileges_note=note,
    )


def build(
    found: VCenterAbout | None,
    run_as_user: str | None = USER,
    previous: VCenterStatus | None = None,
    failure: ReadFailure | None = None,
) -> VCenterStatus:
    return build_vcenter_status(
        previous or VCenterStatus(),
        vcenter="vcenter.example.test",
        run_as_user=run_as_user,
        about=found,
        failure=failure,
        generation=1,
        now=NOW,
    )


def conditions(status: VCenterStatus) -> dict[str, tuple[str, str, str]]:
    return {c.type: (c.status.value, c.reason, c.message) for c in status.conditions or ()}


def test_without_a_declared_run_as_user_vcenter_is_ready_and_says_fb005_is_not_checked() -> None:
    status = build(about(), run_as_user=None)

    assert (status.version, status.api_version, status.instance_uuid) == ("8.0.3", "8.0.3.0", "uuid-1")
    assert status.privileges is None
    assert conditions(status)["Ready"][0] == "True"
    assert "FB005 is not checked" in conditions(status)["Ready"][2]


def test_privileged_run_as_account() -> None:
    grants = [
        RunAsPrivileges(user=USER, entity=e, privileges=DEFAULT_RUN_AS_PRIVILEGES)
        for e in ("Folder:root", "Datacenter:DC0")
    ]
    status = build(about(*grants))

    assert status.privileges is not None
    assert (status.privileges.user, status.privileges.missing, status.privileges.checked_at) == (
        USER,
        (),
        NOW,
    )
    assert conditions(status)["Ready"][:2] == ("True", "AllPassed")


def test_read_only_run_as_account_is_reported_under_fb005() -> None:
    status = build(about(RunAsPrivileges(user=USER, entity="Datacenter:DC0", privileges=READ_ONLY)))

    assert status.privileges is not None
    assert status.privileges.missing == tuple(sorted(DEFAULT_RUN_AS_PRIVILEGES))
    ready = conditions(status)["Ready"]
    assert ready[:2] == ("False", "Blocked")
    assert f"FB005: run-as account {USER} lacks" in ready[2]
    assert conditions(status)["Connected"][0] == "True"


def test_privileges_that_could_not_be_verified_are_not_a_pass() -> None:
    note = "vCenter granted privileges to a user that does not exist"
    status = build(about(RunAsPrivileges(user=USER, entity="Folder:root", checked=False), note=note))

    assert status.privileges is not None
    assert status.privileges.missing is None
    assert status.privileges.checked_at is None
    ready = conditions(status)["Ready"]
    assert ready[0] == "False"
    assert "FB005 cannot be checked" in ready[2]
    assert note in ready[2]


def test_failed_login_keeps_the_version_and_says_why() -> None:
    connected = build(about(), run_as_user=None)
    failure = ReadFailure(reason=Reason.SIGN_IN_FAILED, message="vCenter 127.0.0.1:8989: login refused")

    status = build_vcenter_status(
        connected,
        vcenter="h",
        run_as_user=None,
        about=None,
        failure=failure,
        generation=2,
        now=NOW + timedelta(minutes=1),
    )

    assert status.version == "8.0.3"
    assert conditions(status)["Connected"] == ("False", "SignInFailed", failure.message)
    assert conditions(status)["Ready"][:2] == ("False", "NotConnected")
