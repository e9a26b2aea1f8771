"""Beast's use cases: what Slack and the HTTP API ask for, in one place.

Every method here is quick: it checks, records and enqueues. Anything that needs
Azure Resource Manager happens in the worker (``beast.worker``), so Slack's
3-second ack never waits on ARM and the ack path never imports an ARM SDK.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta

from beast import naming
from beast.errors import (
    BeastError,
    ConcurrencyError,
    ConflictError,
    ForbiddenError,
    LimitError,
    NotFoundError,
    ValidationError,
)
from beast.models import (
    AuditEntry,
    Caller,
    Operation,
    OperationKind,
    OperationState,
    ReplyTo,
    Variant,
    Vm,
    VmRequest,
    VmState,
)
from beast.ports import (
    Arm,
    AuditLog,
    Job,
    JobQueue,
    OperationStore,
    Prices,
    SizeOffer,
    SizesQuery,
    UserStore,
    VmStore,
)
from beast.requests import check_ssh_key
from beast.settings import Settings
from beast.sizes import REGIONAL_QUOTA

log = logging.getLogger(__name__)

MAX_KEEP_HOURS = 24 * 14  # two weeks: longer than that, delete and redeploy
_BUSY = {VmState.DEPLOYING, VmState.STARTING, VmState.STOPPING, VmState.DELETING}
# For each action: the states a VM may be in for it, and the state it moves to.
_TRANSITIONS: dict[OperationKind, tuple[frozenset[VmState], VmState]] = {
    OperationKind.START: (frozenset({VmState.STOPPED}), VmState.STARTING),
    OperationKind.STOP: (frozenset({VmState.RUNNING}), VmState.STOPPING),
    OperationKind.DELETE: (
        frozenset(VmState) - {VmState.DELETING, VmState.DELETED},
        VmState.DELETING,
    ),
}


class Beast:
    """The application: requests, power, keep, delete, list, status, sizes."""

    def __init__(
        self,
        *,
        settings: Settings,
        vms: VmStore,
        operations: OperationStore,
        audit: AuditLog,
        users: UserStore,
        queue: JobQueue,
        arm: Callable[[], Arm],
        prices: Callable[[], Prices] | None = None,
    ) -> None:
        self._settings = settings
        self._vms = vms
        self._ops = operations
        self._audit = audit
        self._users = users
        self._queue = queue
        # Factories, not objects: building an ARM client imports azure.mgmt, which the
        # Slack ack path must not pay for.
        self._arm = arm
        self._prices = prices

    # --- new VMs -----------------------------------------------------------------

    def request_vm(
        self,
        caller: Caller,
        request: VmRequest,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> tuple[Vm, Operation]:
        """Record a new VM and queue its deployment; size and quota are checked by the job."""
        if operation_id is not None:
            earlier = self._earlier(
                operation_id, caller=caller, kind=OperationKind.DEPLOY, vm_name=None
            )
            if earlier is not None:
                return self._repeat(earlier)
        mine = self._vms.list(owner=caller.id)
        self._check_policy(caller, request, mine=mine)
        key = request.ssh_public_key or self._users.get_ssh_key(caller.id)
        if key is None and _needs_key(request.variant, caller):
            # Slack shows the field's text; the HTTP API shows both.
            hint = (
                "Save your public key first with `/beast key ssh-ed25519 AAAA...`, then ask again."
                if caller.front_end == "slack"
                else "Send your OpenSSH public key as sshPublicKey."
            )
            raise ValidationError(_why_key(request.variant, caller), fields={"sshPublicKey": hint})
        if request.variant is Variant.VPN and not self._settings.vpn_root_certificate:
            raise LimitError(
                "The vpn variant is not set up here: an admin must set BEAST_VPN_ROOT_CERT "
                "to the VPN root certificate's public data."
            )
        op_id = operation_id or naming.new_operation_id()
        # The operation is written first: it is the claim on this request, so a repeated
        # delivery racing this one finds it and never makes a second VM.
        try:
            op = self._ops.add(
                Operation(
                    id=op_id,
                    kind=OperationKind.DEPLOY,
                    vm_name=request.name or "",
                    owner=caller.id,
                    actor=caller.id,
                    state=OperationState.QUEUED,
                    created_at=now,
                    updated_at=now,
                )
            )
        except ConflictError:
            return self._repeat(self._ops.get(op_id))
        try:
            vm = self._add_vm(caller, request, op_id=op_id, now=now, mine=mine, key=key)
        except BeastError as exc:
            # Close the claim, so a repeat of this request hears why instead of "still
            # being processed" for ever; if storage itself is failing, that may fail too.
            with suppress(BeastError):
                self._ops.update(
                    op.evolve(
                        state=OperationState.FAILED, error_code=exc.code, error_message=exc.message
                    )
                )
            raise
        if op.vm_name != vm.name:
            op = self._ops.update(op.evolve(vm_name=vm.name))
        self._record(caller, "up", vm.name, op_id, now, detail=f"{vm.size} {vm.disk_gb} GB")
        self._queue.enqueue(
            Job(
                kind=OperationKind.DEPLOY,
                operation_id=op_id,
                vm_name=vm.name,
                reply=reply,
            )
        )
        return vm, op

    def _repeat(self, earlier: Operation) -> tuple[Vm, Operation]:
        """The outcome of a request seen before: the same VM and operation, no new job."""
        vm = self._vms.find(earlier.vm_name) if earlier.vm_name else None
        if vm is None or vm.deployment_name != naming.deployment_name(earlier.id):
            if earlier.state is OperationState.FAILED:
                raise ConflictError(earlier.error_message or "That request failed earlier.")
            raise ConflictError("That request is still being processed; try again in a moment.")
        return vm, earlier

    def _check_policy(self, caller: Caller, request: VmRequest, *, mine: Sequence[Vm]) -> None:
        allowed = self._settings.allowed_sizes
        if allowed and not any(
            fnmatch.fnmatch(request.size.lower(), pattern.lower())
            or fnmatch.fnmatch(request.size.lower(), "standard_" + pattern.lower())
            for pattern in allowed
        ):
            raise LimitError(
                f"{request.size.removeprefix('Standard_')} is not on this team's list of sizes "
                f"({', '.join(allowed)}). Ask an admin if you need it."
            )
        if request.disk_gb > self._settings.max_disk_gb:
            raise LimitError(
                f"The OS disk may be at most {self._settings.max_disk_gb} GB here, "
                f"not {request.disk_gb}."
            )
        self._check_running_limit(caller, mine)

    def _check_running_limit(self, caller: Caller, mine: Sequence[Vm]) -> None:
        """Refuse another running VM past the limit; stopped VMs cost only their disks."""
        up = [vm for vm in mine if vm.state.is_up]
        limit = self._settings.max_vms_per_user
        if len(up) >= limit and not caller.is_admin:
            names = ", ".join(vm.name for vm in up)
            raise LimitError(
                f"You already have {len(up)} running VMs ({names}); the limit is {limit}. "
                "Stop or delete one first."
            )

    def _add_vm(
        self,
        caller: Caller,
        request: VmRequest,
        *,
        op_id: str,
        now: datetime,
        mine: Sequence[Vm],
        key: str | None,
    ) -> Vm:
        def make(name: str) -> Vm:
            return Vm(
                name=name,
                owner=caller.id,
                owner_name=caller.name,
                size=request.size,
                disk_gb=request.disk_gb,
                disk_type=request.disk_type,
                variant=request.variant,
                region=request.region,
                resource_group=naming.resource_group(self._settings.resource_group_prefix, name),
                deployment_name=naming.deployment_name(op_id),
                state=VmState.DEPLOYING,
                admin_username=naming.admin_username(caller.name),
                operation_id=op_id,
                created_at=now,
                expires_at=now + request.ttl if request.ttl else None,
                ssh_public_key=key,
                source_prefixes=",".join(request.allowed_source_prefixes),
            )

        if request.name is not None:
            try:
                return self._vms.add(make(request.name))
            except ConflictError:
                pass
            existing = self._vms.get(request.name)
            if existing.state is not VmState.DELETED:
                raise ConflictError(
                    f"A VM named {request.name} already exists; pick another name."
                ) from None
            # The name of a deleted VM is free again; its audit history carries on.
            return self._vms.update(replace(make(request.name), etag=existing.etag))
        # Generated names count up past the person's own VMs (read with the policy check,
        # not a scan of everyone's); a name someone else holds, or a lost race, moves on.
        taken = {vm.name for vm in mine}
        number = 1
        for _ in range(50):
            name = naming.vm_name(caller.name, number)
            number += 1
            if name in taken:
                continue
            try:
                return self._vms.add(make(name))
            except ConflictError:
                continue
        raise ConflictError("Could not find a free VM name; give one with --name.")

    # --- power and delete --------------------------------------------------------

    def start(
        self,
        caller: Caller,
        name: str,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> Operation:
        """Queue a start of a deallocated VM."""
        return self._act(
            caller, name, kind=OperationKind.START, reply=reply, now=now, operation_id=operation_id
        )

    def stop(
        self,
        caller: Caller,
        name: str,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> Operation:
        """Queue a deallocation (never a mere power-off, which is still billed)."""
        return self._act(
            caller, name, kind=OperationKind.STOP, reply=reply, now=now, operation_id=operation_id
        )

    def delete(
        self,
        caller: Caller,
        name: str,
        *,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None = None,
    ) -> Operation:
        """Queue deletion of the VM's whole resource group."""
        return self._act(
            caller, name, kind=OperationKind.DELETE, reply=reply, now=now, operation_id=operation_id
        )

    def _act(
        self,
        caller: Caller,
        name: str,
        *,
        kind: OperationKind,
        reply: ReplyTo,
        now: datetime,
        operation_id: str | None,
    ) -> Operation:
        allowed, new_state = _TRANSITIONS[kind]
        if operation_id is not None:
            earlier = self._earlier(operation_id, caller=caller, kind=kind, vm_name=name)
            if earlier is not None:
                return earlier
        op_id = operation_id or naming.new_operation_id()

        if kind is OperationKind.START:
            target = self._vms.get(name)
            self._authorize(caller, target)
            self._check_running_limit(caller, self._vms.list(owner=target.owner))

        def change(vm: Vm) -> Vm:
            self._authorize(caller, vm)
            if vm.state not in allowed:
                raise ConflictError(_refusal(vm, kind))
            return vm.evolve(state=new_state, operation_id=op_id, error=None)

        vm = self.mutate(name, change)
        op = self._ops.add(
            Operation(
                id=op_id,
                kind=kind,
                vm_name=vm.name,
                owner=vm.owner,
                actor=caller.id,
                state=OperationState.QUEUED,
                created_at=now,
                updated_at=now,
            )
        )
        self._record(caller, kind.value, vm.name, op_id, now)
        self._queue.enqueue(Job(kind=kind, operation_id=op_id, vm_name=vm.name, reply=reply))
        return op

    def keep(self, caller: Caller, name: str, *, hours: int, now: datetime) -> Vm:
        """Exempt the VM from the idle sweep for ``hours``."""
        if not 1 <= hours <= MAX_KEEP_HOURS:
            raise ValidationError(
                f"Keep a VM for 1 to {MAX_KEEP_HOURS} hours, not {hours}.",
                fields={"hours": f"Use a whole number of hours from 1 to {MAX_KEEP_HOURS}."},
            )

        def change(vm: Vm) -> Vm:
            self._authorize(caller, vm)
            if vm.state in {VmState.DELETING, VmState.DELETED, VmState.FAILED}:
                raise ConflictError(f"{vm.name} is {vm.state.value}; there is nothing to keep.")
            return vm.evolve(keep_until=now + timedelta(hours=hours), warned_at=None)

        vm = self.mutate(name, change)
        self._record(caller, "keep", name, None, now, detail=f"{hours}h")
        return vm

    # --- reading -----------------------------------------------------------------

    def list_vms(
        self, caller: Caller, *, everyone: bool = False, state: VmState | None = None
    ) -> list[Vm]:
        """The caller's VMs (deleted ones only when asked by state), or everyone's for admins."""
        if everyone and not caller.is_admin:
            raise ForbiddenError("Only admins can list everyone's VMs.")
        vms = self._vms.list(owner=None if everyone else caller.id)
        if state is None:
            chosen = [vm for vm in vms if vm.state is not VmState.DELETED]
        else:
            chosen = [vm for vm in vms if vm.state is state]
        return sorted(chosen, key=lambda vm: vm.created_at)

    def status(self, caller: Caller, name: str) -> Vm:
        """One VM, to its owner or an admin."""
        vm = self._vms.get(name)
        self._authorize(caller, vm)
        return vm

    def operation(self, caller: Caller, operation_id: str) -> Operation:
        """One operation, to whoever asked for it, the VM's owner, or an admin."""
        op = self._ops.get(operation_id)
        if caller.id not in {op.owner, op.actor} and not caller.is_admin:
            raise ForbiddenError("That operation is not yours.")
        return op

    def sizes(self, *, region: str | None, contains: str | None = None) -> list[SizeOffer]:
        """Sizes offered in the region with quota left and hourly price where known."""
        where = region or self._settings.default_region
        arm = self._arm()
        catalogue = arm.sizes(where)
        usages = {usage.name.lower(): usage for usage in arm.quotas(where)}
        prices = self._prices().hourly(where) if self._prices else {}
        regional = usages.get(REGIONAL_QUOTA)
        needle = (contains or "").lower().removeprefix("standard_")
        offers = []
        for size in catalogue:
            if size.restricted or needle not in size.name.lower():
                continue
            family = usages.get(size.family.lower())
            left = min(
                family.left if family else 0,
                regional.left if regional else (family.left if family else 0),
            )
            offers.append(SizeOffer(size=size, quota_left=left, hourly_usd=prices.get(size.name)))
        return sorted(offers, key=lambda o: (o.size.vcpus, o.size.memory_gb, o.size.name))

    def ask_sizes(self, *, region: str | None, contains: str | None, reply: ReplyTo) -> str:
        """Queue a sizes question (it needs ARM); the answer arrives through the notifier."""
        where = region or self._settings.default_region
        self._queue.enqueue(SizesQuery(region=where, contains=contains, reply=reply))
        return where

    # --- people ------------------------------------------------------------------

    def remember_ssh_key(self, caller: Caller, key: str) -> None:
        """Remember the caller's SSH public key for ``--ssh`` VMs."""
        self._users.set_ssh_key(caller.id, check_ssh_key(key))

    # --- helpers -----------------------------------------------------------------

    def mutate(self, name: str, change: Callable[[Vm], Vm]) -> Vm:
        """Read-modify-write a VM with ETag checks, re-reading when someone else won."""
        for _ in range(5):
            vm = self._vms.get(name)
            try:
                return self._vms.update(change(vm))
            except ConcurrencyError:
                continue
        raise ConcurrencyError(f"{name} is changing too often right now; try again.")

    def _authorize(self, caller: Caller, vm: Vm) -> None:
        if caller.id != vm.owner and not caller.is_admin:
            raise ForbiddenError(
                f"{vm.name} belongs to {vm.owner_name}; only its owner or an admin can do that."
            )

    def _earlier(
        self, operation_id: str, *, caller: Caller, kind: OperationKind, vm_name: str | None
    ) -> Operation | None:
        """The operation a repeated request already made, if it is the same request."""
        try:
            earlier = self._ops.get(operation_id)
        except NotFoundError:
            return None
        if (
            earlier.kind is not kind
            or earlier.actor != caller.id
            or (vm_name is not None and earlier.vm_name != vm_name)
        ):
            raise ConflictError(
                "That request id was already used for a different request; use a new one."
            )
        return earlier

    def _record(
        self,
        caller: Caller,
        action: str,
        vm_name: str,
        op_id: str | None,
        now: datetime,
        *,
        detail: str = "",
    ) -> None:
        self._audit.append(
            AuditEntry(
                at=now,
                actor=caller.id,
                action=action,
                vm_name=vm_name,
                front_end=caller.front_end,
                operation_id=op_id,
                detail=detail,
            )
        )


