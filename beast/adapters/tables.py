"""The storage ports on Azure Table Storage (azure-data-tables).

Tables are ``{prefix}vms``, ``{prefix}operations``, ``{prefix}audit``,
``{prefix}users`` and ``{prefix}idempotency``, each created on first use, once per
process. Layout:

- vms: PartitionKey ``vm``, RowKey the VM name. One partition is right at Beast's
  scale (tens to hundreds of VMs, far below a partition's ~2,000 entities/s): a VM
  is fetched by name alone (names are unique, they name the resource group), and
  both listings (everyone's for the sweep, one owner's for ``/beast list``) read
  the one partition; the owner listing is a filter on it.
- operations: PartitionKey ``op``, RowKey the operation id.
- audit: PartitionKey the VM name, RowKey the UTC time, a process-monotonic
  nanosecond counter and a random suffix, so a VM's entries sort oldest first and
  entries stamped with the same time keep the order they were written in.
- users: PartitionKey ``user``, RowKey the caller id.
- idempotency: PartitionKey ``key``, RowKey the key.

Every user-derived key goes through ``encode_key``. Updates replace the whole
entity only if its ETag still matches (``If-Match``), so a lost race surfaces as
``ConcurrencyError`` instead of a silent overwrite.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from typing import ClassVar, TypeVar

from azure.core import MatchConditions
from azure.core.credentials import TokenCredential
from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode

from beast.adapters.storage_errors import storage_errors
from beast.adapters.table_entities import etag_of, from_entity, to_entity
from beast.adapters.table_keys import encode_key, table_name
from beast.errors import ConfigError
from beast.models import AuditEntry, Operation, Vm
from beast.settings import Settings

_VM_PARTITION = "vm"
_OP_PARTITION = "op"
_USER_PARTITION = "user"
_KEY_PARTITION = "key"

Versioned = TypeVar("Versioned", Vm, Operation)


class LazyTable:
    """A table client whose table is created on first use, once per process."""

    # (account URL, table) pairs created by this process, across all instances.
    _created: ClassVar[set[tuple[str, str]]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, service: TableServiceClient, name: str) -> None:
        self._service = service
        self.name = name

    def client(self) -> TableClient:
        """The table's client, creating the table first if this process has not yet."""
        marker = (self._service.url, self.name)
        if marker not in LazyTable._created:
            with LazyTable._lock:
                if marker not in LazyTable._created:
                    with (
                        storage_errors(f"Table {self.name}"),
                        contextlib.suppress(ResourceExistsError),
                    ):
                        self._service.create_table(self.name)
                    LazyTable._created.add(marker)
        return self._service.get_table_client(self.name)


def _update(
    table: LazyTable, record: Versioned, *, partition_key: str, row_key: str, what: str
) -> Versioned:
    if record.etag is None:
        raise ValueError(f"{what} has no etag: read it before updating it")
    entity = to_entity(record, partition_key=partition_key, row_key=row_key)
    with storage_errors(what):
        metadata = table.client().update_entity(
            entity,
            mode=UpdateMode.REPLACE,
            etag=record.etag,
            match_condition=MatchConditions.IfNotModified,
        )
    return replace(record, etag=etag_of(metadata))


class TableVmStore:
    """``VmStore`` on the vms table."""

    def __init__(self, table: LazyTable) -> None:
        self._table = table

    def add(self, vm: Vm) -> Vm:
        """Insert a new VM; ConflictError when the name is taken."""
        entity = to_entity(vm, partition_key=_VM_PARTITION, row_key=encode_key(vm.name))
        with storage_errors(f"VM {vm.name}"):
            metadata = self._table.client().create_entity(entity)
        return replace(vm, etag=etag_of(metadata))

    def get(self, name: str) -> Vm:
        """The VM, with its etag; NotFoundError when absent."""
        with storage_errors(f"VM {name}"):
            entity = self._table.client().get_entity(_VM_PARTITION, encode_key(name))
        return from_entity(Vm, entity)

    def find(self, name: str) -> Vm | None:
        """The VM or None."""
        with storage_errors(f"VM {name}"):
            client = self._table.client()
            # A point query for the key: an empty result, not a 404, when absent.
            found = list(
                client.query_entities(
                    "PartitionKey eq @pk and RowKey eq @rk",
                    parameters={"pk": _VM_PARTITION, "rk": encode_key(name)},
                )
            )
        return from_entity(Vm, found[0]) if found else None

    def update(self, vm: Vm) -> Vm:
        """Write the VM if its etag still matches; ConcurrencyError when it does not."""
        return _update(
            self._table,
            vm,
            partition_key=_VM_PARTITION,
            row_key=encode_key(vm.name),
            what=f"VM {vm.name}",
        )

    def list(self, *, owner: str | None = None) -> Sequence[Vm]:
        """Every VM, or one owner's, by name."""
        query, parameters = "PartitionKey eq @pk", {"pk": _VM_PARTITION}
        if owner is not None:
            query, parameters = query + " and owner eq @owner", {**parameters, "owner": owner}
        with storage_errors("The VM list"):
            entities = list(self._table.client().query_entities(query, parameters=parameters))
        return sorted((from_entity(Vm, e) for e in entities), key=lambda vm: vm.name)


