"""In-memory doubles of Beast's storage, queue and notifier ports.

The stores pass the same contract tests as the Table Storage adapters
(tests/adapters/test_store_contract.py), ETag checks included, so a core test that
runs on them says something true about production.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from beast.adapters.queue import MAX_DELAY_SECONDS
from beast.errors import ConcurrencyError, ConflictError, NotFoundError
from beast.jobs import parse_job
from beast.models import AuditEntry, Operation, OperationKind, ReplyTo, Vm
from beast.ports import Job, QueueMessage, SizeOffer
from beast.settings import Secret

Record = TypeVar("Record", Vm, Operation, AuditEntry)
Versioned = TypeVar("Versioned", Vm, Operation)

_etags = itertools.count(1)


def _new_etag() -> str:
    return f"W/\"datetime'{next(_etags)}'\""


def _stored(record: Record) -> Record:
    """``record`` as storage gives it back: datetimes in UTC, naive ones refused, no etag."""
    changes: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"Refusing to store naive datetime {value.isoformat()}")
            changes[f.name] = value.astimezone(UTC)
    if hasattr(record, "etag"):
        changes["etag"] = None
    return replace(record, **changes)


class _VersionedTable(Generic[Versioned]):
    """Rows keyed by name with an etag each: the part both versioned stores share."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._rows: dict[str, Versioned] = {}
        self._etags: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, key: str, record: Versioned) -> Versioned:
        stored = _stored(record)
        with self._lock:
            if key in self._rows:
                raise ConflictError(f"{self._what} {key} already exists.")
            self._rows[key] = stored
            self._etags[key] = _new_etag()
            return replace(stored, etag=self._etags[key])

    def find(self, key: str) -> Versioned | None:
        with self._lock:
            if key not in self._rows:
                return None
            return replace(self._rows[key], etag=self._etags[key])

    def get(self, key: str) -> Versioned:
        found = self.find(key)
        if found is None:
            raise NotFoundError(f"{self._what} {key} was not found.")
        return found

    def update(self, key: str, record: Versioned) -> Versioned:
        if record.etag is None:
            raise ValueError(f"{self._what} {key} has no etag: read it before updating it")
        stored = _stored(record)
        with self._lock:
            if key not in self._rows:
                raise NotFoundError(f"{self._what} {key} was not found.")
            if self._etags[key] != record.etag:
                raise ConcurrencyError(
                    f"{self._what} {key} was changed by someone else; read it again."
                )
            self._rows[key] = stored
            self._etags[key] = _new_etag()
            return replace(stored, etag=self._etags[key])

    def values(self) -> list[Versioned]:
        with self._lock:
            return [replace(row, etag=self._etags[key]) for key, row in self._rows.items()]


class InMemoryVmStore:
    """``VmStore`` in a dict."""

    def __init__(self) -> None:
        self._table = _VersionedTable[Vm]("VM")

    def add(self, vm: Vm) -> Vm:
        """Insert a new VM; ConflictError when the name is taken."""
        return self._table.add(vm.name, vm)

    def get(self, name: str) -> Vm:
        """The VM, with its etag; NotFoundError when absent."""
        return self._table.get(name)

    def find(self, name: str) -> Vm | None:
        """The VM or None."""
        return self._table.find(name)

    def update(self, vm: Vm) -> Vm:
        """Write the VM if its etag still matches; ConcurrencyError when it does not."""
        return self._table.update(vm.name, vm)

    def list(self, *, owner: str | None = None) -> Sequence[Vm]:
        """Every VM, or one owner's, by name."""
        vms = [vm for vm in self._table.values() if owner is None or vm.owner == owner]
        return sorted(vms, key=lambda vm: vm.name)


class InMemoryOperationStore:
    """``OperationStore`` in a dict."""

    def __init__(self) -> None:
        self._table = _VersionedTable[Operation]("Operation")

    def add(self, op: Operation) -> Operation:
        """Insert a new operation; ConflictError when the id exists."""
        return self._table.add(op.id, op)

    def get(self, op_id: str) -> Operation:
        """The operation; NotFoundError when absent."""
        return self._table.get(op_id)

    def update(self, op: Operation) -> Operation:
        """Write if the etag matches; ConcurrencyError when it does not."""
        return self._table.update(op.id, op)


