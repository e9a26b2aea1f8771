"""What the handlers need: the Beast use cases, settings, the idempotency store, a clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from beast.http_api.representation import SizeOfferView
from beast.models import Caller, Operation, ReplyTo, Vm, VmRequest, VmState
from beast.ports import IdempotencyStore
from beast.settings import Settings


class BeastUseCases(Protocol):
    """The part of ``beast.service.Beast`` the HTTP API calls."""

    def request_vm(
        self,
        caller: Caller,
        request: VmRequest,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> tuple[Vm, Operation]:
        """Record and queue a new VM."""
        ...

    def start(
        self,
        caller: Caller,
        name: str,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> Operation:
        """Queue a start."""
        ...

    def stop(
        self,
        caller: Caller,
        name: str,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> Operation:
        """Queue a deallocation."""
        ...

    def delete(
        self,
        caller: Caller,
        name: str,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> Operation:
        """Queue the removal of the VM's resource group."""
        ...

    def keep(self, caller: Caller, name: str, *, hours: int, now: datetime) -> Vm:
        """Exempt the VM from the idle sweep for ``hours``."""
        ...

    def list_vms(
        self, caller: Caller, *, everyone: bool = False, state: VmState | None = None
    ) -> list[Vm]:
        """The caller's VMs, or everyone's for an admin."""
        ...

    def status(self, caller: Caller, name: str) -> Vm:
        """One VM."""
        ...

    def operation(self, caller: Caller, operation_id: str) -> Operation:
        """One operation."""
        ...

    def sizes(self, *, region: str | None, contains: str | None = None) -> Sequence[SizeOfferView]:
        """VM sizes with quota headroom and prices."""
        ...


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class ApiContext:
    """The collaborators of every handler, built once by the glue."""

    beast: BeastUseCases
    settings: Settings
    idempotency: IdempotencyStore
    clock: Callable[[], datetime] = field(default=utc_now)