class TableOperationStore:
    """``OperationStore`` on the operations table."""

    def __init__(self, table: LazyTable) -> None:
        self._table = table

    def add(self, op: Operation) -> Operation:
        """Insert a new operation; ConflictError when the id exists."""
        entity = to_entity(op, partition_key=_OP_PARTITION, row_key=encode_key(op.id))
        with storage_errors(f"Operation {op.id}"):
            metadata = self._table.client().create_entity(entity)
        return replace(op, etag=etag_of(metadata))

    def get(self, op_id: str) -> Operation:
        """The operation; NotFoundError when absent."""
        with storage_errors(f"Operation {op_id}"):
            entity = self._table.client().get_entity(_OP_PARTITION, encode_key(op_id))
        return from_entity(Operation, entity)

    def update(self, op: Operation) -> Operation:
        """Write if the etag matches; ConcurrencyError when it does not."""
        return _update(
            self._table,
            op,
            partition_key=_OP_PARTITION,
            row_key=encode_key(op.id),
            what=f"Operation {op.id}",
        )


class _Sequence:
    """Strictly increasing nanosecond stamps within this process."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return self._last


class TableAuditLog:
    """``AuditLog`` on the audit table: insert-only, one partition per VM."""

    _sequence = _Sequence()

    def __init__(self, table: LazyTable) -> None:
        self._table = table

    def append(self, entry: AuditEntry) -> None:
        """Record one entry."""
        entity = to_entity(entry, partition_key=encode_key(entry.vm_name), row_key="")
        at = entry.at.astimezone(UTC)
        entity["RowKey"] = (
            f"{at:%Y%m%dT%H%M%S%fZ}-{self._sequence.next():020d}-{uuid.uuid4().hex[:8]}"
        )
        with storage_errors(f"Audit entry for {entry.vm_name}"):
            self._table.client().create_entity(entity)

    def for_vm(self, vm_name: str) -> Sequence[AuditEntry]:
        """Every entry about one VM, oldest first."""
        with storage_errors(f"Audit of {vm_name}"):
            entities = list(
                self._table.client().query_entities(
                    "PartitionKey eq @pk", parameters={"pk": encode_key(vm_name)}
                )
            )
        # The service returns RowKey order already; sorting keeps that a local fact.
        entities.sort(key=lambda e: str(e["RowKey"]))
        return [from_entity(AuditEntry, e) for e in entities]


class TableUserStore:
    """``UserStore`` on the users table."""

    def __init__(self, table: LazyTable) -> None:
        self._table = table

    def get_ssh_key(self, user: str) -> str | None:
        """The remembered public key, if any."""
        with storage_errors(f"Preferences of {user}"):
            found = list(
                self._table.client().query_entities(
                    "PartitionKey eq @pk and RowKey eq @rk",
                    parameters={"pk": _USER_PARTITION, "rk": encode_key(user)},
                    select=["ssh_key"],
                )
            )
        value = found[0].get("ssh_key") if found else None
        return str(value) if value else None

    def set_ssh_key(self, user: str, key: str) -> None:
        """Remember a public key."""
        entity = {"PartitionKey": _USER_PARTITION, "RowKey": encode_key(user), "ssh_key": key}
        with storage_errors(f"Preferences of {user}"):
            # Merge, so other preferences stored beside the key survive.
            self._table.client().upsert_entity(entity, mode=UpdateMode.MERGE)


class TableIdempotencyStore:
    """``IdempotencyStore`` on the idempotency table: first writer wins."""

    def __init__(self, table: LazyTable) -> None:
        self._table = table

    def claim(self, key: str, value: str) -> str | None:
        """Store ``value`` under ``key`` unless present; return the earlier value if present."""
        row_key = encode_key(key)
        entity = {"PartitionKey": _KEY_PARTITION, "RowKey": row_key, "value": value}
        with storage_errors(f"Idempotency key {key}"):
            client = self._table.client()
            try:
                client.create_entity(entity)
                return None
            except ResourceExistsError:
                earlier = client.get_entity(_KEY_PARTITION, row_key)
        return str(earlier["value"])


@dataclass(frozen=True, kw_only=True)
class TableStores:
    """The five table-backed stores, built together from one service client."""

    vms: TableVmStore
    operations: TableOperationStore
    audit: TableAuditLog
    users: TableUserStore
    idempotency: TableIdempotencyStore


def table_service(
    settings: Settings, *, credential: TokenCredential | None = None
) -> TableServiceClient:
    """A Table service client: the connection string if set, else the account and identity."""
    if settings.storage_connection:
        return TableServiceClient.from_connection_string(settings.storage_connection.reveal())
    if settings.storage_account and credential is not None:
        # Azurite has no Table OAuth, so identity is for Azure only.
        return TableServiceClient(
            endpoint=f"https://{settings.storage_account}.table.core.windows.net",
            credential=credential,
        )
    raise ConfigError(
        "Table storage needs AzureWebJobsStorage (a connection string) or "
        "AzureWebJobsStorage__accountName with a managed identity."
    )


def build_table_stores(
    settings: Settings, *, credential: TokenCredential | None = None
) -> TableStores:
    """The table stores for ``settings``; no network call until first use."""
    service = table_service(settings, credential=credential)
    prefix = settings.table_prefix

    def table(suffix: str) -> LazyTable:
        return LazyTable(service, table_name(prefix, suffix))

    return TableStores(
        vms=TableVmStore(table("vms")),
        operations=TableOperationStore(table("operations")),
        audit=TableAuditLog(table("audit")),
        users=TableUserStore(table("users")),
        idempotency=TableIdempotencyStore(table("idempotency")),
    )
