"""The vCenter adapter's errors: connection, authentication and not-found, mapped once from pyvmomi faults.

Messages name the vCenter and the object, never a user name, password or session cookie, so an
error can go to a log, an Event or a status condition as it is.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from pyVmomi import vim, vmodl
from pyVmomi.Security import ThumbprintMismatchException

from failback_operator.errors import FailbackOperatorError

__all__ = [
    "VCenterAuthError",
    "VCenterConnectionError",
    "VCenterError",
    "VCenterNotFoundError",
    "VCenterTaskError",
    "translate_faults",
]


class VCenterError(FailbackOperatorError):
    """Anything that went wrong talking to vCenter; `retryable` tells the shell whether to try again."""

    retryable: bool = True


class VCenterConnectionError(VCenterError):
    """vCenter could not be reached, or its TLS identity did not match what was configured."""


class VCenterAuthError(VCenterError):
    """vCenter refused the credentials or the session lacks a privilege the read needs."""

    retryable = False


class VCenterNotFoundError(VCenterError):
    """An object the caller named (a VM, a host) does not exist, or vanished while being read."""

    retryable = False


class VCenterTaskError(VCenterError):
    """A vCenter task (such as a reconfiguration) ended in error or did not finish in time."""


def _fault_message(fault: vmodl.MethodFault) -> str:
    """The fault's own message when vCenter sent one, else its type name."""
    message = getattr(fault, "msg", None) or ""
    return f"{type(fault).__name__.rsplit('.', 1)[-1]}: {message}".rstrip(": ")


@contextmanager
def translate_faults(vcenter: str, action: str) -> Iterator[None]:
    """Turn pyvmomi faults and socket/TLS errors raised inside the block into the adapter's errors."""
    try:
        yield
    except VCenterError:
        raise
    except (vim.fault.InvalidLogin, vim.fault.NotAuthenticated, vim.fault.NoPermission) as fault:
        raise VCenterAuthError(f"vCenter {vcenter} refused to {action}: {_fault_message(fault)}") from None
    except vmodl.fault.ManagedObjectNotFound as fault:
        raise VCenterNotFoundError(
            f"vCenter {vcenter}: an object vanished while trying to {action}: {_fault_message(fault)}"
        ) from None
    except ThumbprintMismatchException:
        raise VCenterConnectionError(
            f"vCenter {vcenter}: the certificate thumbprint does not match the pinned one"
        ) from None
    except ssl.SSLError as error:
        reason = getattr(error, "reason", None) or error
        raise VCenterConnectionError(
            f"vCenter {vcenter}: TLS failed while trying to {action}: {reason}"
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise VCenterConnectionError(
            f"vCenter {vcenter} is unreachable while trying to {action}: {type(error).__name__}: {error}"
        ) from None
    except vmodl.MethodFault as fault:
        raise VCenterError(f"vCenter {vcenter} failed to {action}: {_fault_message(fault)}") from None
