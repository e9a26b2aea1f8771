"""End to end: the local host runs the real app against Azurite and the ARM simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local.armsim.testing import ArmSim
from local.azurite import Azurite
from local.host.launch import RunningHost, start_host
from local.ports import is_free
from local.stack import host_overrides


def _get(url: str) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    return session.get(url, timeout=60)


def test_health_is_200_when_storage_and_arm_answer(host: RunningHost) -> None:
    answer = _get(host.url("/api/health"))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["status"] == "ok"
    assert report["storage"] == "ok"
    assert report["arm"] == "ok"


@pytest.fixture
def host_without_arm(azurite: Azurite, armsim: ArmSim) -> Iterator[RunningHost]:
    """A host whose ARM endpoint is a port where nothing listens."""
    port = next(p for p in range(47100, 47200) if is_free(p))
    overrides = host_overrides(
        storage_connection=azurite.connection_string,
        arm_url=f"https://127.0.0.1:{port}/",
        arm_ca_bundle=armsim.ca_bundle,
        subscription_id=armsim.subscription_id,
    )
    running = start_host(overrides=overrides)
    yield running
    running.stop()


def test_health_is_503_and_names_arm_when_arm_is_down(host_without_arm: RunningHost) -> None:
    answer = _get(host_without_arm.url("/api/health"))
    assert answer.status_code == 503
    report = answer.json()
    assert report["storage"] == "ok"
    assert report["arm"].startswith("unreachable")
