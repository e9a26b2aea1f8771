"""Reconciliation on Azurite and the ARM simulator; drift is made with the SDK, as in the portal."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from beast.adapters.queue import build_job_queue
from beast.models import Caller, OperationKind, OperationState, Vm, VmState
from beast.ports import DeploymentState, Job, PowerState
from beast.reconcile import STALE, Reconciler
from beast.requests import build_request
from beast.worker import MAX_WAIT
from tests.core.conftest import ALICE, World, now, reply_to
from tests.factories import SSH_KEY


@pytest.fixture
def reconciler(world: World) -> Reconciler:
    """The reconciler wired as ``beast.wiring`` wires it."""
    return Reconciler(
        beast=world.beast,
        vms=world.stores.vms,
        operations=world.stores.operations,
        queue=build_job_queue(world.settings),
        arm=world.arm,
        notifier=world.notifier,
    )


@pytest.fixture
def portal(world: World) -> ComputeManagementClient:
    """Someone clicking in the portal: the compute SDK aimed at the simulator."""
    return world.armsim.client(ComputeManagementClient)


def request(
    world: World, caller: Caller = ALICE, *, name: str = "beast-vm", variant: str | None = None
) -> tuple[Vm, str]:
    """Ask for a VM; its deploy job is queued, not run."""
    vm, op = world.beast.request_vm(
        caller,
        build_request(
            size="D2s_v3",
            disk_gb="256",
            disk_type=None,
            variant=variant,
            name=name,
            region=None,
            ttl=None,
            ssh_public_key=SSH_KEY if variant else None,
            allowed_source_prefixes=None,
            settings=world.settings,
        ),
        reply=reply_to(caller),
        now=now(),
    )
    return vm, op.id


def deploy(world: World, *, name: str = "beast-vm") -> Vm:
    """A running VM, deployed through the worker."""
    vm, op_id = request(world, name=name)
    assert world.drain(op_id).state is OperationState.SUCCEEDED
    return world.stores.vms.get(vm.name)


def settled(world: World, vm: Vm) -> None:
    """Wait (milliseconds in the simulator) until the VM's deployment is over."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = world.arm.deployment(group=vm.resource_group, name=vm.deployment_name)
        if status.state is not DeploymentState.RUNNING:
            return
        time.sleep(0.05)
    raise AssertionError(f"deployment {vm.deployment_name} did not finish")


def power(world: World, vm: Vm) -> PowerState:
    """What ARM says about the VM."""
    return world.arm.power_state(group=vm.resource_group, vm=vm.name)


def test_a_resource_group_deleted_outside_beast_marks_the_vm_deleted(
    world: World, reconciler: Reconciler
) -> None:
    vm = deploy(world)
    world.armsim.client(ResourceManagementClient).resource_groups.begin_delete(
        vm.resource_group
    ).result()

    report = reconciler.run(now=now())

    assert world.stores.vms.get(vm.name).state is VmState.DELETED
    assert report.repairs == [f"{vm.name}: resource group deleted outside Beast; marked deleted"]
    assert report.failed == {} and report.orphans == []


def test_a_vm_deallocated_outside_beast_is_marked_stopped(
    world: World, reconciler: Reconciler, portal: ComputeManagementClient
) -> None:
    vm = deploy(world)
    portal.virtual_machines.begin_deallocate(vm.resource_group, vm.name).result()
    moment = now()

    report = reconciler.run(now=moment)

    stopped = world.stores.vms.get(vm.name)
    assert (stopped.state, stopped.stopped_at) == (VmState.STOPPED, moment)
    assert len(report.repairs) == 1 and "deallocated outside Beast" in report.repairs[0]
    # Nothing to do the next time round.
    assert reconciler.run(now=now()).repairs == []


def test_a_vm_started_outside_beast_is_marked_running(
    world: World, reconciler: Reconciler, portal: ComputeManagementClient
) -> None:
    vm = deploy(world)
    world.drain(world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now()).id)
    portal.virtual_machines.begin_start(vm.resource_group, vm.name).result()

    report = reconciler.run(now=now())

    assert world.stores.vms.get(vm.name).state is VmState.RUNNING
    assert "marked running" in report.repairs[0]


