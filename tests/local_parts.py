"""The real local parts as session fixtures, for tests/conftest.py and bench/conftest.py.

Each conftest imports the fixtures it offers from here, so both suites start
Azurite and the ARM simulator the same way; each part starts once per session,
on free ports, and stops when the session ends, also when a test fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.armsim.testing import ArmSim, running_armsim
from local.azurite import Azurite, start_azurite


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
