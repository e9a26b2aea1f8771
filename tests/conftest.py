"""Session-wide wiring: the real local parts (Azurite, the ARM simulator, the local host).

Each part starts once per session, on free ports, and is stopped when the
session ends, also when a test fails. Tests that need isolation inside a shared
part take fresh names from ``unique_name`` (tables, queues).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from local.armsim.testing import ArmSim
from local.azurite import Azurite
from local.host.launch import RunningHost, start_host
from tests.factories import parts_overrides

# Azurite and the ARM simulator, as session fixtures shared with bench/conftest.py.
pytest_plugins = ["tests.local_parts"]


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Fresh lowercase names (``unique_name("jobs")`` -> ``jobs1a2b3c4d``) for tables and queues."""

    def make(prefix: str) -> str:
        return f"{prefix}{uuid.uuid4().hex[:8]}"

    return make


@pytest.fixture(scope="session")
def host(azurite: Azurite, armsim: ArmSim) -> Iterator[RunningHost]:
    """The local host running the real ``function_app`` against Azurite and the ARM simulator.

    ``host.url("/api/health")``, ``host.function_key``, ``host.master_key``, and
    ``host.run("name")`` to run a timer or queue function now and get its outcome.
    Its tables and jobs queue carry names unique to this session.
    """
    session = uuid.uuid4().hex[:8]
    overrides = {
        **parts_overrides(azurite=azurite, armsim=armsim),
        "BEAST_TABLE_PREFIX": f"t{session}",
        "BEAST_JOBS_QUEUE": f"jobs-{session}",
    }
    running = start_host(overrides=overrides)
    yield running
    running.stop()
