"""Readiness: a replica is ready while it can act, leading with Kopf up or standing by for the Lease."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest

from failback_operator.election.liveness import replica_ready, serving_liveness
from failback_operator.testenv.processes import free_port


@pytest.mark.parametrize(
    ("leading", "kopf_running", "holder", "ready"),
    [
        (True, True, "me", True),  # leads and Kopf serves the handlers
        (True, False, "me", False),  # won the Lease, Kopf not up yet (or stopping)
        (False, False, "other", True),  # stands by for another replica's Lease
        (False, False, None, False),  # has not read the Lease yet: cannot tell
        (False, True, "other", False),  # lost the Lease, Kopf still stopping
    ],
)
def test_ready_only_when_the_replica_can_act(
    leading: bool, kopf_running: bool, holder: str | None, ready: bool
) -> None:
    assert replica_ready(leading=leading, kopf_running=kopf_running, holder=holder) is ready


def _get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_readyz_answers_503_until_ready_while_healthz_stays_200() -> None:
    state = {"ready": False}
    port = free_port()
    async with serving_liveness(
        f"http://127.0.0.1:{port}/healthz", lambda: {"leading": False}, lambda: state["ready"]
    ):
        base = f"http://127.0.0.1:{port}"
        assert (await asyncio.to_thread(_get, f"{base}/healthz"))[0] == 200
        status, body = await asyncio.to_thread(_get, f"{base}/readyz")
        assert (status, body["ready"]) == (503, False)
        state["ready"] = True
        assert (await asyncio.to_thread(_get, f"{base}/readyz"))[0] == 200
