"""The small typed ports in front of every outside system.

Each has one real adapter (``beast/adapters/``, ``beast/slack/``) tested against
the real local part (Azurite, the ARM simulator, the Slack stand-in); in-memory
doubles live in ``tests/doubles.py`` and pass the same contract tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from beast.models import AuditEntry, Operation, OperationKind, ReplyTo, Vm
from beast.settings import Secret

# --- Azure Resource Manager -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SizeInfo:
    """One VM size in a region, from the resource SKU catalogue."""

    name: str  # "Standard_E4s_v3"
    family: str  # quota family, "standardESv3Family"
    vcpus: int
    memory_gb: float
    gpus: int
    restricted: bool  # not offered to this subscription in this region


@dataclass(frozen=True, kw_only=True)
class QuotaUsage:
    """vCPU usage against a limit, as compute usages report it."""

    name: str  # "standardESv3Family" or "cores" for the regional total
    label: str  # "Standard ESv3 Family vCPUs"
    used: int
    limit: int

    @property
    def left(self) -> int:
        """vCPUs still free under this limit."""
        return max(0, self.limit - self.used)


@dataclass(frozen=True, kw_only=True)
class SizeOffer:
    """A size as ``sizes`` lists it: what it is, what quota is left, what it costs."""

    size: SizeInfo
    quota_left: int
    hourly_usd: float | None


class DeploymentState(StrEnum):
    """Where an ARM deployment stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    MISSING = "missing"


@dataclass(frozen=True, kw_only=True)
class DeploymentStatus:
    """An ARM deployment's state, outputs and, on failure, ARM's own reason."""

    state: DeploymentState
    outputs: Mapping[str, Any]
    error_code: str | None = None
    error_message: str | None = None


class PowerState(StrEnum):
    """A VM's power state as its instance view reports it."""

    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"  # powered off but still allocated (and billed)
    DEALLOCATING = "deallocating"
    DEALLOCATED = "deallocated"
    UNKNOWN = "unknown"
    MISSING = "missing"  # no such VM


@dataclass(frozen=True, kw_only=True)
class BeastGroup:
    """A resource group Beast created, found by its tags."""

    name: str
    tags: Mapping[str, str]
    deleting: bool


class Arm(Protocol):
    """What Beast asks of Azure Resource Manager. Nothing here waits for a long operation."""

    def sizes(self, region: str) -> Sequence[SizeInfo]:
        """The VM sizes of the region's SKU catalogue."""
        ...

    def quotas(self, region: str) -> Sequence[QuotaUsage]:
        """vCPU usage and limits per family and the regional total."""
        ...

    def ensure_group(self, name: str, *, region: str, tags: Mapping[str, str]) -> None:
        """Create the resource group, or leave it as it is."""
        ...

    def start_deployment(
        self,
        *,
        group: str,
        name: str,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        tags: Mapping[str, str],
    ) -> bool:
        """Start a deployment unless one of that name exists; True when this call started it."""
        ...

    def deployment(self, *, group: str, name: str) -> DeploymentStatus:
        """A deployment's state and outputs."""
        ...

    def power_state(self, *, group: str, vm: str) -> PowerState:
        """The VM's power state from its instance view."""
        ...

    def begin_start(self, *, group: str, vm: str) -> None:
        """Ask ARM to start the VM; returns without waiting."""
        ...

    def begin_deallocate(self, *, group: str, vm: str) -> None:
        """Ask ARM to deallocate the VM; returns without waiting."""
        ...

    def begin_delete_group(self, name: str) -> None:
        """Ask ARM to delete the group and all in it; returns without waiting."""
        ...

    def group_exists(self, name: str) -> bool:
        """True while the resource group exists (also while it is being deleted)."""
        ...

    def beast_groups(self) -> Sequence[BeastGroup]:
        """Every resource group tagged as Beast's."""
        ...


# --- Metrics ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Activity:
    """How busy a VM was over a window."""

    max_cpu_percent: float | None  # None: no samples at all
    network_bytes: float


class Metrics(Protocol):
    """Recent activity of VMs, many at once."""

    def activity(
        self, vm_ids: Sequence[str], *, region: str, start: datetime, end: datetime
    ) -> Mapping[str, Activity]:
        """Activity per VM resource id (lower-cased keys) between ``start`` and ``end``."""
        ...


# --- Storage ---------------------------------------------------------------------


class VmStore(Protocol):
    """The vms table."""

    def add(self, vm: Vm) -> Vm:
        """Insert a new VM; ConflictError when the name is taken."""
        ...

    def get(self, name: str) -> Vm:
        """The VM, with its etag; NotFoundError when absent."""
        ...

    def find(self, name: str) -> Vm | None:
        """The VM or None."""
        ...

    def update(self, vm: Vm) -> Vm:
        """Write the VM if its etag still matches; ConcurrencyError when it does not."""
        ...

    def list(self, *, owner: str | None = None) -> Sequence[Vm]:
        """Every VM, or one owner's."""
        ...