def test_a_vm_powered_off_but_still_allocated_is_deallocated(
    world: World, reconciler: Reconciler, portal: ComputeManagementClient
) -> None:
    vm = deploy(world)
    portal.virtual_machines.begin_power_off(vm.resource_group, vm.name).result()
    assert power(world, vm) is PowerState.STOPPED

    report = reconciler.run(now=now())

    assert "still allocated" in report.repairs[0]
    recorded = world.stores.vms.get(vm.name)
    assert recorded.state is VmState.STOPPING
    op = world.drain(recorded.operation_id)
    assert (op.kind, op.state) == (OperationKind.STOP, OperationState.SUCCEEDED)
    assert world.stores.vms.get(vm.name).state is VmState.STOPPED
    assert power(world, vm) is PowerState.DEALLOCATED


def test_a_vm_recorded_stopped_but_powered_on_and_off_again_is_deallocated(
    world: World, reconciler: Reconciler, portal: ComputeManagementClient
) -> None:
    vm = deploy(world)
    world.drain(world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now()).id)
    portal.virtual_machines.begin_start(vm.resource_group, vm.name).result()
    portal.virtual_machines.begin_power_off(vm.resource_group, vm.name).result()

    report = reconciler.run(now=now())

    assert "still allocated" in report.repairs[0]
    world.drain(world.stores.vms.get(vm.name).operation_id)
    assert power(world, vm) is PowerState.DEALLOCATED
    assert world.stores.vms.get(vm.name).state is VmState.STOPPED


def test_a_deploy_whose_job_was_lost_is_requeued_once_stale_and_finishes(
    world: World, reconciler: Reconciler
) -> None:
    vm, op_id = request(world)
    world.queue_client.clear_messages()  # the job is lost

    assert reconciler.run(now=now()).repairs == []  # too recent to call lost
    assert world.pending_jobs() == 0

    report = reconciler.run(now=now() + STALE + timedelta(minutes=1))

    assert len(report.repairs) == 1 and "re-queued" in report.repairs[0]
    assert world.drain(op_id).state is OperationState.SUCCEEDED
    ready = world.stores.vms.get(vm.name)
    assert ready.state is VmState.RUNNING and ready.vm_id and ready.jupyter_url
    assert power(world, ready) is PowerState.RUNNING
    assert len(world.armsim.requests_log(method="PUT", path="(?i)/deployments/")) == 1


def test_a_stop_whose_job_was_lost_is_requeued_and_deallocates(
    world: World, reconciler: Reconciler
) -> None:
    vm = deploy(world)
    op = world.beast.stop(ALICE, vm.name, reply=reply_to(ALICE), now=now())
    world.queue_client.clear_messages()

    report = reconciler.run(now=now() + STALE + timedelta(seconds=1))

    assert "re-queued" in report.repairs[0]
    assert world.drain(op.id).state is OperationState.SUCCEEDED
    assert power(world, vm) is PowerState.DEALLOCATED


def give_up_while_deployment_goes_on(world: World, vm: Vm, op_id: str) -> None:
    """Azure accepts the deployment, then every check is refused until the job gives up."""
    first = Job(
        kind=OperationKind.DEPLOY, operation_id=op_id, vm_name=vm.name, reply=reply_to(ALICE)
    )
    world.worker.run(first, now=now())
    world.queue_client.clear_messages()
    world.armsim.sim_post(
        "/_sim/faults",
        {"kind": "error", "method": "GET", "path": "(?i)/deployments/", "status": 403, "count": 5},
    )
    # Unreadable checks are retried until the wait limit; past it the job gives up.
    check = replace(first, check=True, attempt=4)
    world.worker.run(check, now=now() + MAX_WAIT[OperationKind.DEPLOY], last_attempt=True)
    assert world.stores.vms.get(vm.name).state is VmState.FAILED
    world.armsim.sim_request("DELETE", "/_sim/faults")
    settled(world, vm)


def test_a_failed_vpn_deploy_that_later_succeeded_gets_its_gateway_address(
    world: World, reconciler: Reconciler
) -> None:
    vm, op_id = request(world, variant="vpn")
    give_up_while_deployment_goes_on(world, vm, op_id)

    reconciler.run(now=now())

    healed = world.stores.vms.get(vm.name)
    assert healed.state is VmState.RUNNING
    # The only way to reach a private VM: without it the record is useless to its owner.
    assert healed.gateway_ip and healed.private_ip


