"""Effective privileges of the configuration server's run-as account (FB005), and whether they were checked.

`AuthorizationManager.FetchUserPrivilegeOnEntities` answers for another user than the one
logged in. A server that does not evaluate permissions (vcsim grants the Admin role to any
name) would make a read-only account look fine, so the same question is asked for a user that
cannot exist: if that user is granted anything beyond the privileges every session holds, the
answer for the run-as account proves nothing and is reported as not checked.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from pyVmomi import vim, vmodl

from failback_operator.facts.vsphere import RunAsPrivileges
from failback_operator.vsphere.connection import VCenterSession

__all__ = ["CANARY_PREFIX", "EVERYONE_PRIVILEGES", "read_run_as_privileges"]

# Granted to every session on every object, so they tell nothing about an account.
EVERYONE_PRIVILEGES = frozenset({"System.Anonymous", "System.View", "System.Read"})
CANARY_PREFIX = "failback-operator-no-such-user-"


def _fetch(authorization: Any, entities: Sequence[Any], user: str) -> dict[str, frozenset[str]]:
    results = authorization.FetchUserPrivilegeOnEntities(entities=list(entities), userName=user)
    return {result.entity._moId: frozenset(result.privileges or ()) for result in results or ()}


def _unchecked(user: str, labels: Sequence[str]) -> tuple[RunAsPrivileges, ...]:
    return tuple(RunAsPrivileges(user=user, entity=label, checked=False) for label in labels)


def read_run_as_privileges(
    session: VCenterSession, user: str, entities: Sequence[tuple[str, Any]]
) -> tuple[tuple[RunAsPrivileges, ...], str | None]:
    """Privileges of `user` on each (label, entity); a note says why they are unchecked when they are."""
    authorization = session.content.authorizationManager
    labels = [label for label, _ in entities]
    objects = [obj for _, obj in entities]
    try:
        granted = _fetch(authorization, objects, user)
    except vim.fault.UserNotFound:
        # vCenter knows no such account: it holds no privilege, which the rule reports as failing.
        return tuple(RunAsPrivileges(user=user, entity=label) for label in labels), (
            f"vCenter {session.address} knows no user {user!r}"
        )
    except (vim.fault.NoPermission, vim.fault.NotAuthenticated):
        return _unchecked(user, labels), (
            "the operator's vCenter account may not read other users' privileges "
            "(FetchUserPrivilegeOnEntities needs Authorization privileges on the objects)"
        )
    except (vmodl.fault.MethodNotFound, vmodl.fault.NotSupported):
        return _unchecked(user, labels), f"vCenter {session.address} cannot report another user's privileges"
    except vmodl.MethodFault as fault:
        # Any other refusal leaves FB005 unchecked rather than failing the whole read.
        kind = type(fault).__name__.rsplit(".", 1)[-1]
        return _unchecked(user, labels), f"vCenter {session.address} refused the privilege query: {kind}"

    canary = CANARY_PREFIX + secrets.token_hex(6)
    try:
        canary_granted = _fetch(authorization, objects, canary)
    except vmodl.MethodFault:
        canary_granted = {}  # refusing an unknown user is what an evaluating server does
    if any(privileges - EVERYONE_PRIVILEGES for privileges in canary_granted.values()):
        return _unchecked(user, labels), (
            f"vCenter {session.address} granted privileges to a user that does not exist, "
            "so its answer for the run-as account cannot be trusted"
        )
    return tuple(
        RunAsPrivileges(user=user, entity=label, privileges=granted.get(obj._moId, frozenset()))
        for label, obj in entities
    ), None
