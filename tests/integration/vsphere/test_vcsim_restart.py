"""A vcsim restart: the inventory comes back the same, and a kept session logs in again by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.real_parts import require_vcsim
from tests.support.vcsim_builders import MASTER_TARGET_HOST, VCSIM_MODEL, Inventory

from failback_operator.testenv.vcsim import VcsimServer, run_vcsim
from failback_operator.testenv.vcsim_inventory import capture, restore
from failback_operator.vsphere.connection import VCenterEndpoint, VCenterSession, vcenter_session
from failback_operator.vsphere.errors import VCenterAuthError, VCenterConnectionError
from failback_operator.vsphere.reader import VCenterQuery, VmRef, read_vcenter_facts
from failback_operator.vsphere.sessions import VCenterSessions

pytestmark = pytest.mark.vcsim


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[VcsimServer]:
    """A vcsim of this test's own: the restart must not take the shared one's inventory."""
    require_vcsim()
    with run_vcsim(tmp_path / "vcsim", model_args=VCSIM_MODEL) as server:
        yield server


def _endpoint(server: VcsimServer) -> VCenterEndpoint:
    return server.endpoint


def _furnish(session: VCenterSession, workdir: Path) -> None:
    built = Inventory(session=session, workdir=workdir)
    host = built.host(MASTER_TARGET_HOST)
    built.nas_datastore(host, "restart-ds", "VMFS")
    built.create_vm("restart-mt", host=host, datastore="restart-ds", disks=17)
    off = built.create_vm(
        "restart-vm", host=host, datastore="restart-ds", power_on=False, tools_running=False
    )
    built.snapshot(off, "nightly")
    built.snapshot(off, "weekly")
    on = built.create_vm("restart-vm-on", host=host, datastore="restart-ds", power_on=False)
    built.wait(on.PowerOnVM_Task())  # changed after creation, as a test run changes power states


def test_restart_keeps_port_identity_and_restored_inventory(restartable: VcsimServer, tmp_path: Path) -> None:
    endpoint = _endpoint(restartable)
    with vcenter_session(endpoint) as session:
        _furnish(session, tmp_path / "datastores")
        before = capture(session)
    old_pid = restartable.pid

    restartable.restart(down_seconds=0.2)

    assert restartable.pid != old_pid
    with vcenter_session(endpoint) as session:
        assert Inventory(session=session, workdir=tmp_path).vm("restart-vm") is None  # memory only
        restore(session, before)
        after = capture(session)
    assert after == before
    names = {vm.name: vm for vm in after.vms}
    assert names["restart-vm"].power_state == "poweredOff"
    assert names["restart-vm"].snapshots == ("nightly", "weekly")
    assert names["restart-vm-on"].power_state == "poweredOn"
    assert len(names["restart-mt"].disks) == 17


def _read_vm_names(session: VCenterSession) -> list[str]:
    """A look's read, as the operator makes it through its kept sessions."""
    reading = read_vcenter_facts(session, VCenterQuery(master_target=VmRef(name="DC0_H0_VM0")))
    return sorted(reading.vms_by_name)


def test_a_kept_session_logs_in_again_after_vcenter_restarted(restartable: VcsimServer) -> None:
    sessions = VCenterSessions()
    endpoint = _endpoint(restartable)
    try:
        first = sessions.run(endpoint, _read_vm_names)
        restartable.restart()
        assert sessions.run(endpoint, _read_vm_names) == first
        assert sessions.logins == 2
    finally:
        sessions.close()


def test_a_read_while_vcenter_is_down_fails_and_the_next_one_logs_in(restartable: VcsimServer) -> None:
    sessions = VCenterSessions()
    endpoint = _endpoint(restartable)
    try:
        sessions.run(endpoint, _read_vm_names)
        restartable.process.end()
        with pytest.raises((VCenterConnectionError, VCenterAuthError)):
            sessions.run(endpoint, _read_vm_names)
        restartable.restart()
        assert sessions.run(endpoint, _read_vm_names)
    finally:
        sessions.close()
