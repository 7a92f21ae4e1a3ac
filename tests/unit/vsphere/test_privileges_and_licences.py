"""FB005 privileges and FB035 licences on answers a real vCenter gives and vcsim cannot (hand-built)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pyVmomi import vim, vmodl

from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession
from failback_operator.vsphere.licences import assigned_host_licences, host_agent_licence
from failback_operator.vsphere.privileges import CANARY_PREFIX, read_run_as_privileges

ROOT = vim.Folder("group-d1")
HOST = vim.HostSystem("host-9")
ENTITIES = [("Folder:root", ROOT), ("HostSystem:esx01", HOST)]
DISCOVERY = [
    "Datastore.Browse",
    "Datastore.FileManagement",
    "Host.Config.Storage",
    "VirtualMachine.Config.AddNewDisk",
]


class Authorization:
    """Answers FetchUserPrivilegeOnEntities from a table, per user; raises faults given as answers."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def FetchUserPrivilegeOnEntities(self, entities: list[Any], userName: str) -> list[Any]:
        self.asked.append(userName)
        key = "canary" if userName.startswith(CANARY_PREFIX) else userName
        answer = self.answers[key]
        if isinstance(answer, Exception):
            raise answer
        return [vim.AuthorizationManager.UserPrivilegeResult(entity=e, privileges=answer) for e in entities]


def session_with(authorization: Authorization) -> VCenterSession:
    endpoint = VCenterEndpoint(host="vc.example", user="op", password="pw")
    return VCenterSession(
        endpoint=endpoint, service_instance=None, content=SimpleNamespace(authorizationManager=authorization)
    )


def test_evaluating_vcenter_reports_run_as_privileges_fb005() -> None:
    authorization = Authorization({"svc-asr": DISCOVERY, "canary": vim.fault.UserNotFound()})

    privileges, note = read_run_as_privileges(session_with(authorization), "svc-asr", ENTITIES)

    assert note is None
    assert [(p.entity, p.checked, p.privileges) for p in privileges] == [
        ("Folder:root", True, frozenset(DISCOVERY)),
        ("HostSystem:esx01", True, frozenset(DISCOVERY)),
    ]
    assert authorization.asked[0] == "svc-asr"
    assert authorization.asked[1].startswith(CANARY_PREFIX)


def test_read_only_run_as_account_is_checked_and_holds_only_read_fb005() -> None:
    read_only = ["System.Anonymous", "System.View", "System.Read"]
    authorization = Authorization({"svc-ro": read_only, "canary": []})

    privileges, note = read_run_as_privileges(session_with(authorization), "svc-ro", ENTITIES)

    assert note is None
    assert all(p.checked and p.privileges == frozenset(read_only) for p in privileges)


def test_server_that_grants_everything_is_unverifiable_fb005() -> None:
    admin = [*DISCOVERY, "Authorization.ModifyPermissions"]
    authorization = Authorization({"svc-ro": admin, "canary": admin})

    privileges, note = read_run_as_privileges(session_with(authorization), "svc-ro", ENTITIES)

    assert all(p.checked is False and p.privileges == frozenset() for p in privileges)
    assert note is not None
    assert "does not exist" in note


def test_unknown_run_as_account_holds_nothing_fb005() -> None:
    authorization = Authorization({"ghost": vim.fault.UserNotFound()})

    privileges, note = read_run_as_privileges(session_with(authorization), "ghost", ENTITIES)

    assert all(p.checked and p.privileges == frozenset() for p in privileges)
    assert note is not None
    assert "knows no user 'ghost'" in note


def test_operator_without_authorization_privileges_cannot_check_fb005() -> None:
    authorization = Authorization(
        {"svc": vim.fault.NoPermission(privilegeId="Authorization.ModifyPermissions")}
    )

    privileges, note = read_run_as_privileges(session_with(authorization), "svc", ENTITIES)

    assert all(p.checked is False for p in privileges)
    assert note is not None
    assert "may not read other users' privileges" in note


class AssignmentManager:
    def __init__(self, assignments: list[Any]) -> None:
        self.assignments = assignments
        self.asked: list[str | None] = []

    def QueryAssignedLicenses(self, entityId: str | None = None) -> list[Any]:
        self.asked.append(entityId)
        return [a for a in self.assignments if entityId is None or a.entityId == entityId]


def assignment(entity: str, edition: str, name: str) -> Any:
    licence = vim.LicenseManager.LicenseInfo(licenseKey="XXXXX-SECRET", editionKey=edition, name=name)
    return vim.LicenseAssignmentManager.LicenseAssignment(entityId=entity, assignedLicense=licence)


def test_free_hypervisor_licence_is_read_fb035() -> None:
    manager = AssignmentManager(
        [
            assignment("host-9", "esxBasic", "VMware vSphere 6 Hypervisor"),
            assignment("host-10", "eval", "Evaluation Mode"),
        ]
    )

    one = assigned_host_licences(manager, ["host-9"])
    both = assigned_host_licences(manager, ["host-9", "host-10"])

    assert one == {"host-9": ("esxBasic", "VMware vSphere 6 Hypervisor")}
    assert both == {**one, "host-10": ("eval", "Evaluation Mode")}
    # One host: asked for by id; several: one call for all assignments.
    assert manager.asked == ["host-9", None]
    assert "XXXXX-SECRET" not in repr(both)


def test_direct_esxi_connection_reads_the_hosts_own_licence_fb035() -> None:
    licences = [
        vim.LicenseManager.LicenseInfo(
            licenseKey="XXXXX-SECRET", editionKey="esxBasic", name="vSphere 7 Hypervisor"
        )
    ]

    assert host_agent_licence(licences) == ("esxBasic", "vSphere 7 Hypervisor")
    assert host_agent_licence(None) == (None, None)


def test_any_other_refusal_leaves_privileges_unchecked_fb005() -> None:
    authorization = Authorization({"svc": vmodl.fault.InvalidArgument(invalidProperty="userName")})

    privileges, note = read_run_as_privileges(session_with(authorization), "svc", ENTITIES)

    assert all(p.checked is False for p in privileges)
    assert note is not None
    assert "refused the privilege query: InvalidArgument" in note


class ForbiddenAssignmentManager:
    def QueryAssignedLicenses(self, entityId: str | None = None) -> list[Any]:
        raise vim.fault.NoPermission(privilegeId="Global.Licenses")


def test_licences_the_operator_may_not_read_stay_unknown_fb035() -> None:
    from failback_operator.vsphere.collector import ObjectProperties
    from failback_operator.vsphere.reader import _host_licences

    licence_manager = vim.LicenseManager("LicenseManager")
    session = VCenterSession(
        endpoint=VCenterEndpoint(host="vc.example", user="op", password="pw"),
        service_instance=None,
        content=SimpleNamespace(licenseManager=licence_manager),
    )
    details = {
        "LicenseManager": ObjectProperties(
            obj=licence_manager, values={"licenseAssignmentManager": ForbiddenAssignmentManager()}
        )
    }

    licences, note = _host_licences(session, details, ["host-9"])

    assert licences == {}
    assert note is not None
    assert "may not read licences (Global.Licenses)" in note