def test_a_failed_deploy_whose_deployment_later_succeeded_is_running_with_its_addresses(
    world: World, reconciler: Reconciler
) -> None:
    vm, op_id = request(world)
    give_up_while_deployment_goes_on(world, vm, op_id)
    assert power(world, vm) is PowerState.RUNNING

    report = reconciler.run(now=now())

    healed = world.stores.vms.get(vm.name)
    assert healed.state is VmState.RUNNING and healed.error is None
    # Without its resource id the sweep could never measure (or stop) it.
    assert healed.vm_id and healed.vm_id.lower().endswith(f"/virtualmachines/{vm.name}")
    assert healed.public_ip and healed.jupyter_url == f"https://{healed.public_ip}:8000"
    assert "marked running" in report.repairs[0]
    # The owner was told it failed; now they learn it runs (and bills).
    told = [c for c in world.notifier.named("progress") if "marked running" in c.details["text"]]
    assert told and told[-1].reply.user_id == "U0ALICE"


def test_a_failed_deploy_that_never_made_a_vm_is_left_for_down(
    world: World, reconciler: Reconciler
) -> None:
    world.armsim.sim_post("/_sim/faults", {"kind": "deployment_failure"})
    vm, op_id = request(world)
    assert world.drain(op_id).state is OperationState.FAILED

    report = reconciler.run(now=now())

    assert world.stores.vms.get(vm.name).state is VmState.FAILED
    assert report.repairs == [] and report.failed == {}


def test_an_orphan_beast_group_is_reported_and_not_deleted(
    world: World, reconciler: Reconciler
) -> None:
    deploy(world)
    groups = world.armsim.client(ResourceManagementClient).resource_groups
    groups.create_or_update(
        "rg-beast-ghost", {"location": "eastus", "tags": {"beast-vm": "beast-ghost"}}
    )
    groups.create_or_update("rg-someone-else", {"location": "eastus"})

    report = reconciler.run(now=now())

    assert report.orphans == ["rg-beast-ghost"]
    assert groups.check_existence("rg-beast-ghost")
    assert world.armsim.requests_log(method="DELETE") == []


def test_a_group_still_there_after_its_record_says_deleted_is_reported(
    world: World, reconciler: Reconciler
) -> None:
    vm = deploy(world)
    world.beast.mutate(vm.name, lambda v: v.evolve(state=VmState.DELETED))

    report = reconciler.run(now=now())

    assert report.orphans == [vm.resource_group]
    assert world.arm.group_exists(vm.resource_group)


def test_a_vm_in_step_with_arm_needs_no_repair(world: World, reconciler: Reconciler) -> None:
    vm = deploy(world)
    report = reconciler.run(now=now())
    assert (report.repairs, report.orphans, report.failed) == ([], [], {})
    assert world.stores.vms.get(vm.name).state is VmState.RUNNING


def test_one_vm_that_cannot_be_checked_does_not_stop_the_others(
    world: World, reconciler: Reconciler, portal: ComputeManagementClient
) -> None:
    first = deploy(world, name="beast-one")
    second = deploy(world, name="beast-two")
    portal.virtual_machines.begin_deallocate(second.resource_group, second.name).result()
    # ARM refuses to read the first VM's group.
    world.armsim.sim_post(
        "/_sim/faults",
        {"kind": "error", "path": f"(?i)/resourcegroups/{first.resource_group}$", "status": 403},
    )

    report = reconciler.run(now=now())

    assert list(report.failed) == [first.name]
    assert world.stores.vms.get(second.name).state is VmState.STOPPED


def test_groups_that_cannot_be_listed_fail_the_run_after_the_repairs(
    world: World, reconciler: Reconciler, portal: ComputeManagementClient
) -> None:
    vm = deploy(world)
    portal.virtual_machines.begin_deallocate(vm.resource_group, vm.name).result()
    world.armsim.sim_post(
        "/_sim/faults",
        {"kind": "error", "method": "GET", "path": "(?i)/resourcegroups$", "status": 403},
    )

    report = reconciler.run(now=now())

    assert list(report.failed) == ["resource groups"]
    assert world.stores.vms.get(vm.name).state is VmState.STOPPED


def test_a_vm_left_busy_by_a_request_that_died_before_its_operation_is_restored(
    world: World, reconciler: Reconciler
) -> None:
    vm = deploy(world)
    # The request marked the VM stopping, then died before writing its operation.
    world.beast.mutate(
        vm.name, lambda v: v.evolve(state=VmState.STOPPING, operation_id="never-written")
    )

    report = reconciler.run(now=now())

    assert world.stores.vms.get(vm.name).state is VmState.RUNNING
    assert "no operation behind it; restored to running" in report.repairs[0]
    assert world.pending_jobs() == 0  # nothing queued for an operation that does not exist
