"""The simulator's in-memory world: one lock, one clock, a timer queue for long-running work.

Every handler runs with `Store.lock` held and calls `settle()` first, which applies every
scheduled step whose time has come (in time order, each seeing its own due time as "now").
So long-running operations progress by timestamps, never by how often anybody polls.
"""

from __future__ import annotations

import heapq
import itertools
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.armsim import catalog

# Milliseconds per kind of simulated work, before --delay-scale is applied.
DEFAULT_DELAYS_MS: dict[str, float] = {
    "deployment_accept": 1000,  # Accepted -> Running
    "resource_create": 2000,  # any resource a deployment (or a direct PUT) creates
    "vm_create": 30000,
    "vpn_gateway_create": 120000,
    "vm_power": 15000,  # start, deallocate, powerOff, restart
    "vm_delete": 15000,
    "resource_delete": 1000,
    "rg_delete": 20000,
}


def iso(ts: float) -> str:
    """ARM's timestamp form (UTC, seven fractional digits, `Z`)."""
    d = datetime.fromtimestamp(ts, UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond:06d}0Z"


def iso_duration(seconds: float) -> str:
    """ISO-8601 duration as ARM writes deployment durations (PT22.8356799S)."""
    return f"PT{max(seconds, 0):.7f}S"


def new_guid() -> str:
    """A random GUID string."""
    return str(uuid.uuid4())


@dataclass
class Group:
    """A resource group."""

    name: str
    location: str
    tags: dict[str, str]
    managed_by: str | None = None
    deleting: bool = False
    delete_op: str | None = None

    def body(self, subscription_id: str) -> dict[str, Any]:
        """The ARM body."""
        body: dict[str, Any] = {
            "id": f"/subscriptions/{subscription_id}/resourceGroups/{self.name}",
            "name": self.name,
            "type": "Microsoft.Resources/resourceGroups",
            "location": self.location,
            "properties": {"provisioningState": "Deleting" if self.deleting else "Succeeded"},
        }
        if self.tags:
            body["tags"] = dict(self.tags)
        if self.managed_by:
            body["managedBy"] = self.managed_by
        return body


@dataclass
class VmRuntime:
    """What a VM does right now, beside its model: power state and the operation in flight."""

    power: str = "starting"
    vm_id: str = field(default_factory=new_guid)
    # Bumped by every new operation: a scheduled step of an older one then does nothing.
    generation: int = 0
    last_op_time: float = 0.0
    op_id: str | None = None


@dataclass
class Resource:
    """Any stored resource: its ARM body (secrets removed) plus VM runtime state for VMs."""

    id: str
    type: str
    resource_group: str
    body: dict[str, Any]
    created_at: float
    changed_at: float
    vm: VmRuntime | None = None

    @property
    def provisioning_state(self) -> str:
        """properties.provisioningState."""
        return str(self.body.get("properties", {}).get("provisioningState", "Succeeded"))

    def set_state(self, state: str, at: float) -> None:
        """Set properties.provisioningState."""
        self.body.setdefault("properties", {})["provisioningState"] = state
        self.changed_at = at


@dataclass
class AsyncOp:
    """An asynchronous operation a status URL reports on (CRP/NRP style, RG delete)."""

    id: str
    kind: str
    start: float
    status: str = "InProgress"
    end: float | None = None
    error: dict[str, Any] | None = None

    def status_body(self) -> dict[str, Any]:
        """The Azure-AsyncOperation status body."""
        body: dict[str, Any] = {
            "startTime": iso(self.start),
            "status": self.status,
            "name": self.id,
        }
        if self.end is not None:
            body["endTime"] = iso(self.end)
        if self.error:
            body["error"] = self.error
        return body


