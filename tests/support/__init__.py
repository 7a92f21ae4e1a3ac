"""Helpers every test tier shares (unit, integration, e2e): one place, imported as `tests.support`."""
