"""The reconcilers' waits come from the environment like the plans' do."""

from __future__ import annotations

from datetime import timedelta

from failback_operator.runtime import reconcile_settings_from_environment
from failback_operator.services.reconciling import ReconcileSettings


def test_defaults_without_environment() -> None:
    assert reconcile_settings_from_environment({}) == ReconcileSettings()
    assert ReconcileSettings().poll == timedelta(minutes=5)


def test_environment_overrides_each_wait() -> None:
    settings = reconcile_settings_from_environment(
        {
            "FAILBACK_RECONCILE_POLL_SECONDS": "2",
            "FAILBACK_RECONCILE_RETRY_SECONDS": "0.5",
            "FAILBACK_READ_TIMEOUT_SECONDS": "10",
        }
    )
    assert settings == ReconcileSettings(
        poll=timedelta(seconds=2), retry=timedelta(seconds=0.5), read_timeout=timedelta(seconds=10)
    )
