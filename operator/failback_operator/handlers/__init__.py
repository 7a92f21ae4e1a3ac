"""Kopf glue: importing this package registers every handler with Kopf's default registry."""

from failback_operator.handlers import master_targets, plans, startup, vault_poller, vaults, vcenters

__all__ = ["master_targets", "plans", "startup", "vault_poller", "vaults", "vcenters"]
