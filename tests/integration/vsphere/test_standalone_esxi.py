"""The same read against a standalone ESXi host (vcsim -esx): no assignment manager, one host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.real_parts import require_vcsim

from failback_operator.testenv.vcsim import run_vcsim
from failback_operator.vsphere.connection import VCenterSession, vcenter_session
from failback_operator.vsphere.reader import PlanItemVm, VCenterQuery, VmRef, read_vcenter_facts

pytestmark = pytest.mark.vcsim


@pytest.fixture(scope="module")
def esxi_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VCenterSession]:
    require_vcsim()
    with run_vcsim(tmp_path_factory.mktemp("esxi"), model_args=("-esx",)) as server:
        endpoint = server.endpoint
        with vcenter_session(endpoint) as session:
            yield session


def test_standalone_esxi_reads_master_target_host_and_own_licence(esxi_session: VCenterSession) -> None:
    assert esxi_session.content.about.apiType == "HostAgent"

    reading = read_vcenter_facts(
        esxi_session,
        VCenterQuery(
            master_target=VmRef(name="ha-host_VM0"),
            items=(PlanItemVm(item="other", vm=VmRef(name="ha-host_VM1")),),
            run_as_user="root",
        ),
    )

    facts = reading.facts
    assert facts.master_target_vm is not None
    assert facts.master_target_vm.name == "ha-host_VM0"
    host = facts.master_target_host
    assert host is not None
    assert host.product_line_id == "embeddedEsx"
    # No LicenseAssignmentManager on a host agent: the host's own LicenseManager answers.
    assert host.licence_edition_key == "eval"
    assert reading.licence_note is None
    assert facts.on_premises_vms[0].exists
    assert next(p.entity for p in facts.run_as_privileges) == "Datacenter:ha-datacenter"
    assert all(p.checked is False for p in facts.run_as_privileges)