class InMemoryAuditLog:
    """``AuditLog`` in a list: append-only, oldest first per VM, ties in write order."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: AuditEntry) -> None:
        """Record one entry."""
        stored = _stored(entry)
        with self._lock:
            self._entries.append(stored)

    def for_vm(self, vm_name: str) -> Sequence[AuditEntry]:
        """Every entry about one VM, oldest first."""
        with self._lock:
            mine = [e for e in self._entries if e.vm_name == vm_name]
        return sorted(mine, key=lambda e: e.at)  # stable: equal times keep write order

    @property
    def entries(self) -> list[AuditEntry]:
        """Everything recorded, in write order (for assertions)."""
        with self._lock:
            return list(self._entries)


class InMemoryUserStore:
    """``UserStore`` in a dict."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}

    def get_ssh_key(self, user: str) -> str | None:
        """The remembered public key, if any."""
        return self._keys.get(user)

    def set_ssh_key(self, user: str, key: str) -> None:
        """Remember a public key."""
        self._keys[user] = key


class InMemoryIdempotencyStore:
    """``IdempotencyStore`` in a dict: first writer wins."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def claim(self, key: str, value: str) -> str | None:
        """Store ``value`` under ``key`` unless present; return the earlier value if present."""
        with self._lock:
            if key in self._values:
                return self._values[key]
            self._values[key] = value
            return None


@dataclass(frozen=True)
class QueuedJob:
    """A job the double holds, with the delay it was sent with."""

    job: QueueMessage
    delay_seconds: int
    visible_at: float


class InMemoryJobQueue:
    """``JobQueue`` in a list; ``clock`` (seconds) decides when delayed jobs become visible."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.sent: list[QueuedJob] = []  # everything ever enqueued, in order
        self._pending: list[QueuedJob] = []

    def enqueue(self, job: QueueMessage, *, delay_seconds: int = 0) -> None:
        """Queue ``job``, invisible for ``delay_seconds``."""
        if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
            raise ValueError(f"delay_seconds must be 0..{MAX_DELAY_SECONDS}, not {delay_seconds}")
        # A round trip through JSON, as the real queue does, so an unserialisable job fails here.
        parsed = parse_job(json.dumps(job.to_dict()))
        assert parsed is not None, f"unparseable job {job!r}"
        job = parsed
        queued = QueuedJob(job, delay_seconds, self._clock() + delay_seconds)
        self.sent.append(queued)
        self._pending.append(queued)

    def receive(self) -> list[QueueMessage]:
        """Take every job that is visible now, in the order they became visible."""
        now = self._clock()
        ready = sorted(
            (q for q in self._pending if q.visible_at <= now), key=lambda q: q.visible_at
        )
        self._pending = [q for q in self._pending if q.visible_at > now]
        return [q.job for q in ready]

    @property
    def jobs(self) -> list[Job]:
        """Every VM job enqueued so far, in order, delayed or not."""
        return [q.job for q in self.sent if isinstance(q.job, Job)]


def _json_round_trip(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


@dataclass(frozen=True)
class Notified:
    """One call a RecordingNotifier received."""

    method: str
    reply: ReplyTo
    details: dict[str, Any] = field(default_factory=dict)


class RecordingNotifier:
    """``Notifier`` that records every call, in order, for assertions."""

    def __init__(self) -> None:
        self.calls: list[Notified] = []

    def named(self, method: str) -> list[Notified]:
        """The recorded calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def progress(self, reply: ReplyTo, *, vm_name: str, text: str) -> None:
        """A short progress line."""
        self.calls.append(Notified("progress", reply, {"vm_name": vm_name, "text": text}))

    def password(self, reply: ReplyTo, *, vm: Vm, password: Secret) -> None:
        """The generated password, privately to the owner only, once."""
        self.calls.append(Notified("password", reply, {"vm": vm, "password": password}))

    def ready(self, reply: ReplyTo, *, vm: Vm) -> None:
        """The VM is up."""
        self.calls.append(Notified("ready", reply, {"vm": vm}))

    def finished(self, reply: ReplyTo, *, vm: Vm, kind: OperationKind) -> None:
        """A start, stop or delete completed."""
        self.calls.append(Notified("finished", reply, {"vm": vm, "kind": kind}))

    def failed(self, reply: ReplyTo, *, vm_name: str, kind: OperationKind, reason: str) -> None:
        """An operation failed."""
        self.calls.append(
            Notified("failed", reply, {"vm_name": vm_name, "kind": kind, "reason": reason})
        )

    def idle_warning(self, reply: ReplyTo, *, vm: Vm, stop_at: datetime) -> None:
        """The VM looks idle and will be deallocated at ``stop_at`` unless kept."""
        self.calls.append(Notified("idle_warning", reply, {"vm": vm, "stop_at": stop_at}))

    def idle_stopped(self, reply: ReplyTo, *, vm: Vm) -> None:
        """The VM was deallocated for idleness."""
        self.calls.append(Notified("idle_stopped", reply, {"vm": vm}))

    def sizes(self, reply: ReplyTo, *, region: str, offers: Sequence[SizeOffer]) -> None:
        """The answer to a sizes question."""
        self.calls.append(Notified("sizes", reply, {"region": region, "offers": list(offers)}))
