"""Kubernetes objects: whole-status writes, Events, the operator's Lease, the slot ledger."""
