"""Every privilege FB005 requires is one vCenter defines: vcsim's Admin role is captured from vCenter 8."""

from __future__ import annotations

from failback_operator.rules.config import DEFAULT_RUN_AS_PRIVILEGES
from failback_operator.vsphere.connection import VCenterSession


def test_every_required_privilege_is_a_vcenter_privilege(session: VCenterSession) -> None:
    roles = session.content.authorizationManager.roleList
    defined = set(next(role for role in roles if role.name == "Admin").privilege)
    assert DEFAULT_RUN_AS_PRIVILEGES - defined == set()
    # The whole "Virtual machine -> Configuration" group of the role, as this vCenter defines it.
    group = {p for p in defined if p.startswith("VirtualMachine.Config.")}
    assert group <= DEFAULT_RUN_AS_PRIVILEGES