def _needs_key(variant: Variant, caller: Caller) -> bool:
    """SSH-only variants need a key; so does a jupyter VM for a caller with no private chat.

    The generated password reaches its owner only as a private Slack message. An HTTP
    caller has no such channel, so Beast never hands the password out: they log in
    with their key and set their own JupyterHub password with ``passwd``.
    """
    return variant is not Variant.JUPYTER or caller.front_end != "slack"


def _why_key(variant: Variant, caller: Caller) -> str:
    if variant is Variant.JUPYTER:
        return (
            "Over the HTTP API a jupyter VM needs your SSH public key: Beast never sends "
            "passwords over HTTP. Log in with the key and run `passwd` to set your "
            "JupyterHub password."
        )
    return f"The {variant.value} variant logs in with SSH keys only: it needs your SSH public key."


def _refusal(vm: Vm, kind: OperationKind) -> str:
    """Why ``kind`` cannot happen to ``vm`` now, in words a person can act on."""
    if kind is OperationKind.DELETE and vm.state is VmState.DELETING:
        return f"{vm.name} is already being deleted."
    if vm.state in _BUSY:
        return f"{vm.name} is {vm.state.value} right now; try again when that has finished."
    if vm.state is VmState.DELETED:
        return f"{vm.name} was deleted."
    if kind is OperationKind.STOP and vm.state is VmState.STOPPED:
        return f"{vm.name} is already stopped (deallocated)."
    if kind is OperationKind.START and vm.state is VmState.RUNNING:
        return f"{vm.name} is already running."
    verb = {"start": "started", "stop": "stopped", "delete": "deleted"}.get(kind.value, kind.value)
    return f"{vm.name} is {vm.state.value}; it cannot be {verb} now."


def owner_reply(vm: Vm) -> ReplyTo:
    """Where to tell a VM's owner about something nobody asked for (idle sweep)."""
    front_end, _, user_id = vm.owner.partition(":")
    return ReplyTo(front_end=front_end, user_id=user_id)
