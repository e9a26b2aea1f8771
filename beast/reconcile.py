"""Reconciliation: make the vms table agree with what ARM reports.

It repairs the drift that happens while nobody is looking:

- the resource group was deleted in the portal: the VM is marked deleted;
- the VM was deallocated (or started) outside Beast: the record follows;
- the VM was powered off without deallocating (still billed): Beast deallocates it;
- a failed operation left the record ``failed`` though the VM runs or sleeps: fixed;
- an operation stopped making progress (a job was lost): its job is queued again,
  which is safe because every job is idempotent.

Resource groups tagged as Beast's with no record are reported, never deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from beast.errors import NotFoundError
from beast.models import Caller, OperationKind, Vm, VmState
from beast.ports import (
    Arm,
    DeploymentState,
    Job,
    JobQueue,
    Notifier,
    OperationStore,
    PowerState,
    VmStore,
)
from beast.service import Beast, owner_reply
from beast.templates import deployed_fields

log = logging.getLogger(__name__)

RECONCILER = Caller(id="system:reconcile", name="beast", front_end="system", is_admin=True)
STALE = timedelta(minutes=20)  # an operation untouched this long has lost its job
_TRANSITIONS = {
    VmState.DEPLOYING: OperationKind.DEPLOY,
    VmState.STARTING: OperationKind.START,
    VmState.STOPPING: OperationKind.STOP,
    VmState.DELETING: OperationKind.DELETE,
}


@dataclass
class ReconcileReport:
    """Every repair made, and what could not be checked."""

    repairs: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class Reconciler:
    """Compares the table with ARM and repairs the drift."""

    def __init__(
        self,
        *,
        beast: Beast,
        vms: VmStore,
        operations: OperationStore,
        queue: JobQueue,
        arm: Arm,
        notifier: Notifier,
    ) -> None:
        self._beast = beast
        self._vms = vms
        self._ops = operations
        self._queue = queue
        self._arm = arm
        self._notifier = notifier

    def run(self, *, now: datetime) -> ReconcileReport:
        """One pass over every live VM and every Beast resource group."""
        report = ReconcileReport()
        records = [vm for vm in self._vms.list() if vm.state is not VmState.DELETED]
        for vm in records:
            try:
                repair = self._check(vm, now=now)
            except Exception as exc:
                report.failed[vm.name] = type(exc).__name__
                log.exception("reconcile failed on %s (%s)", vm.name, vm.vm_id)
                continue
            if repair:
                report.repairs.append(f"{vm.name}: {repair}")
                log.warning("reconcile %s (%s): %s", vm.name, vm.vm_id, repair)
                # The owner may have been told otherwise (a failed deploy that runs, and bills).
                self._notifier.progress(
                    owner_reply(vm), vm_name=vm.name, text=f"{vm.name}: {repair}."
                )
        # A group whose record says deleted is still billed: it counts as an orphan too.
        known = {vm.resource_group.lower() for vm in records}
        try:
            groups = self._arm.beast_groups()
        except Exception as exc:
            report.failed["resource groups"] = type(exc).__name__
            log.exception("reconcile could not list Beast's resource groups")
            return report
        for group in groups:
            if group.name.lower() not in known and not group.deleting:
                report.orphans.append(group.name)
                log.warning("resource group %s is tagged as Beast's but has no record", group.name)
        return report

    def _check(self, vm: Vm, *, now: datetime) -> str | None:
        if vm.state in _TRANSITIONS:
            return self._check_stuck(vm, now=now)
        if not self._arm.group_exists(vm.resource_group):
            self._beast.mutate(vm.name, lambda v: v.evolve(state=VmState.DELETED))
            return "resource group deleted outside Beast; marked deleted"
        power = self._arm.power_state(group=vm.resource_group, vm=vm.name)
        if power is PowerState.MISSING:
            if vm.state is VmState.FAILED:
                return None  # a failed deployment that never made a VM: `down` cleans up
            self._beast.mutate(
                vm.name, lambda v: v.evolve(state=VmState.FAILED, error="VM missing")
            )
            return "VM deleted outside Beast; marked failed"
        # A record that failed though its VM exists (the job gave up, the deployment went
        # on): take what the deployment produced, or the VM stays unmeasured and unreachable.
        found = self._deployed(vm) if vm.state is VmState.FAILED else {}
        if power is PowerState.STOPPED:
            if vm.state is not VmState.RUNNING:
                # Beast stops only running VMs; whatever the record said, this one is billed.
                self._beast.mutate(
                    vm.name, lambda v: v.evolve(state=VmState.RUNNING, error=None, **found)
                )
            self._beast.stop(RECONCILER, vm.name, reply=owner_reply(vm), now=now)
            return "powered off but still allocated (billed); deallocating"
        if power is PowerState.DEALLOCATED and vm.state is not VmState.STOPPED:
            self._beast.mutate(
                vm.name,
                lambda v: v.evolve(state=VmState.STOPPED, stopped_at=now, error=None, **found),
            )
            return "deallocated outside Beast; marked stopped"
        if power is PowerState.RUNNING and vm.state is not VmState.RUNNING:
            self._beast.mutate(
                vm.name,
                lambda v: v.evolve(state=VmState.RUNNING, started_at=now, error=None, **found),
            )
            return "running though recorded as " + vm.state.value + "; marked running"
        return None

    def _deployed(self, vm: Vm) -> dict[str, str | None]:
        """The VM's id, addresses and URLs from its deployment's outputs, when it succeeded."""
        status = self._arm.deployment(group=vm.resource_group, name=vm.deployment_name)
        if status.state is not DeploymentState.SUCCEEDED:
            return {}
        return deployed_fields(status.outputs)

    def _check_stuck(self, vm: Vm, *, now: datetime) -> str | None:
        try:
            op = self._ops.get(vm.operation_id)
        except NotFoundError:
            op = None
        if op is not None and (op.state.done or now - op.updated_at < STALE):
            return None
        if op is None and vm.state is not VmState.DEPLOYING:
            return self._restore(vm)
        self._queue.enqueue(
            Job(
                kind=_TRANSITIONS[vm.state],
                operation_id=vm.operation_id,
                vm_name=vm.name,
                reply=owner_reply(vm),
            )
        )
        return (
            f"{vm.state.value} made no progress since {op.updated_at if op else 'ever'}; re-queued"
        )

    def _restore(self, vm: Vm) -> str | None:
        """A VM marked busy by a request that died before writing its operation."""
        if not self._arm.group_exists(vm.resource_group):
            state = VmState.DELETED
        else:
            power = self._arm.power_state(group=vm.resource_group, vm=vm.name)
            # Powered off but allocated counts as running: it is billed, and the next
            # pass deallocates it.
            state = {
                PowerState.RUNNING: VmState.RUNNING,
                PowerState.DEALLOCATED: VmState.STOPPED,
                PowerState.STOPPED: VmState.RUNNING,
            }.get(power, VmState.FAILED)
        self._beast.mutate(vm.name, lambda v: v.evolve(state=state))
        return f"{vm.state.value} with no operation behind it; restored to {state.value} from Azure"
