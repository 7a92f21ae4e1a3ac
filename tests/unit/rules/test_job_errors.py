"""The job error table: each known Site Recovery error maps to its rule and remedy."""

from __future__ import annotations

import pytest

from failback_operator.facts import JobError
from failback_operator.rules import RULES
from failback_operator.rules.job_errors import AGENT_NOT_INSTALLED, JOB_ERRORS, explain_job_error


@pytest.mark.parametrize(
    ("code", "rule"),
    [("95226", "FB011"), ("78052", "FB043"), ("78093", "FB011"), ("8061", "FB045"), ("8038", "FB044")],
)
def test_known_codes(code: str, rule: str) -> None:
    remedy = explain_job_error(JobError(code=code, message="whatever Site Recovery says"))
    assert remedy is not None
    assert remedy.rule == rule
    assert remedy.remedy


def test_every_entry_names_a_catalogued_rule() -> None:
    for code, entry in JOB_ERRORS.items():
        assert entry.code == code
        assert entry.rule in RULES
        assert entry.meaning
        assert entry.remedy


@pytest.mark.parametrize(
    "message",
    [
        "The agent is not installed on the machine.",
        "Mobility service has not been installed on the virtual machine V2A-W2K16-201.",
    ],
)
def test_agent_not_installed_by_message(message: str) -> None:
    remedy = explain_job_error(JobError(code="539", message=message))
    assert remedy is AGENT_NOT_INSTALLED
    assert remedy.rule == "FB028"
    assert remedy.retryable


def test_unknown_error_is_not_guessed() -> None:
    assert explain_job_error(JobError(code="12345", message="Something else failed")) is None


def test_only_waiting_errors_are_retried_unattended() -> None:
    assert [code for code, entry in JOB_ERRORS.items() if entry.retryable] == []
