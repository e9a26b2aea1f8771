"""Session-wide wiring: the real local parts (Azurite, the ARM simulator, the local host).

Each part starts once per session, on free ports, and is stopped when the
session ends, also when a test fails. Tests that need isolation inside a shared
part take fresh names from ``unique_name`` (tables, queues).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from local.armsim.testing import ArmSim, running_armsim
from local.azurite import Azurite, start_azurite
from local.host.launch import RunningHost, start_host
from local.stack import host_overrides


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """Azurite in memory on free ports (``connection_string``, ``queue_endpoint``...)."""
    running = start_azurite()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def armsim() -> Iterator[ArmSim]:
    """The ARM simulator over HTTPS (``local.armsim.testing.running_armsim``)."""
    with running_armsim() as simulator:
        yield simulator


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Fresh lowercase names (``unique_name("jobs")`` -> ``jobs1a2b3c4d``) for tables and queues."""

    def make(prefix: str) -> str:
        return f"{prefix}{uuid.uuid4().hex[:8]}"

    return make


def stack_overrides(*, azurite: Azurite, armsim: ArmSim) -> dict[str, str]:
    """The settings a launcher exports so the app finds Azurite and the ARM simulator."""
    return host_overrides(
        storage_connection=azurite.connection_string,
        arm_url=armsim.url,
        arm_ca_bundle=armsim.ca_bundle,
        subscription_id=armsim.subscription_id,
    )


@pytest.fixture(scope="session")
def host(azurite: Azurite, armsim: ArmSim) -> Iterator[RunningHost]:
    """The local host running the real ``function_app`` against Azurite and the ARM simulator.

    ``host.url("/api/health")``, ``host.function_key``, ``host.master_key``, and
    ``host.run("name")`` to run a timer or queue function now and get its outcome.
    Its tables and jobs queue carry names unique to this session.
    """
    session = uuid.uuid4().hex[:8]
    overrides = {
        **stack_overrides(azurite=azurite, armsim=armsim),
        "BEAST_TABLE_PREFIX": f"t{session}",
        "BEAST_JOBS_QUEUE": f"jobs-{session}",
    }
    running = start_host(overrides=overrides)
    yield running
    running.stop()
