"""Wiring for the storage adapter tests: a throwaway Azurite for the session.

Temporary: the shared ``azurite`` fixture in tests/conftest.py replaces this one
once it lands.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from beast.adapters.tables import build_table_stores
from beast.ports import AuditLog, IdempotencyStore, OperationStore, UserStore, VmStore
from beast.settings import Settings, load_settings
from tests.doubles import (
    InMemoryAuditLog,
    InMemoryIdempotencyStore,
    InMemoryOperationStore,
    InMemoryUserStore,
    InMemoryVmStore,
)

# Azurite's well-known development account; it is public and only ever local.
_ACCOUNT = "devstoreaccount1"
_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Azurite:
    """A running Azurite and how to reach it."""

    connection_string: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("Azurite exited while starting")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"Azurite did not listen on port {port} in time")


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """Azurite with in-memory storage on free ports, for the whole session."""
    blob, queue, table = _free_port(), _free_port(), _free_port()
    with tempfile.TemporaryDirectory(prefix="beast-azurite-") as workspace:
        process = subprocess.Popen(
            [
                str(_ROOT / "node_modules" / ".bin" / "azurite"),
                "--inMemoryPersistence",
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--silent",
                "--blobPort",
                str(blob),
                "--queuePort",
                str(queue),
                "--tablePort",
                str(table),
            ],
            # Azurite refuses --location with in-memory storage; the cwd keeps any debris.
            cwd=workspace,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            for port in (queue, table):
                _wait_for(port, process, deadline)
            yield Azurite(
                connection_string=(
                    "DefaultEndpointsProtocol=http;"
                    f"AccountName={_ACCOUNT};AccountKey={_KEY};"
                    f"BlobEndpoint=http://127.0.0.1:{blob}/{_ACCOUNT};"
                    f"QueueEndpoint=http://127.0.0.1:{queue}/{_ACCOUNT};"
                    f"TableEndpoint=http://127.0.0.1:{table}/{_ACCOUNT};"
                )
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- Stores and queues under test ------------------------------------------------


def unique_name(stem: str) -> str:
    """A table prefix / queue name no other test uses (lowercase, so legal for both)."""
    return f"{stem}{uuid.uuid4().hex[:10]}"


def storage_settings(connection_string: str, *, table_prefix: str, jobs_queue: str) -> Settings:
    """Settings that point Beast's storage at ``connection_string``."""
    return load_settings(
        {
            "AzureWebJobsStorage": connection_string,
            "BEAST_TABLE_PREFIX": table_prefix,
            "BEAST_JOBS_QUEUE": jobs_queue,
            "BEAST_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
            "BEAST_ALLOWED_SOURCE_PREFIXES": "203.0.113.0/24",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SLACK_BOT_TOKEN": "xoxb-test",
        }
    )


@dataclass(frozen=True)
class Stores:
    """The five storage ports, whichever implementation backs them."""

    vms: VmStore
    operations: OperationStore
    audit: AuditLog
    users: UserStore
    idempotency: IdempotencyStore


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
