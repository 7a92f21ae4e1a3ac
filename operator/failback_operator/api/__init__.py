"""Typed views of the custom resources and the helpers that write their status."""
