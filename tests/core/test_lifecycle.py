"""The whole VM lifecycle against Azurite and the ARM simulator, through the worker."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from azure.mgmt.resource.deployments import DeploymentsMgmtClient

from beast.errors import ConflictError, ForbiddenError, ThrottledError, UpstreamError
from beast.models import Operation, OperationKind, OperationState, Variant, VmState
from beast.ports import (
    DeploymentState,
    DeploymentStatus,
    Job,
    PowerState,
    QueueMessage,
    SizesQuery,
)
from beast.requests import build_request
from tests.core.conftest import ALICE, BOB, World, now, reply_to
from tests.factories import SSH_KEY


def up(world: World, *, size: str = "E4s_v3", variant: str | None = None, **extra: str):
    request = build_request(
        size=size,
        disk_gb=extra.pop("disk_gb", "1000"),
        disk_type=None,
        variant=variant,
        name=extra.pop("name", None),
        region=None,
        ttl=None,
        ssh_public_key=extra.pop("ssh_public_key", None),
        allowed_source_prefixes=None,
        settings=world.settings,
    )
    return world.beast.request_vm(ALICE, request, reply=reply_to(ALICE), now=now())


def test_up_stop_start_down_walks_the_whole_life_of_a_vm(world: World) -> None:
    vm, op = up(world)
    assert (vm.name, vm.state, op.state) == (
        "beast-alice-1",
        VmState.DEPLOYING,
        OperationState.QUEUED,
    )

    assert world.drain(op.id).state is OperationState.SUCCEEDED
    ready = world.stores.vms.get(vm.name)
    assert ready.state is VmState.RUNNING
    assert ready.public_ip and ready.jupyter_url == f"https://{ready.public_ip}:8000"
    assert ready.ssh_command and ready.public_ip in ready.ssh_command
    assert ready.size == "Standard_E4s_v3" and ready.disk_gb == 1000
    assert [c.method for c in world.notifier.calls if c.method in {"password", "ready"}] == [
        "password",
        "ready",
    ]
    assert world.arm.power_state(group=vm.resource_group, vm=vm.name) is PowerState.RUNNING

    stop = world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    assert world.drain(stop.id).state is OperationState.SUCCEEDED
    assert world.stores.vms.get(vm.name).state is VmState.STOPPED
    # Deallocated, never merely powered off: a stopped-but-allocated VM is still billed.
    assert world.arm.power_state(group=vm.resource_group, vm=vm.name) is PowerState.DEALLOCATED

    start = world.beast.start(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    assert world.drain(start.id).state is OperationState.SUCCEEDED
    assert world.stores.vms.get(vm.name).state is VmState.RUNNING

    down = world.beast.delete(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    assert world.drain(down.id).state is OperationState.SUCCEEDED
    assert world.stores.vms.get(vm.name).state is VmState.DELETED
    assert not world.arm.group_exists(vm.resource_group)
    actions = [entry.action for entry in world.stores.audit.for_vm(vm.name)]
    assert actions == ["up", "stop", "start", "delete"]


def test_the_password_reaches_the_owner_once_and_is_never_stored(world: World) -> None:
    vm, op = up(world)
    world.drain(op.id)
    passwords = world.notifier.named("password")
    assert len(passwords) == 1
    secret = passwords[0].details["password"].reveal()
    assert len(secret) >= 12
    stored = world.stores.vms.get(vm.name)
    assert secret not in repr(stored) and secret not in repr(world.stores.operations.get(op.id))


def test_quota_too_small_is_refused_with_the_numbers_and_nothing_is_created(world: World) -> None:
    vm, op = up(world, size="E64s_v3")
    done = world.drain(op.id)
    assert done.state is OperationState.FAILED and done.error_code == "quota"
    assert "E64s_v3 needs 64 vCPUs" in (done.error_message or "")
    assert "left" in (done.error_message or "")
    assert world.stores.vms.get(vm.name).state is VmState.DELETED
    assert not world.arm.group_exists(vm.resource_group)
    failed = world.notifier.named("failed")
    assert failed and "64 vCPUs" in failed[0].details["reason"]


def test_unknown_size_is_refused_with_close_matches(world: World) -> None:
    vm, op = up(world, size="E4s_v9")
    done = world.drain(op.id)
    assert done.error_code == "unknown-size"
    assert "E4s_v3" in (done.error_message or "")
    assert not world.arm.group_exists(vm.resource_group)


def test_failed_deployment_is_recorded_with_arms_reason_and_reported(world: World) -> None:
    world.armsim.sim_post(
        "/_sim/faults",
        {
            "kind": "deployment_failure",
            "code": "AllocationFailed",
            "message": "Allocation failed. We do not have sufficient capacity.",
        },
    )
    vm, op = up(world)
    done = world.drain(op.id)
    assert done.state is OperationState.FAILED
    assert "sufficient capacity" in (done.error_message or "")
    assert f"`down {vm.name}` removes what was created" in (done.error_message or "")
    recorded = world.stores.vms.get(vm.name)
    assert recorded.state is VmState.FAILED and "capacity" in (recorded.error or "")
    assert "capacity" in world.notifier.named("failed")[0].details["reason"]


def test_a_duplicated_deploy_job_makes_one_deployment_and_one_vm(world: World) -> None:
    vm, op = up(world)
    duplicate = Job(
        kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE)
    )
    world.worker.run(duplicate, now=now())
    world.worker.run(duplicate, now=now())
    assert world.drain(op.id).state is OperationState.SUCCEEDED
    puts = world.armsim.requests_log(method="PUT", path="(?i)/deployments/")
    assert len(puts) == 1
    vms = world.armsim.requests_log(method="PUT", path="(?i)virtualMachines/")
    assert len(vms) <= 1  # the simulator creates resources itself; no second VM PUT from Beast
    assert len(world.notifier.named("password")) == 1


def test_a_worker_that_dies_after_starting_the_deployment_resumes_it(world: World) -> None:
    vm, op = up(world)
    job = Job(kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE))

    class Crash(Exception):
        pass

    real_update = world.stores.operations.update

    def crash_on_write(_op: object) -> object:
        raise Crash  # the process dies after ARM accepted the deployment

    world.worker._ops.update = crash_on_write  # type: ignore[method-assign]
    with pytest.raises(Crash):
        world.worker.run(job, now=now())
    world.worker._ops.update = real_update  # type: ignore[method-assign]
    status = world.arm.deployment(group=vm.resource_group, name=vm.deployment_name)
    assert status.state is not DeploymentState.MISSING
    assert world.stores.operations.get(op.id).state is OperationState.QUEUED

    # The queue delivers the job again; the worker carries on from ARM's state.
    assert world.drain(op.id).state is OperationState.SUCCEEDED
    assert len(world.armsim.requests_log(method="PUT", path="(?i)/deployments/")) == 1
    assert world.stores.vms.get(vm.name).state is VmState.RUNNING


def test_a_worker_that_dies_after_recording_the_running_vm_finishes_the_operation_on_retry(
    world: World,
) -> None:
    vm, op = up(world)

    class Crash(Exception):
        pass

    real_update = world.stores.operations.update

    def crash_on_success(record: Operation) -> Operation:
        if record.state is OperationState.SUCCEEDED:
            raise Crash  # the process dies between the VM's write and the operation's
        return real_update(record)

    world.worker._ops.update = crash_on_success  # type: ignore[method-assign]
    with pytest.raises(Crash):
        world.drain(op.id)
    world.worker._ops.update = real_update  # type: ignore[method-assign]
    assert world.stores.vms.get(vm.name).state is VmState.RUNNING

    # The queue delivers the check again: the deployment succeeded, and so did the operation.
    check = Job(
        kind=OperationKind.DEPLOY,
        operation_id=op.id,
        vm_name=vm.name,
        reply=reply_to(ALICE),
        check=True,
    )
    world.worker.run(check, now=now())
    done = world.stores.operations.get(op.id)
    assert (done.state, done.error_code) == (OperationState.SUCCEEDED, None)
    assert world.stores.vms.get(vm.name).state is VmState.RUNNING
    assert len(world.notifier.named("ready")) == 1


def test_a_deploy_job_of_a_vm_deleted_while_queued_creates_nothing(world: World) -> None:
    vm, op = up(world)
    world.beast.delete(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    job = Job(kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE))
    world.worker.run(job, now=now())
    done = world.stores.operations.get(op.id)
    assert (done.state, done.error_code) == (OperationState.FAILED, "superseded")
    assert world.armsim.requests_log(method="PUT", path="(?i)/deployments/") == []
    assert not world.arm.group_exists(vm.resource_group)


def test_a_throttled_job_comes_back_when_azure_says_even_on_its_last_delivery(
    world: World,
) -> None:
    vm, op = up(world)
    job = Job(kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE))

    def throttled(*, group: str, name: str) -> DeploymentStatus:
        raise ThrottledError("Azure is throttling Beast; it will try again.", retry_after=41.2)

    queued: list[tuple[object, int]] = []
    real_enqueue = world.worker._queue.enqueue

    def spy(message: QueueMessage, *, delay_seconds: int = 0) -> None:
        queued.append((message, delay_seconds))
        real_enqueue(message, delay_seconds=delay_seconds)

    world.worker._arm.deployment = throttled  # type: ignore[method-assign]
    world.worker._queue.enqueue = spy  # type: ignore[method-assign]
    world.worker.run(job, now=now(), last_attempt=True)

    # Being told to slow down is not a failure: the same job returns after Retry-After.
    assert queued == [(job, 42)]
    assert world.stores.operations.get(op.id).state is OperationState.QUEUED
    assert world.stores.vms.get(vm.name).state is VmState.DEPLOYING
    assert world.notifier.named("failed") == []


def test_two_concurrent_updates_to_one_vm_both_land(world: World) -> None:
    vm, _ = up(world)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def change(field: str, value: str) -> None:
        try:
            barrier.wait()
            world.beast.mutate(vm.name, lambda v: v.evolve(**{field: value}))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=change, args=("fqdn", "a.example")),
        threading.Thread(target=change, args=("private_ip", "10.0.0.9")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    final = world.stores.vms.get(vm.name)
    assert (final.fqdn, final.private_ip) == ("a.example", "10.0.0.9")


def test_only_the_owner_or_an_admin_may_stop_a_vm(world: World) -> None:
    vm, op = up(world)
    world.drain(op.id)
    with pytest.raises(ForbiddenError):
        world.beast.stop(BOB, vm.name, reply=reply_to(BOB), now=now())
    assert world.stores.vms.get(vm.name).state is VmState.RUNNING


def test_stopping_a_stopped_vm_says_so_and_queues_nothing(world: World) -> None:
    vm, op = up(world)
    world.drain(op.id)
    world.drain(world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now()).id)
    with pytest.raises(ConflictError, match="already stopped"):
        world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now())


def test_ssh_variant_deploys_with_the_key_and_no_password(world: World) -> None:
    vm, op = up(world, variant="ssh", ssh_public_key=SSH_KEY)
    assert world.drain(op.id).state is OperationState.SUCCEEDED
    assert vm.variant is Variant.SSH
    assert world.notifier.named("password") == []
    ready = world.stores.vms.get(vm.name)
    assert ready.jupyter_url is None and ready.ssh_command


def test_vpn_variant_is_private_and_records_the_gateway_address(world: World) -> None:
    vm, op = up(world, variant="vpn", ssh_public_key=SSH_KEY)
    assert world.drain(op.id).state is OperationState.SUCCEEDED
    ready = world.stores.vms.get(vm.name)
    assert ready.public_ip is None and ready.private_ip
    assert ready.gateway_ip and ready.jupyter_url is None
    assert world.notifier.named("password") == []


def test_a_requeued_deploy_job_still_deploys_with_the_requests_key_and_ranges(
    world: World,
) -> None:
    request = build_request(
        size="E4s_v3",
        disk_gb=None,
        disk_type=None,
        variant="ssh",
        name=None,
        region=None,
        ttl=None,
        ssh_public_key=SSH_KEY,
        allowed_source_prefixes=["198.51.100.0/28"],
        settings=world.settings,
    )
    vm, op = world.beast.request_vm(ALICE, request, reply=reply_to(ALICE), now=now())
    # The job a reconciler queues again knows only the operation and the VM.
    bare = Job(
        kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE)
    )
    world.worker.run(bare, now=now())
    deployment = world.armsim.client(DeploymentsMgmtClient).deployments.get(
        vm.resource_group, vm.deployment_name
    )
    sent = deployment.properties.parameters
    assert sent["adminPublicKey"]["value"] == SSH_KEY
    assert sent["allowedSourcePrefixes"]["value"] == ["198.51.100.0/28"]


def test_an_operation_azure_never_finishes_fails_after_the_wait_limit(world: World) -> None:
    world.armsim.sim_put("/_sim/delays", {"vm_create": 3_600_000})  # an hour: still running
    vm, op = up(world)
    job = Job(kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE))
    world.worker.run(job, now=now())
    assert world.stores.operations.get(op.id).state is OperationState.RUNNING

    later = world.stores.operations.get(op.id).created_at + timedelta(hours=3, minutes=1)
    world.worker.run(replace(job, check=True, attempt=9), now=later)

    done = world.stores.operations.get(op.id)
    assert (done.state, done.error_code) == (OperationState.FAILED, "timed-out")
    assert "after 181 minutes" in (done.error_message or "")
    assert world.stores.vms.get(vm.name).state is VmState.FAILED
    assert "stopped waiting" in world.notifier.named("failed")[0].details["reason"]


def test_a_sizes_question_that_azure_cannot_answer_is_told_on_its_last_try(
    world: World,
) -> None:
    world.armsim.sim_post(
        "/_sim/faults",
        {"kind": "error", "method": "GET", "path": "(?i)/skus", "status": 403, "count": 5},
    )
    query = SizesQuery(region="eastus", contains="E4", reply=reply_to(ALICE))
    with pytest.raises(UpstreamError):
        world.worker.answer(query)  # not the last delivery: the queue retries
    assert world.notifier.calls == []

    world.worker.answer(query, last_attempt=True)

    [told] = world.notifier.named("progress")
    assert "could not look up the sizes in eastus" in told.details["text"]


def test_a_down_while_the_deploy_job_creates_the_group_leaves_nothing_billed(
    world: World,
) -> None:
    vm, op = up(world)
    world.queue_client.clear_messages()  # this test runs the deploy job itself
    job = Job(kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE))
    real_sizes = world.worker._arm.sizes
    down: list[Operation] = []

    def sizes_while_someone_deletes(region: str) -> object:
        # The person runs `down` while the deploy job reads the catalogue; the delete
        # job finds no resource group yet and closes the record.
        down.append(world.beast.delete(ALICE, vm.name, reply=reply_to(ALICE), now=now()))
        assert world.drain(down[0].id).state is OperationState.SUCCEEDED
        return real_sizes(region)

    world.worker._arm.sizes = sizes_while_someone_deletes  # type: ignore[method-assign]
    world.worker.run(job, now=now())

    done = world.stores.operations.get(op.id)
    assert (done.state, done.error_code) == (OperationState.FAILED, "superseded")
    assert world.stores.vms.get(vm.name).state is VmState.DELETED
    deadline = now() + timedelta(seconds=10)
    while world.arm.group_exists(vm.resource_group) and now() < deadline:
        pass  # the simulator deletes the group in milliseconds
    assert not world.arm.group_exists(vm.resource_group)


def test_a_stop_that_gives_up_leaves_the_vm_running_so_it_can_be_stopped_again(
    world: World,
) -> None:
    vm, op = up(world)
    world.drain(op.id)
    stop = world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    world.queue_client.clear_messages()  # this test delivers the job itself
    job = Job(kind=OperationKind.STOP, operation_id=stop.id, vm_name=vm.name, reply=reply_to(ALICE))

    def failing(*, group: str, vm: str) -> None:
        raise UpstreamError(f"Azure failed while deallocating {vm}: InternalServerError.")

    world.worker._arm.begin_deallocate = failing  # type: ignore[method-assign]
    world.worker.run(job, now=now(), last_attempt=True)

    done = world.stores.operations.get(stop.id)
    assert (done.state, done.error_code) == (OperationState.FAILED, "gave-up")
    assert done.error_message == (
        f"Azure failed while deallocating {vm.name}: InternalServerError; gave up after retries."
    )
    # Still running and billed: the record says so, and another stop is accepted.
    recorded = world.stores.vms.get(vm.name)
    assert recorded.state is VmState.RUNNING and "InternalServerError" in (recorded.error or "")
    again = world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    assert again.state is OperationState.QUEUED


def test_a_second_down_of_a_deleting_vm_says_it_is_already_being_deleted(world: World) -> None:
    vm, op = up(world)
    world.drain(op.id)
    world.beast.delete(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    with pytest.raises(ConflictError, match="already being deleted"):
        world.beast.delete(ALICE, vm.name, reply=reply_to(ALICE), now=now())


def test_checks_azure_cannot_answer_on_their_last_try_look_again_instead_of_failing(
    world: World,
) -> None:
    vm, op = up(world)
    job = Job(kind=OperationKind.DEPLOY, operation_id=op.id, vm_name=vm.name, reply=reply_to(ALICE))
    world.worker.run(job, now=now())  # Azure accepted the deployment
    world.queue_client.clear_messages()
    world.armsim.sim_post(
        "/_sim/faults",
        {"kind": "error", "method": "GET", "path": "(?i)/deployments/", "status": 403, "count": 1},
    )

    world.worker.run(replace(job, check=True, attempt=0), now=now(), last_attempt=True)

    assert world.stores.operations.get(op.id).state is OperationState.RUNNING
    assert world.notifier.named("failed") == []
    assert world.pending_jobs() == 1  # another look, later
    assert world.drain(op.id).state is OperationState.SUCCEEDED


def test_a_stale_operation_failing_late_leaves_a_newer_operations_vm_alone(world: World) -> None:
    vm, op = up(world)
    world.drain(op.id)
    stop = world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    newer = "0" * 32

    class NewerRequestLandsThenAzureFails:
        """ARM for this test: a newer operation takes the VM while this call fails."""

        def __getattr__(self, name: str) -> Any:
            return getattr(world.arm, name)

        def power_state(self, **where: str) -> PowerState:
            world.beast.mutate(
                vm.name, lambda v: v.evolve(operation_id=newer, state=VmState.DELETING)
            )
            raise UpstreamError("Azure failed while reading the state: InternalServerError.")

    world.worker._arm = NewerRequestLandsThenAzureFails()  # type: ignore[assignment]
    job = Job(kind=OperationKind.STOP, operation_id=stop.id, vm_name=vm.name, reply=reply_to(ALICE))
    world.worker.run(job, now=now(), last_attempt=True)

    assert world.stores.operations.get(stop.id).state is OperationState.FAILED
    after = world.stores.vms.get(vm.name)
    assert (after.operation_id, after.state) == (newer, VmState.DELETING)
