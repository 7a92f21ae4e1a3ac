"""Kopf glue: importing this package registers every handler with Kopf's default registry."""

from failback_operator.handlers import plans, startup

__all__ = ["plans", "startup"]
