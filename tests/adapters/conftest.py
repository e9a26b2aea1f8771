"""Wiring for the storage adapter tests: the stores under test, on Azurite or in memory.

Azurite itself is the shared session fixture ``azurite`` in tests/conftest.py.
"""

from __future__ import annotations

import pytest

from beast.adapters.tables import build_table_stores
from local.azurite import Azurite
from tests.adapters.storage_harness import Stores, storage_settings, unique_name
from tests.doubles import (
    InMemoryAuditLog,
    InMemoryIdempotencyStore,
    InMemoryOperationStore,
    InMemoryUserStore,
    InMemoryVmStore,
)


@pytest.fixture(params=["azurite", "memory"])
def stores(request: pytest.FixtureRequest) -> Stores:
    """The table adapters on Azurite (fresh tables per test), then the in-memory doubles."""
    if request.param == "memory":
        return Stores(
            vms=InMemoryVmStore(),
            operations=InMemoryOperationStore(),
            audit=InMemoryAuditLog(),
            users=InMemoryUserStore(),
            idempotency=InMemoryIdempotencyStore(),
        )
    emulator: Azurite = request.getfixturevalue("azurite")
    settings = storage_settings(
        emulator.connection_string, table_prefix=unique_name("t"), jobs_queue="unused"
    )
    built = build_table_stores(settings)
    return Stores(
        vms=built.vms,
        operations=built.operations,
        audit=built.audit,
        users=built.users,
        idempotency=built.idempotency,
    )