class OperationStore(Protocol):
    """The operations table."""

    def add(self, op: Operation) -> Operation:
        """Insert a new operation; ConflictError when the id exists."""
        ...

    def get(self, op_id: str) -> Operation:
        """The operation; NotFoundError when absent."""
        ...

    def update(self, op: Operation) -> Operation:
        """Write if the etag matches; ConcurrencyError when it does not."""
        ...


class AuditLog(Protocol):
    """The append-only audit table."""

    def append(self, entry: AuditEntry) -> None:
        """Record one entry."""
        ...

    def for_vm(self, vm_name: str) -> Sequence[AuditEntry]:
        """Every entry about one VM, oldest first."""
        ...


class UserStore(Protocol):
    """Per-person preferences (the SSH public key remembered by ``/beast key``)."""

    def get_ssh_key(self, user: str) -> str | None:
        """The remembered public key, if any."""
        ...

    def set_ssh_key(self, user: str, key: str) -> None:
        """Remember a public key."""
        ...


class IdempotencyStore(Protocol):
    """Results of earlier requests by Idempotency-Key or Slack delivery id."""

    def claim(self, key: str, value: str) -> str | None:
        """Store ``value`` under ``key`` unless present; return the earlier value if present."""
        ...


# --- Queue -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Job:
    """One unit of queued work: self-contained, so no front-end request is replayed."""

    kind: OperationKind
    operation_id: str
    vm_name: str
    reply: ReplyTo
    check: bool = False  # True: look at an operation already started
    attempt: int = 0  # how many checks so far (drives the back-off)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "v": 1,
            "kind": self.kind.value,
            "operation_id": self.operation_id,
            "vm_name": self.vm_name,
            "reply": self.reply.to_dict(),
            "check": self.check,
            "attempt": self.attempt,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Job:
        """Inverse of ``to_dict``; KeyError/ValueError on a malformed job."""
        return cls(
            kind=OperationKind(data["kind"]),
            operation_id=str(data["operation_id"]),
            vm_name=str(data["vm_name"]),
            reply=ReplyTo.from_dict(dict(data["reply"])),
            check=bool(data.get("check", False)),
            attempt=int(data.get("attempt", 0)),
        )


@dataclass(frozen=True, kw_only=True)
class SizesQuery:
    """A question that needs ARM, answered from the queue so Slack's ack never waits on it."""

    region: str
    contains: str | None
    reply: ReplyTo

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "v": 1,
            "kind": "sizes",
            "region": self.region,
            "contains": self.contains,
            "reply": self.reply.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SizesQuery:
        """Inverse of ``to_dict``."""
        return cls(
            region=str(data["region"]),
            contains=data.get("contains"),
            reply=ReplyTo.from_dict(dict(data["reply"])),
        )


QueueMessage = Job | SizesQuery


class JobQueue(Protocol):
    """The jobs queue the worker function is triggered from."""

    def enqueue(self, job: QueueMessage, *, delay_seconds: int = 0) -> None:
        """Queue ``job``, invisible for ``delay_seconds``."""
        ...


# --- Notifications ---------------------------------------------------------------


class Notifier(Protocol):
    """How results reach people. The core never knows it is Slack."""

    def progress(self, reply: ReplyTo, *, vm_name: str, text: str) -> None:
        """A short progress line."""
        ...

    def password(self, reply: ReplyTo, *, vm: Vm, password: Secret) -> None:
        """The generated password, privately to the owner only, once."""
        ...

    def ready(self, reply: ReplyTo, *, vm: Vm) -> None:
        """The VM is up: URLs, SSH command, size and disk."""
        ...

    def finished(self, reply: ReplyTo, *, vm: Vm, kind: OperationKind) -> None:
        """A start, stop or delete completed."""
        ...

    def failed(self, reply: ReplyTo, *, vm_name: str, kind: OperationKind, reason: str) -> None:
        """An operation failed; ``reason`` is plain words with ARM's reason."""
        ...

    def idle_warning(self, reply: ReplyTo, *, vm: Vm, stop_at: datetime) -> None:
        """The VM looks idle and will be deallocated at ``stop_at`` unless kept."""
        ...

    def idle_stopped(self, reply: ReplyTo, *, vm: Vm) -> None:
        """The VM is being deallocated for idleness; ``finished`` follows when it is."""
        ...

    def sizes(self, reply: ReplyTo, *, region: str, offers: Sequence[SizeOffer]) -> None:
        """The answer to a sizes question."""
        ...


# --- Prices ----------------------------------------------------------------------


class Prices(Protocol):
    """Retail hourly prices of VM sizes."""

    def hourly(self, region: str) -> Mapping[str, float]:
        """Linux pay-as-you-go USD per hour by size name; empty when unknown."""
        ...
