"""Helpers shared by the storage adapter tests (kept out of conftest so they import once)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from beast.ports import AuditLog, IdempotencyStore, OperationStore, UserStore, VmStore
from beast.settings import Settings
from tests.factories import make_settings


def unique_name(stem: str) -> str:
    """A table prefix / queue name no other test uses (lowercase, so legal for both)."""
    return f"{stem}{uuid.uuid4().hex[:10]}"


def storage_settings(connection_string: str, *, table_prefix: str, jobs_queue: str) -> Settings:
    """Settings that point Beast's storage at ``connection_string``."""
    return make_settings(
        AzureWebJobsStorage=connection_string,
        BEAST_TABLE_PREFIX=table_prefix,
        BEAST_JOBS_QUEUE=jobs_queue,
    )


@dataclass(frozen=True)
class Stores:
    """The five storage ports, whichever implementation backs them."""

    vms: VmStore
    operations: OperationStore
    audit: AuditLog
    users: UserStore
    idempotency: IdempotencyStore
