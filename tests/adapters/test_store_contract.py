"""The storage contract: each rule holds for the Table Storage adapters on Azurite
and for the in-memory doubles the core tests use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from beast.errors import ConcurrencyError, ConflictError, NotFoundError
from beast.models import (
    AuditEntry,
    DiskType,
    Operation,
    OperationKind,
    OperationState,
    Variant,
    Vm,
    VmState,
)
from tests.adapters.storage_harness import Stores
from tests.factories import make_operation, make_vm

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def a_vm(name: str = "alice-e4s-1", *, owner: str = "slack:U024BE7LH", **changes: object) -> Vm:
    vm = make_vm(name=name, owner=owner, state=VmState.DEPLOYING, created_at=T0)
    return vm.evolve(**changes)


def an_operation(op_id: str = "op-1", **changes: object) -> Operation:
    op = make_operation(
        id=op_id,
        vm_name="alice-e4s-1",
        owner="slack:U024BE7LH",
        actor="slack:U024BE7LH",
        created_at=T0,
        updated_at=T0,
    )
    return op.evolve(**changes)


def an_entry(vm_name: str, action: str, at: datetime) -> AuditEntry:
    return AuditEntry(at=at, actor="slack:U1", action=action, vm_name=vm_name, front_end="slack")


# --- VMs -------------------------------------------------------------------------


def test_added_vm_reads_back_equal_with_an_etag(stores: Stores) -> None:
    added = stores.vms.add(a_vm())

    got = stores.vms.get("alice-e4s-1")

    assert got == a_vm()
    assert got.etag is not None
    assert added.etag == got.etag


def test_find_returns_the_vm_or_none(stores: Stores) -> None:
    stores.vms.add(a_vm())

    found = stores.vms.find("alice-e4s-1")

    assert found == a_vm()
    assert found is not None and found.etag is not None
    assert stores.vms.find("nobody-vm") is None


def test_adding_a_taken_vm_name_raises_conflict(stores: Stores) -> None:
    stores.vms.add(a_vm())

    with pytest.raises(ConflictError):
        stores.vms.add(a_vm(owner="slack:OTHER"))

    assert stores.vms.get("alice-e4s-1").owner == "slack:U024BE7LH"


def test_getting_a_missing_vm_raises_not_found(stores: Stores) -> None:
    with pytest.raises(NotFoundError):
        stores.vms.get("no-such-vm")


def test_updating_a_vm_writes_it_and_gives_a_new_etag(stores: Stores) -> None:
    added = stores.vms.add(a_vm())

    updated = stores.vms.update(added.evolve(state=VmState.RUNNING, public_ip="20.1.2.3"))

    assert updated.etag not in (None, added.etag)
    assert stores.vms.get("alice-e4s-1") == a_vm(state=VmState.RUNNING, public_ip="20.1.2.3")
    # The returned copy carries the new etag, so it can be written again.
    stores.vms.update(updated.evolve(state=VmState.STOPPING))
    assert stores.vms.get("alice-e4s-1").state is VmState.STOPPING


def test_second_writer_from_the_same_version_raises_concurrency_error(stores: Stores) -> None:
    stores.vms.add(a_vm())
    first = stores.vms.get("alice-e4s-1")
    second = stores.vms.get("alice-e4s-1")
    stores.vms.update(first.evolve(state=VmState.RUNNING))

    with pytest.raises(ConcurrencyError):
        stores.vms.update(second.evolve(keep_until=T0 + timedelta(hours=8)))

    assert stores.vms.get("alice-e4s-1").keep_until is None


def test_reread_and_retry_after_a_lost_race_lands_both_changes(stores: Stores) -> None:
    stores.vms.add(a_vm())
    first = stores.vms.get("alice-e4s-1")
    second = stores.vms.get("alice-e4s-1")
    stores.vms.update(first.evolve(state=VmState.RUNNING))
    with pytest.raises(ConcurrencyError):
        stores.vms.update(second.evolve(keep_until=T0 + timedelta(hours=8)))

    fresh = stores.vms.get("alice-e4s-1")
    stores.vms.update(fresh.evolve(keep_until=T0 + timedelta(hours=8)))

    final = stores.vms.get("alice-e4s-1")
    assert final.state is VmState.RUNNING
    assert final.keep_until == T0 + timedelta(hours=8)


def test_updating_a_vm_that_is_gone_raises_not_found(stores: Stores) -> None:
    stores.vms.add(a_vm())
    ghost = stores.vms.get("alice-e4s-1").evolve(name="ghost-vm")

    with pytest.raises(NotFoundError):
        stores.vms.update(ghost)


def test_updating_without_an_etag_is_refused(stores: Stores) -> None:
    stores.vms.add(a_vm())

    with pytest.raises(ValueError, match="etag"):
        stores.vms.update(a_vm(state=VmState.RUNNING))


def test_datetimes_round_trip_timezone_aware_in_utc(stores: Stores) -> None:
    paris = timezone(timedelta(hours=1))
    stores.vms.add(a_vm(started_at=datetime(2026, 3, 1, 11, 0, 0, 654321, tzinfo=paris)))

    got = stores.vms.get("alice-e4s-1")

    assert got.created_at == T0
    assert got.created_at.tzinfo is not None
    assert got.created_at.utcoffset() == timedelta(0)
    assert got.started_at == datetime(2026, 3, 1, 10, 0, 0, 654321, tzinfo=UTC)
    assert got.started_at is not None and got.started_at.utcoffset() == timedelta(0)
    assert type(got.created_at) is datetime


def test_naive_datetimes_are_refused(stores: Stores) -> None:
    with pytest.raises(ValueError, match="naive"):
        stores.vms.add(a_vm(created_at=datetime(2026, 3, 1, 9, 0)))


def test_enums_round_trip_as_enums(stores: Stores) -> None:
    stores.vms.add(a_vm(disk_type=DiskType.STANDARDSSD, variant=Variant.VPN, state=VmState.STOPPED))

    got = stores.vms.get("alice-e4s-1")

    assert got.disk_type is DiskType.STANDARDSSD
    assert got.variant is Variant.VPN
    assert got.state is VmState.STOPPED


def test_none_fields_round_trip_and_an_update_can_clear_a_field(stores: Stores) -> None:
    added = stores.vms.add(a_vm(public_ip="20.1.2.3", error="boom"))
    assert stores.vms.get("alice-e4s-1").public_ip == "20.1.2.3"

    stores.vms.update(added.evolve(public_ip=None, error=None))

    got = stores.vms.get("alice-e4s-1")
    assert got.public_ip is None
    assert got.error is None
    assert got.fqdn is None and got.vm_id is None


def test_list_gives_every_vm_or_one_owners(stores: Stores) -> None:
    stores.vms.add(a_vm("bob-d4-1", owner="slack:BOB"))
    stores.vms.add(a_vm("alice-e4s-2"))
    stores.vms.add(a_vm("alice-e4s-1"))

    everyone = stores.vms.list()
    alices = stores.vms.list(owner="slack:U024BE7LH")

    assert [vm.name for vm in everyone] == ["alice-e4s-1", "alice-e4s-2", "bob-d4-1"]
    assert [vm.name for vm in alices] == ["alice-e4s-1", "alice-e4s-2"]
    assert stores.vms.list(owner="slack:NOBODY") == []
    assert all(vm.etag is not None for vm in everyone)


def test_owner_ids_with_an_at_sign_list_correctly(stores: Stores) -> None:
    stores.vms.add(a_vm("carol-1", owner="aad:carol@contoso.com"))
    stores.vms.add(a_vm("alice-1"))

    assert [vm.name for vm in stores.vms.list(owner="aad:carol@contoso.com")] == ["carol-1"]


# --- Operations ------------------------------------------------------------------


def test_operations_add_get_and_update(stores: Stores) -> None:
    added = stores.operations.add(an_operation())
    assert stores.operations.get("op-1") == an_operation()

    stores.operations.update(
        added.evolve(state=OperationState.FAILED, error_code="QuotaExceeded", error_message="no")
    )

    got = stores.operations.get("op-1")
    assert got.state is OperationState.FAILED
    assert got.kind is OperationKind.DEPLOY
    assert (got.error_code, got.error_message) == ("QuotaExceeded", "no")


def test_operation_ids_are_unique(stores: Stores) -> None:
    stores.operations.add(an_operation())

    with pytest.raises(ConflictError):
        stores.operations.add(an_operation(kind=OperationKind.STOP))


def test_missing_operation_raises_not_found(stores: Stores) -> None:
    with pytest.raises(NotFoundError):
        stores.operations.get("op-missing")


def test_stale_operation_update_raises_concurrency_error(stores: Stores) -> None:
    stale = stores.operations.add(an_operation())
    stores.operations.update(stale.evolve(state=OperationState.RUNNING))

    with pytest.raises(ConcurrencyError):
        stores.operations.update(stale.evolve(state=OperationState.SUCCEEDED))

    assert stores.operations.get("op-1").state is OperationState.RUNNING


def test_operation_ids_with_characters_illegal_in_keys_round_trip(stores: Stores) -> None:
    # "/", "#" and "?" are not allowed in a RowKey (Azurite answers "/" with HTTP 500).
    odd = "api/idem#key?1 \\x"
    stores.operations.add(an_operation(odd))
    stores.operations.add(an_operation("api-idem-key-1"))

    assert stores.operations.get(odd).id == odd
    assert stores.operations.get("api-idem-key-1").id == "api-idem-key-1"


# --- Audit -----------------------------------------------------------------------


def test_audit_is_oldest_first_per_vm(stores: Stores) -> None:
    stores.audit.append(an_entry("vm-a", "stop", T0 + timedelta(minutes=5)))
    stores.audit.append(an_entry("vm-b", "up", T0 + timedelta(minutes=1)))
    stores.audit.append(an_entry("vm-a", "up", T0))
    stores.audit.append(an_entry("vm-a", "start", T0 + timedelta(minutes=9)))

    assert [e.action for e in stores.audit.for_vm("vm-a")] == ["up", "stop", "start"]
    assert [e.action for e in stores.audit.for_vm("vm-b")] == ["up"]
    assert stores.audit.for_vm("vm-c") == []


def test_audit_entries_at_the_same_time_keep_their_order(stores: Stores) -> None:
    for action in ["up", "deploy", "ready", "keep"]:
        stores.audit.append(an_entry("vm-a", action, T0))

    assert [e.action for e in stores.audit.for_vm("vm-a")] == ["up", "deploy", "ready", "keep"]


def test_audit_entries_round_trip_whole(stores: Stores) -> None:
    entry = AuditEntry(
        at=T0,
        actor="aad:alice@contoso.com",
        action="delete",
        vm_name="vm-a",
        front_end="api",
        operation_id="op-9",
        detail="whole resource group",
    )
    stores.audit.append(entry)
    stores.audit.append(an_entry("vm-a", "no-detail", T0 + timedelta(seconds=1)))

    first, second = stores.audit.for_vm("vm-a")
    assert first == entry
    assert second.operation_id is None and second.detail == ""


# --- Users and idempotency -------------------------------------------------------


def test_ssh_key_is_remembered_per_user_and_can_be_replaced(stores: Stores) -> None:
    assert stores.users.get_ssh_key("slack:U1") is None

    stores.users.set_ssh_key("slack:U1", "ssh-ed25519 AAAAone alice")
    stores.users.set_ssh_key("aad:bob@contoso.com", "ssh-ed25519 AAAAbob bob")
    stores.users.set_ssh_key("slack:U1", "ssh-ed25519 AAAAtwo alice")

    assert stores.users.get_ssh_key("slack:U1") == "ssh-ed25519 AAAAtwo alice"
    assert stores.users.get_ssh_key("aad:bob@contoso.com") == "ssh-ed25519 AAAAbob bob"


def test_idempotency_claim_returns_the_earlier_value(stores: Stores) -> None:
    assert stores.idempotency.claim("slack:Ev1", "op-1") is None

    assert stores.idempotency.claim("slack:Ev1", "op-2") == "op-1"
    assert stores.idempotency.claim("slack:Ev1", "op-3") == "op-1"


def test_idempotency_keys_are_exact_even_with_awkward_characters(stores: Stores) -> None:
    assert stores.idempotency.claim("api:client/42#a?", "op-1") is None
    assert stores.idempotency.claim("api:client/42#a", "op-2") is None
    assert stores.idempotency.claim("~api:client", "op-3") is None

    assert stores.idempotency.claim("api:client/42#a?", "op-x") == "op-1"
    assert stores.idempotency.claim("api:client/42#a", "op-x") == "op-2"
    assert stores.idempotency.claim("~api:client", "op-x") == "op-3"
