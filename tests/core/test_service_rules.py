"""Beast's use cases on in-memory stores: who may do what, and what gets recorded and queued.

The request path never talks to Azure Resource Manager (Slack's 3-second ack must
not wait on it), so the ARM factory here fails the test if it is ever called.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from beast.errors import (
    ConflictError,
    ForbiddenError,
    LimitError,
    NotFoundError,
    UpstreamError,
    ValidationError,
)
from beast.models import (
    Caller,
    OperationKind,
    OperationState,
    ReplyTo,
    Variant,
    Vm,
    VmRequest,
    VmState,
)
from beast.ports import Arm
from beast.requests import build_request
from beast.service import MAX_KEEP_HOURS, Beast
from beast.settings import Settings
from tests.core.core_env import make_settings
from tests.doubles import (
    InMemoryAuditLog,
    InMemoryJobQueue,
    InMemoryOperationStore,
    InMemoryUserStore,
    InMemoryVmStore,
)
from tests.factories import SSH_KEY

ALICE = Caller(id="slack:U0ALICE", name="alice", front_end="slack")
BOB = Caller(id="slack:U0BOB", name="bob", front_end="slack")
CAROL = Caller(id="slack:U0CAROL", name="carol", front_end="slack", is_admin=True)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def reply(caller: Caller) -> ReplyTo:
    return ReplyTo(front_end=caller.front_end, user_id=caller.id.partition(":")[2])


@dataclass
class Core:
    """Beast on doubles, with the doubles at hand for assertions."""

    beast: Beast
    settings: Settings
    vms: InMemoryVmStore
    ops: InMemoryOperationStore
    audit: InMemoryAuditLog
    users: InMemoryUserStore
    queue: InMemoryJobQueue
    arm_calls: list[str]

    def ask(self, caller: Caller = ALICE, **fields: Any) -> VmRequest:
        """A checked request, as a front end would build it."""
        defaults: dict[str, Any] = dict.fromkeys(
            [
                "size",
                "disk_gb",
                "disk_type",
                "variant",
                "name",
                "region",
                "ttl",
                "ssh_public_key",
                "allowed_source_prefixes",
            ]
        )
        return build_request(**{**defaults, **fields}, settings=self.settings)

    def up(self, caller: Caller = ALICE, **fields: Any) -> tuple[Vm, Any]:
        op_id = fields.pop("operation_id", None)
        return self.beast.request_vm(
            caller, self.ask(caller, **fields), reply=reply(caller), now=NOW, operation_id=op_id
        )

    def set_state(self, name: str, state: VmState) -> Vm:
        """Move a VM on as the worker would."""
        return self.beast.mutate(name, lambda vm: vm.evolve(state=state))


def build_core(**env: str) -> Core:
    settings = make_settings(**env)
    arm_calls: list[str] = []

    def no_arm() -> Arm:
        arm_calls.append("arm")
        raise AssertionError("the request path must not touch ARM")

    vms, ops, audit = InMemoryVmStore(), InMemoryOperationStore(), InMemoryAuditLog()
    users, queue = InMemoryUserStore(), InMemoryJobQueue()
    beast = Beast(
        settings=settings,
        vms=vms,
        operations=ops,
        audit=audit,
        users=users,
        queue=queue,
        arm=no_arm,
    )
    return Core(beast, settings, vms, ops, audit, users, queue, arm_calls)


@pytest.fixture
def core() -> Core:
    return build_core()


# --- request_vm -----------------------------------------------------------------------


def test_request_vm_records_a_deploying_vm_a_queued_op_an_audit_entry_and_one_job(
    core: Core,
) -> None:
    vm, op = core.up(size="E8s_v3", disk_gb=512)

    stored = core.vms.get(vm.name)
    assert stored.state is VmState.DEPLOYING
    assert (stored.owner, stored.size, stored.disk_gb) == (ALICE.id, "Standard_E8s_v3", 512)
    assert stored.deployment_name.endswith(op.id)
    assert core.ops.get(op.id).state is OperationState.QUEUED
    assert op.kind is OperationKind.DEPLOY and op.vm_name == vm.name
    [entry] = core.audit.for_vm(vm.name)
    assert (entry.action, entry.actor, entry.operation_id) == ("up", ALICE.id, op.id)
    [job] = core.queue.jobs
    assert (job.kind, job.operation_id, job.vm_name) == (OperationKind.DEPLOY, op.id, vm.name)
    assert stored.allowed_source_prefixes == ("203.0.113.0/24",)
    assert core.arm_calls == []


def test_the_same_operation_id_twice_returns_the_same_operation_and_queues_one_job(
    core: Core,
) -> None:
    vm1, op1 = core.up(operation_id="op-retry-1")
    vm2, op2 = core.up(operation_id="op-retry-1")
    assert (vm1.name, op1.id) == (vm2.name, op2.id)
    assert len(core.queue.jobs) == 1
    assert len(core.vms.list(owner=ALICE.id)) == 1


def test_a_person_at_the_vm_limit_is_refused_with_their_vm_names(core: Core) -> None:
    names = [core.up()[0].name for _ in range(3)]
    with pytest.raises(LimitError) as caught:
        core.up()
    for name in names:
        assert name in caught.value.message
    assert "limit is 3" in caught.value.message
    assert len(core.queue.jobs) == 3


def test_stopped_vms_do_not_count_against_the_running_limit(core: Core) -> None:
    first = core.up()[0]
    core.up()
    core.up()
    core.set_state(first.name, VmState.STOPPED)
    assert core.up()[0].state is VmState.DEPLOYING


def test_starting_a_stopped_vm_past_the_running_limit_is_refused(core: Core) -> None:
    first = core.up()[0]
    core.set_state(first.name, VmState.STOPPED)
    core.up()
    core.up()
    core.up()
    with pytest.raises(LimitError, match="3 running VMs"):
        core.beast.start(ALICE, first.name, reply=reply(ALICE), now=NOW)
    assert core.vms.get(first.name).state is VmState.STOPPED


def test_deleted_vms_do_not_count_against_the_limit(core: Core) -> None:
    first = core.up()[0]
    core.up()
    core.up()
    core.set_state(first.name, VmState.DELETED)
    assert core.up()[0].state is VmState.DEPLOYING


def test_admins_are_not_held_to_the_vm_limit() -> None:
    core = build_core(BEAST_MAX_VMS_PER_USER="1")
    core.up(CAROL)
    assert core.up(CAROL)[0].name == "beast-carol-2"


def test_only_sizes_matching_the_allowed_patterns_may_be_requested() -> None:
    core = build_core(BEAST_ALLOWED_SIZES="E*s_v3,Standard_D4s_v5")
    assert core.up(size="E16s_v3")[0].size == "Standard_E16s_v3"
    assert core.up(size="D4s_v5")[0].size == "Standard_D4s_v5"
    with pytest.raises(LimitError) as caught:
        core.up(size="NC24ads_A100_v4")
    assert "NC24ads_A100_v4 is not on this team's list" in caught.value.message
    assert "E*s_v3" in caught.value.message


def test_an_ssh_vm_without_a_key_is_refused_naming_ssh_public_key(core: Core) -> None:
    with pytest.raises(ValidationError) as caught:
        core.up(variant="ssh")
    assert "sshPublicKey" in caught.value.fields
    assert core.queue.jobs == [] and core.vms.list() == []


def test_an_ssh_vm_uses_the_remembered_key(core: Core) -> None:
    core.beast.remember_ssh_key(ALICE, SSH_KEY)
    vm, _ = core.up(variant="ssh")
    assert vm.variant is Variant.SSH
    assert core.vms.get(vm.name).ssh_public_key == SSH_KEY


def test_a_key_sent_with_the_request_wins_over_the_remembered_one(core: Core) -> None:
    other = "ssh-ed25519 " + "Z" * 68 + " alice@desk"
    core.beast.remember_ssh_key(ALICE, SSH_KEY)
    vm, _ = core.up(variant="ssh", ssh_public_key=other)
    assert core.vms.get(vm.name).ssh_public_key == other


def test_remembering_a_key_that_is_not_one_is_refused(core: Core) -> None:
    with pytest.raises(ValidationError):
        core.beast.remember_ssh_key(ALICE, "not a key")
    assert core.users.get_ssh_key(ALICE.id) is None


def test_a_vpn_vm_is_refused_until_an_admin_sets_the_root_certificate(core: Core) -> None:
    with pytest.raises(LimitError, match="BEAST_VPN_ROOT_CERT"):
        core.up(variant="vpn", ssh_public_key=SSH_KEY)
    assert core.queue.jobs == []
    ready = build_core(BEAST_VPN_ROOT_CERT="MIIC5jCCAc6gAwIBAgIQ")
    assert ready.up(variant="vpn", ssh_public_key=SSH_KEY)[0].variant is Variant.VPN


def test_generated_names_count_up_per_person(core: Core) -> None:
    assert [core.up()[0].name for _ in range(2)] == ["beast-alice-1", "beast-alice-2"]
    assert core.up(BOB)[0].name == "beast-bob-1"


def test_an_explicit_name_that_is_taken_is_a_conflict(core: Core) -> None:
    core.up(name="gpu-box")
    with pytest.raises(ConflictError, match="gpu-box already exists"):
        core.up(BOB, name="gpu-box")
    assert len(core.queue.jobs) == 1


def test_a_ttl_sets_when_the_vm_expires(core: Core) -> None:
    vm, _ = core.up(ttl="8h")
    assert vm.expires_at == NOW + timedelta(hours=8)


# --- keep -----------------------------------------------------------------------------


@pytest.mark.parametrize("hours", [0, -1, MAX_KEEP_HOURS + 1])
def test_keep_takes_1_to_336_hours(core: Core, hours: int) -> None:
    vm, _ = core.up()
    with pytest.raises(ValidationError) as caught:
        core.beast.keep(ALICE, vm.name, hours=hours, now=NOW)
    assert "hours" in caught.value.fields


def test_keep_sets_keep_until_and_clears_an_idle_warning(core: Core) -> None:
    vm, _ = core.up()
    core.beast.mutate(vm.name, lambda v: v.evolve(state=VmState.RUNNING, warned_at=NOW))
    kept = core.beast.keep(ALICE, vm.name, hours=MAX_KEEP_HOURS, now=NOW)
    assert kept.keep_until == NOW + timedelta(hours=336)
    assert kept.warned_at is None
    assert core.vms.get(vm.name).keep_until == kept.keep_until
    assert [e.action for e in core.audit.for_vm(vm.name)] == ["up", "keep"]


def test_only_the_owner_or_an_admin_may_keep_a_vm(core: Core) -> None:
    vm, _ = core.up()
    with pytest.raises(ForbiddenError):
        core.beast.keep(BOB, vm.name, hours=4, now=NOW)
    assert core.vms.get(vm.name).keep_until is None
    assert core.beast.keep(CAROL, vm.name, hours=4, now=NOW).keep_until == NOW + timedelta(hours=4)


# --- reading --------------------------------------------------------------------------


def test_list_vms_shows_only_the_callers_own(core: Core) -> None:
    mine = core.up()[0]
    core.up(BOB)
    assert [vm.name for vm in core.beast.list_vms(ALICE)] == [mine.name]


def test_listing_everyones_vms_needs_an_admin(core: Core) -> None:
    core.up()
    core.up(BOB)
    with pytest.raises(ForbiddenError):
        core.beast.list_vms(ALICE, everyone=True)
    assert len(core.beast.list_vms(CAROL, everyone=True)) == 2


def test_deleted_vms_are_hidden_unless_asked_for_by_state(core: Core) -> None:
    gone = core.up()[0]
    kept = core.up()[0]
    core.set_state(gone.name, VmState.DELETED)
    assert [vm.name for vm in core.beast.list_vms(ALICE)] == [kept.name]
    deleted = core.beast.list_vms(ALICE, state=VmState.DELETED)
    assert [vm.name for vm in deleted] == [gone.name]


def test_status_is_for_the_owner_or_an_admin(core: Core) -> None:
    vm, _ = core.up()
    assert core.beast.status(ALICE, vm.name).name == vm.name
    assert core.beast.status(CAROL, vm.name).name == vm.name
    with pytest.raises(ForbiddenError):
        core.beast.status(BOB, vm.name)
    with pytest.raises(NotFoundError):
        core.beast.status(ALICE, "no-such-vm")


def test_an_operation_is_for_its_actor_the_owner_or_an_admin(core: Core) -> None:
    vm, deploy = core.up()
    core.set_state(vm.name, VmState.RUNNING)
    stop = core.beast.stop(CAROL, vm.name, reply=reply(CAROL), now=NOW)
    assert core.beast.operation(ALICE, deploy.id).id == deploy.id
    assert core.beast.operation(ALICE, stop.id).actor == CAROL.id  # the owner sees it
    assert core.beast.operation(CAROL, deploy.id).id == deploy.id
    with pytest.raises(ForbiddenError):
        core.beast.operation(BOB, deploy.id)
    with pytest.raises(NotFoundError):
        core.beast.operation(ALICE, "0" * 32)


# --- power ----------------------------------------------------------------------------


def test_stopping_a_deploying_vm_is_a_conflict_that_says_it_is_deploying(core: Core) -> None:
    vm, _ = core.up()
    with pytest.raises(ConflictError, match=f"{vm.name} is deploying"):
        core.beast.stop(ALICE, vm.name, reply=reply(ALICE), now=NOW)
    assert core.vms.get(vm.name).state is VmState.DEPLOYING
    assert len(core.queue.jobs) == 1


def test_stopping_a_running_vm_queues_a_stop_and_marks_it_stopping(core: Core) -> None:
    vm, _ = core.up()
    core.set_state(vm.name, VmState.RUNNING)
    op = core.beast.stop(ALICE, vm.name, reply=reply(ALICE), now=NOW)
    assert core.vms.get(vm.name).state is VmState.STOPPING
    assert core.vms.get(vm.name).operation_id == op.id
    assert core.queue.jobs[-1].kind is OperationKind.STOP
    assert core.arm_calls == []


def test_someone_elses_vm_cannot_be_stopped_or_deleted(core: Core) -> None:
    vm, _ = core.up()
    core.set_state(vm.name, VmState.RUNNING)
    with pytest.raises(ForbiddenError):
        core.beast.stop(BOB, vm.name, reply=reply(BOB), now=NOW)
    with pytest.raises(ForbiddenError):
        core.beast.delete(BOB, vm.name, reply=reply(BOB), now=NOW)
    assert core.vms.get(vm.name).state is VmState.RUNNING
    assert len(core.queue.jobs) == 1


# --- known gaps -----------------------------------------------------------------------


class RacingVmStore(InMemoryVmStore):
    """A store that lets a twin request with the same operation id win the race once."""

    def __init__(self) -> None:
        super().__init__()
        self.twin: Any = None

    def add(self, vm: Vm) -> Vm:
        twin, self.twin = self.twin, None
        if twin is not None:
            twin()  # the retried delivery runs between our idempotency check and our insert
        return super().add(vm)


def test_two_deliveries_of_one_request_racing_leave_one_vm() -> None:
    core = build_core()
    racing = RacingVmStore()
    core.vms = racing
    core.beast = Beast(
        settings=core.settings,
        vms=racing,
        operations=core.ops,
        audit=core.audit,
        users=core.users,
        queue=core.queue,
        arm=lambda: pytest.fail("the request path must not touch ARM"),
    )
    racing.twin = lambda: core.up(operation_id="op-twice")
    with contextlib.suppress(ConflictError):  # a refusal is fine if nothing is left behind
        core.up(operation_id="op-twice")
    assert len(core.queue.jobs) == 1
    assert [vm.name for vm in core.vms.list(owner=ALICE.id)] == [core.queue.jobs[0].vm_name]


def test_an_operation_id_of_someone_else_is_refused_not_returned(core: Core) -> None:
    _, op = core.up(operation_id="shared-id")
    with pytest.raises(ConflictError, match="already used"):
        core.up(BOB, operation_id="shared-id")
    assert core.ops.get(op.id).actor == ALICE.id and len(core.queue.jobs) == 1


def test_a_vm_write_that_fails_closes_the_claim_so_a_repeat_hears_why(core: Core) -> None:
    def storage_down(vm: Vm) -> Vm:
        raise UpstreamError("Storage could not be reached (Table vms).")

    core.vms.add = storage_down  # type: ignore[method-assign]
    with pytest.raises(UpstreamError):
        core.up(operation_id="op-storage-down")
    failed = core.ops.get("op-storage-down")
    assert (failed.state, failed.error_code) == (OperationState.FAILED, "upstream")
    with pytest.raises(ConflictError, match="Storage could not be reached"):
        core.up(operation_id="op-storage-down")
    assert core.queue.jobs == []
