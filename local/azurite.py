"""Start Azurite (the Azure Storage emulator from npm) in memory on free ports.

Azurite accepts port 0 and prints the port it bound, so there is no bind race:
``--blobPort 0`` and friends, then read "successfully listening at" lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from local.ports import preferred_or_any
from local.processes import Service, ServiceError, start_service

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLE = ROOT / "node_modules" / ".bin" / "azurite"
DEFAULT_PORTS = {"blob": 10000, "queue": 10001, "table": 10002}
# Azurite's well-known development account (public, documented, not a secret).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
_LISTENING = re.compile(r"Azurite (Blob|Queue|Table) service is successfully listening at (\S+)")


@dataclass(frozen=True, kw_only=True)
class Azurite:
    """A running Azurite and how to reach it."""

    service: Service
    blob_endpoint: str
    queue_endpoint: str
    table_endpoint: str

    @property
    def connection_string(self) -> str:
        """A connection string with explicit endpoints (works on any ports)."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.blob_endpoint};QueueEndpoint={self.queue_endpoint};"
            f"TableEndpoint={self.table_endpoint};"
        )

    def stop(self) -> None:
        """Stop Azurite (its data was only in memory)."""
        self.service.stop()


def start_azurite(*, prefer_default_ports: bool = False, echo: TextIO | None = None) -> Azurite:
    """Start Azurite in memory; on the default ports when asked and free, else on free ports."""
    if not EXECUTABLE.exists():
        raise ServiceError(f"{EXECUTABLE.relative_to(ROOT)} is missing: run `npm ci` (make deps)")
    ports = {
        name: preferred_or_any(port) if prefer_default_ports else 0
        for name, port in DEFAULT_PORTS.items()
    }
    argv = [
        str(EXECUTABLE),
        "--inMemoryPersistence",
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--loose",
        # No access log: one line per request drowns the host's own output.
        "--silent",
        "--blobHost",
        "127.0.0.1",
        "--queueHost",
        "127.0.0.1",
        "--tableHost",
        "127.0.0.1",
        "--blobPort",
        str(ports["blob"]),
        "--queuePort",
        str(ports["queue"]),
        "--tablePort",
        str(ports["table"]),
    ]
    # The Table service starts last; its line means all three are listening.
    service = start_service(
        "azurite", argv, ready=r"Table service is successfully listening", echo=echo
    )
    endpoints = {}
    for line in service.output:
        found = _LISTENING.search(line)
        if found:
            endpoints[found.group(1).lower()] = f"{found.group(2).rstrip('/')}/{ACCOUNT}"
    if set(endpoints) != set(DEFAULT_PORTS):
        service.stop()
        raise ServiceError(f"Azurite did not report all endpoints:\n{service.last_lines()}")
    return Azurite(
        service=service,
        blob_endpoint=endpoints["blob"],
        queue_endpoint=endpoints["queue"],
        table_endpoint=endpoints["table"],
    )
