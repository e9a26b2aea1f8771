"""The queue worker: carries out deploy, start, stop and delete jobs.

No job waits for a long ARM operation. A job starts the operation, records it and
queues a *check* of itself with a visibility delay; the check re-queues itself
until ARM says the operation is over (a VPN gateway takes about 45 minutes).

Every step is idempotent, keyed by the operation id: a duplicated or retried job
finds the operation's record and the ARM deployment named after it, and carries on
from there instead of starting a second VM.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from beast.errors import BeastError, ThrottledError, UpstreamError, UserError
from beast.models import Operation, OperationKind, OperationState, Variant, Vm, VmState
from beast.passwords import generate_password
from beast.ports import (
    Arm,
    DeploymentState,
    Job,
    JobQueue,
    Notifier,
    OperationStore,
    PowerState,
    SizeOffer,
    SizesQuery,
    VmStore,
)
from beast.settings import Settings
from beast.sizes import check_quota, find_size
from beast.templates import deployed_fields, load_template, parameters, vm_tags

log = logging.getLogger(__name__)

MAX_DEPLOY_DELAY = 300  # seconds between deployment checks, at most
MAX_POWER_DELAY = 60
# How long Beast waits for ARM before it calls an operation failed: a VPN gateway takes
# about 45 minutes; a delete held by a resource lock would otherwise be checked forever.
MAX_WAIT = {
    OperationKind.DEPLOY: timedelta(hours=3),
    OperationKind.START: timedelta(hours=1),
    OperationKind.STOP: timedelta(hours=1),
    OperationKind.DELETE: timedelta(hours=2),
}
# The VM's state when an operation fails. A start or stop that Azure refused leaves the
# VM as it was (a failed stop leaves it running, billed), and the person must be able to
# try again at once: a ``failed`` VM can only be deleted until reconciliation repairs it.
_AFTER_FAILURE = {
    OperationKind.DEPLOY: VmState.FAILED,
    OperationKind.START: VmState.STOPPED,
    OperationKind.STOP: VmState.RUNNING,
    OperationKind.DELETE: VmState.FAILED,
}


class Worker:
    """Runs one job at a time; collaborators are passed in."""

    def __init__(
        self,
        *,
        settings: Settings,
        vms: VmStore,
        operations: OperationStore,
        queue: JobQueue,
        arm: Arm,
        notifier: Notifier,
        mutate: Callable[[str, Callable[[Vm], Vm]], Vm],
        sizes: Callable[..., Sequence[SizeOffer]],
    ) -> None:
        self._settings = settings
        self._vms = vms
        self._ops = operations
        self._queue = queue
        self._arm = arm
        self._notifier = notifier
        self._mutate = mutate
        self._sizes = sizes

    def answer(self, query: SizesQuery, *, last_attempt: bool = False) -> None:
        """Look the sizes up in ARM and send the answer to whoever asked."""
        try:
            offers = self._sizes(region=query.region, contains=query.contains)
        except Exception as exc:
            if not last_attempt:
                raise  # the queue retries
            log.exception("sizes in %s gave up after its last attempt", query.region)
            reason = exc.message if isinstance(exc, BeastError) else "Beast hit an internal error"
            self._notifier.progress(
                query.reply,
                vm_name="",
                text=f"I could not look up the sizes in {query.region}: {reason} Try again later.",
            )
            return
        self._notifier.sizes(query.reply, region=query.region, offers=offers)

    def run(self, job: Job, *, now: datetime, last_attempt: bool = False) -> None:
        """Carry out ``job``; on its last delivery a failure is recorded and reported."""
        op = self._ops.get(job.operation_id)
        if op.state.done:
            log.info("operation %s is already %s; nothing to do", op.id, op.state.value)
            return
        try:
            if job.kind is OperationKind.DEPLOY:
                self._deploy(job, op, now=now)
            else:
                self._power_or_delete(job, op, now=now)
        except UserError as exc:
            gone = job.kind is OperationKind.DEPLOY  # refused before anything was created
            self._fail(job, op, code=exc.code, message=exc.message, now=now, gone=gone)
        except ThrottledError as exc:
            # Azure said when to come back, and being told to slow down is no failure: the
            # job returns then as a new message instead of spending the queue's retries (ten
            # seconds apart) and, on its last delivery, failing a VM that is doing fine.
            log.warning("operation %s throttled; again in %.0f s", op.id, exc.retry_after)
            self._queue.enqueue(job, delay_seconds=max(1, math.ceil(exc.retry_after)))
        except Exception as exc:
            if not last_attempt:
                raise  # the queue retries with a visibility delay
            if (
                job.check
                and isinstance(exc, UpstreamError)
                and now - op.created_at < MAX_WAIT[job.kind]
            ):
                # ARM already has the operation in hand: a few unreadable checks say nothing
                # about its outcome, so look again later rather than call it failed while
                # Azure goes on building (and billing). The wait limit still ends it.
                delay = min(self._settings.poll_seconds * 2 ** (job.attempt + 1), MAX_DEPLOY_DELAY)
                log.warning("operation %s could not be checked; again in %d s", op.id, delay)
                self._queue.enqueue(replace(job, attempt=job.attempt + 1), delay_seconds=delay)
                return
            log.exception("operation %s gave up after its last attempt", op.id)
            reason = exc.message if isinstance(exc, BeastError) else "Beast hit an internal error"
            self._fail(
                job,
                op,
                code="gave-up",
                message=f"{reason.rstrip('.')}; gave up after retries.",
                now=now,
            )

    # --- deploy ------------------------------------------------------------------

    def _deploy(self, job: Job, op: Operation, *, now: datetime) -> None:
        vm = self._vms.get(job.vm_name)
        # A VM that still names this operation is this deployment's, whatever its state:
        # a retry after a crash between the VM's write and the operation's finds it running
        # (or failed) and finishes the operation from ARM's answer, which has not changed.
        if vm.operation_id != op.id or vm.state is VmState.DELETED:
            # Deleted, or its name reused, while queued: the newer operation wins.
            self._finish(
                op,
                state=OperationState.FAILED,
                now=now,
                code="superseded",
                message=f"{vm.name} is {vm.state.value}; the deployment was not needed.",
            )
            return
        status = self._arm.deployment(group=vm.resource_group, name=vm.deployment_name)
        if status.state is DeploymentState.MISSING:
            if job.check:
                raise RuntimeError(f"deployment {vm.deployment_name} vanished")
            self._start_deployment(job, vm)
            if self._deleted_meanwhile(vm.name, op):
                # A `down` came while this job made the group: its job may have found no
                # group and closed the record, which would leave this VM running, billed.
                self._arm.begin_delete_group(vm.resource_group)
                self._finish(
                    op,
                    state=OperationState.FAILED,
                    now=now,
                    code="superseded",
                    message=f"{vm.name} was deleted while it deployed; Beast removed it.",
                )
                return
            self._notifier.progress(
                job.reply, vm_name=vm.name, text=f"Azure accepted the deployment of {vm.name}."
            )
            self._still_running(job, op, now=now, cap=MAX_DEPLOY_DELAY)
        elif status.state is DeploymentState.RUNNING:
            self._still_running(job, op, now=now, cap=MAX_DEPLOY_DELAY)
        elif status.state is DeploymentState.SUCCEEDED:
            found = deployed_fields(status.outputs)
            ready = self._mutate(
                vm.name, lambda v: v.evolve(state=VmState.RUNNING, started_at=now, **found)
            )
            self._finish(op, state=OperationState.SUCCEEDED, now=now)
            self._notifier.ready(job.reply, vm=ready)
        else:
            code = status.error_code or "DeploymentFailed"
            message = status.error_message or "Azure did not say why."
            # Whatever the deployment made before it failed (a public IP, say) is billed
            # until its resource group goes.
            self._fail(
                job,
                op,
                code=code,
                message=f"Azure could not deploy {vm.name}: {message.rstrip('.')}. "
                f"`down {vm.name}` removes what was created.",
                now=now,
            )

    def _deleted_meanwhile(self, name: str, op: Operation) -> bool:
        """True when a delete replaced this deployment's operation on the VM's record."""
        now_vm = self._vms.get(name)
        # Only a delete can replace a deploying VM's operation; a name reused after the
        # delete names a new deployment in the same group, which must not be touched.
        return now_vm.operation_id != op.id and now_vm.state in {
            VmState.DELETING,
            VmState.DELETED,
        }

    def _start_deployment(self, job: Job, vm: Vm) -> None:
        """Check size and quota, then start the deployment; nothing is created before the checks."""
        size = find_size(vm.size, self._arm.sizes(vm.region), region=vm.region)
        check_quota(size, self._arm.quotas(vm.region), region=vm.region)
        if size.name != vm.size:  # keep ARM's own spelling
            vm = self._mutate(vm.name, lambda v: v.evolve(size=size.name))
        template = load_template(vm.variant)
        password = generate_password() if vm.variant is Variant.JUPYTER else None
        self._arm.ensure_group(vm.resource_group, region=vm.region, tags=vm_tags(vm))
        started = self._arm.start_deployment(
            group=vm.resource_group,
            name=vm.deployment_name,
            template=template,
            parameters=parameters(
                vm,
                template=template,
                password=password,
                ssh_public_key=vm.ssh_public_key,
                allowed_source_prefixes=vm.allowed_source_prefixes
                or self._settings.allowed_source_prefixes,
                vpn_root_certificate=self._settings.vpn_root_certificate,
            ),
            tags=vm_tags(vm),
        )
        if started and password is not None:
            # The one and only time the password leaves Beast: privately, to the owner.
            self._notifier.password(job.reply, vm=vm, password=password)

    # --- start, stop, delete -----------------------------------------------------

    def _power_or_delete(self, job: Job, op: Operation, *, now: datetime) -> None:
        vm = self._vms.get(job.vm_name)
        if vm.operation_id != op.id:
            self._finish(
                op,
                state=OperationState.FAILED,
                now=now,
                code="superseded",
                message=f"A newer operation on {vm.name} replaced this one.",
            )
            return
        if job.kind is OperationKind.DELETE:
            self._delete(job, op, vm, now=now)
            return
        want, done_state = (
            (PowerState.RUNNING, VmState.RUNNING)
            if job.kind is OperationKind.START
            else (PowerState.DEALLOCATED, VmState.STOPPED)
        )
        power = self._arm.power_state(group=vm.resource_group, vm=vm.name)
        if power is want:
            stamp = {"started_at": now} if job.kind is OperationKind.START else {"stopped_at": now}
            finished = self._mutate(vm.name, lambda v: v.evolve(state=done_state, **stamp))
            self._finish(op, state=OperationState.SUCCEEDED, now=now)
            self._notifier.finished(job.reply, vm=finished, kind=job.kind)
            return
        if power is PowerState.MISSING:
            self._fail(
                job,
                op,
                code="vm-missing",
                now=now,
                message=f"{vm.name} no longer exists in Azure; delete it with `down`.",
                vm_state=VmState.FAILED,
            )
            return
        in_flight = (
            {PowerState.STARTING} if job.kind is OperationKind.START else {PowerState.DEALLOCATING}
        )
        if power not in in_flight:
            # Not started yet, or a retry after a crash, or someone powered it off
            # without deallocating (still billed): ask (again). ARM treats repeats as no-ops.
            if job.kind is OperationKind.START:
                self._arm.begin_start(group=vm.resource_group, vm=vm.name)
            else:
                self._arm.begin_deallocate(group=vm.resource_group, vm=vm.name)
        self._still_running(job, op, now=now, cap=MAX_POWER_DELAY)

    def _delete(self, job: Job, op: Operation, vm: Vm, *, now: datetime) -> None:
        if not self._arm.group_exists(vm.resource_group):
            gone = self._mutate(vm.name, lambda v: v.evolve(state=VmState.DELETED))
            self._finish(op, state=OperationState.SUCCEEDED, now=now)
            self._notifier.finished(job.reply, vm=gone, kind=job.kind)
            return
        if not job.check or op.state is OperationState.QUEUED:
            self._arm.begin_delete_group(vm.resource_group)
        self._still_running(job, op, now=now, cap=MAX_POWER_DELAY)

    # --- bookkeeping -------------------------------------------------------------

    def _still_running(self, job: Job, op: Operation, *, now: datetime, cap: int) -> None:
        """Record progress and look again later, backing off up to ``cap`` seconds."""
        waited = now - op.created_at
        if waited > MAX_WAIT[job.kind]:
            minutes = int(waited.total_seconds() // 60)
            self._fail(
                job,
                op,
                code="timed-out",
                now=now,
                message=f"Azure has not finished the {job.kind.value} of {job.vm_name} after "
                f"{minutes} minutes, so Beast stopped waiting. Look at its resource group in "
                "the Azure portal (a lock or a policy can hold it), then try again.",
            )
            return
        # Touching updated_at on every check is what tells reconciliation that this
        # operation's job is alive (a VPN gateway keeps a deployment running for 45 min).
        self._ops.update(op.evolve(state=OperationState.RUNNING, updated_at=now))
        attempt = job.attempt + 1 if job.check else 0
        delay = min(self._settings.poll_seconds * 2**attempt, cap)
        self._queue.enqueue(replace(job, check=True, attempt=attempt), delay_seconds=delay)

    def _finish(
        self,
        op: Operation,
        *,
        state: OperationState,
        now: datetime,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        self._ops.update(
            op.evolve(state=state, updated_at=now, error_code=code, error_message=message)
        )

    def _fail(
        self,
        job: Job,
        op: Operation,
        *,
        code: str,
        message: str,
        now: datetime,
        gone: bool = False,
        vm_state: VmState | None = None,
    ) -> None:
        """Record the failure on the operation and the VM, and tell the person."""
        # ``gone``: nothing exists in Azure, so the record is closed rather than failed.
        new_state = VmState.DELETED if gone else vm_state or _AFTER_FAILURE[job.kind]

        def record(vm: Vm) -> Vm:
            if vm.operation_id != op.id:
                return vm  # a newer operation owns the VM's state now; only this one failed
            return vm.evolve(state=new_state, error=message[:1000])

        self._mutate(job.vm_name, record)
        self._finish(op, state=OperationState.FAILED, now=now, code=code, message=message)
        self._notifier.failed(job.reply, vm_name=job.vm_name, kind=job.kind, reason=message)
