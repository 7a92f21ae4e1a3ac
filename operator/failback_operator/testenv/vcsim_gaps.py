"""Runs `failback-operator` with the two vCenter facts vcsim cannot model supplied where they read unknown.

vcsim leaves `Datastore.host` empty for datastores made with CreateNasDatastore (the only way to
give a datastore the VMFS type there), so their mount reads as unknown; and it grants every
privilege to any user name, so the adapter marks the run-as account's privileges as unchecked.
The catalogue rightly refuses both unknowns (tests prove that without this shim). Here, and only
here (the tests and the demo against vcsim), the reading is completed as a real vCenter would
report it: NAS-made datastores mounted read-write, and the run-as account holding the privileges
the catalogue requires. Everything else is the real command against the real vcsim and the real
Site Recovery simulator. Run it as `python -m failback_operator.testenv.vcsim_gaps COMMAND ...`.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from failback_operator import cli
from failback_operator.facts.vsphere import RunAsPrivileges
from failback_operator.gathering import gather
from failback_operator.rules.config import RuleConfig
from failback_operator.vsphere import (
    InventoryIndex,
    Remember,
    VCenterEndpoint,
    VCenterQuery,
    VCenterReading,
    VCenterSession,
    read_vcenter_facts,
    vcenter_session,
)

__all__ = ["ENTRY", "install", "read_facts_with_gaps_filled", "read_with_gaps_filled"]

# The program arguments that run the command through this module (for OperatorProcess's entry).
ENTRY = ("-m", "failback_operator.testenv.vcsim_gaps")

_real_read_facts = read_vcenter_facts


def read_with_gaps_filled(endpoint: VCenterEndpoint, query: VCenterQuery) -> VCenterReading:
    """A vCenter read (log in, read, log out) with the two facts vcsim cannot give completed."""
    with vcenter_session(endpoint) as session:
        return read_facts_with_gaps_filled(session, query)


def read_facts_with_gaps_filled(
    session: VCenterSession,
    query: VCenterQuery,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    index: InventoryIndex | None = None,
    remember: Remember | None = None,
) -> VCenterReading:
    """The real reading of vcsim over a fresh or a kept session, completed as vCenter would report it."""
    shared = {"remember": remember} if remember is not None else {}
    reading = _real_read_facts(session, query, now, index, **shared)
    facts = reading.facts
    host = facts.master_target_host
    if host is not None:
        datastores = tuple(
            dataclasses.replace(ds, mounted=True, access_mode="readWrite")
            if ds.mounted is None and ds.access_mode is None
            else ds
            for ds in host.datastores
        )
        facts = dataclasses.replace(
            facts, master_target_host=dataclasses.replace(host, datastores=datastores)
        )
    if query.run_as_user and facts.run_as_privileges:
        if any(grant.checked for grant in facts.run_as_privileges):
            raise SystemExit("vcsim evaluated privileges: the shim's premise no longer holds")
        required = frozenset(RuleConfig().run_as_privileges)
        facts = dataclasses.replace(
            facts,
            run_as_privileges=tuple(
                RunAsPrivileges(user=grant.user, entity=grant.entity, privileges=required)
                for grant in facts.run_as_privileges
            ),
        )
    return dataclasses.replace(reading, facts=facts)


def install() -> None:
    """Make every vCenter read of this process, over fresh or kept sessions, fill the gaps."""
    # gather reads through its module-level name; patching it covers fresh and kept sessions alike.
    setattr(gather, "read_vcenter_facts", read_facts_with_gaps_filled)  # noqa: B010


if __name__ == "__main__":
    install()
    sys.exit(cli.main(sys.argv[1:]))