@dataclass
class Fault:
    """A rule injected through /_sim/faults."""

    kind: str  # throttle | error | slow | deployment_failure
    method: re.Pattern[str]
    path: re.Pattern[str]
    remaining: int
    status: int = 429
    retry_after: float | None = None
    code: str = ""
    message: str = ""
    delay_ms: float = 0
    resource_type: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request."""
        return (
            self.remaining > 0
            and self.method.fullmatch(method) is not None
            and self.path.search(path) is not None
        )


@dataclass
class Store:
    """All simulator state. Mutate only with `lock` held."""

    subscription_id: str
    tenant_id: str = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    delay_scale: float = 1.0
    retry_after: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock)
    groups: dict[str, Group] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    deployments: dict[tuple[str, str], Any] = field(default_factory=dict)
    ops: dict[str, AsyncOp] = field(default_factory=dict)
    delays_ms: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DELAYS_MS))
    faults: list[Fault] = field(default_factory=list)
    quota_overrides: dict[tuple[str, str], int] = field(default_factory=dict)
    # resource id (lower) -> metric name (lower) -> (display name, points)
    metrics: dict[str, dict[str, tuple[str, list[dict[str, Any]]]]] = field(default_factory=dict)
    request_log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=5000))
    public_ip_counter: itertools.count[int] = field(default_factory=lambda: itertools.count(10))
    _events: list[tuple[float, int, Callable[[float], None]]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def reset(self) -> None:
        """Forget everything except configuration given at start (subscription, scale)."""
        with self.lock:
            self.groups.clear()
            self.resources.clear()
            self.deployments.clear()
            self.ops.clear()
            self.delays_ms = dict(DEFAULT_DELAYS_MS)
            self.faults.clear()
            self.quota_overrides.clear()
            self.metrics.clear()
            self.request_log.clear()
            self._events.clear()
            self.public_ip_counter = itertools.count(10)

    @staticmethod
    def now() -> float:
        """Wall-clock seconds."""
        return time.time()

    def delay(self, kind: str) -> float:
        """Seconds the given kind of work takes, scaled."""
        return (
            self.delays_ms.get(kind, DEFAULT_DELAYS_MS["resource_create"]) * self.delay_scale / 1000
        )

    def schedule(self, at: float, step: Callable[[float], None]) -> None:
        """Run step(at) once the clock reaches `at` (applied by the next settle())."""
        heapq.heappush(self._events, (at, next(self._seq), step))

    def settle(self) -> None:
        """Apply every scheduled step that is due, in time order."""
        now = self.now()
        while self._events and self._events[0][0] <= now:
            at, _, step = heapq.heappop(self._events)
            step(at)

    def next_due(self) -> float | None:
        """When the earliest pending step is due."""
        return self._events[0][0] if self._events else None

    # --- lookups -------------------------------------------------------------------------

    def group(self, name: str) -> Group | None:
        """The resource group with this name (case-insensitive)."""
        return self.groups.get(name.lower())

    def resource(self, resource_id: str) -> Resource | None:
        """The resource with this id (case-insensitive)."""
        return self.resources.get(resource_id.lower().rstrip("/"))

    def vms_in(self, location: str) -> list[Resource]:
        """Every VM in a region (all states count against vCPU quota)."""
        return [
            r
            for r in self.resources.values()
            if r.type.lower() == "microsoft.compute/virtualmachines"
            and str(r.body.get("location", "")).lower() == location.lower()
        ]

    def family_limit(self, location: str, family: str) -> int:
        """The vCPU limit of a family in a region."""
        override = self.quota_overrides.get((location.lower(), family.lower()))
        if override is not None:
            return override
        fam = catalog.FAMILIES.get(family.lower())
        return fam.default_limit if fam else catalog.DEFAULT_FAMILY_LIMIT

    def regional_limit(self, location: str) -> int:
        """The 'Total Regional vCPUs' limit of a region."""
        override = self.quota_overrides.get((location.lower(), "cores"))
        return catalog.REGIONAL_VCPU_LIMIT if override is None else override

    def preempt_vm_operation(self, rt: VmRuntime, at: float) -> None:
        """Fail the VM's operation in flight, as Azure does when a newer one (or a delete) comes."""
        in_flight = self.ops.get(rt.op_id or "")
        if in_flight and in_flight.status == "InProgress":
            in_flight.status, in_flight.end = "Failed", at
            in_flight.error = {
                "code": "OperationPreempted",
                "message": "Operation execution has been preempted by a more recent operation.",
            }

    def new_op(self, kind: str, at: float) -> AsyncOp:
        """Register an asynchronous operation record."""
        op = AsyncOp(id=new_guid(), kind=kind, start=at)
        self.ops[op.id] = op
        return op
