"""Idempotency-Key: a repeat returns the same operation; reuse for another request is 422."""

from __future__ import annotations

from beast.http_api import endpoints as ep
from beast.models import VmState
from tests.http_api.conftest import SSH_KEY, World, build_world, make_settings

KEY = {"Idempotency-Key": "7d3c1e9a-retry-me"}


def test_repeating_a_create_with_the_same_key_returns_the_same_operation(world: World) -> None:
    first = world.call(
        ep.VMS, "POST", json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY}, headers=KEY
    )
    again = world.call(
        ep.VMS, "POST", json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY}, headers=KEY
    )

    assert first.status == again.status == 202
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json()["id"] == first.json()["id"]
    assert len(world.queue.jobs) == 1


def test_key_order_and_whitespace_do_not_make_a_different_request(world: World) -> None:
    one = f'{{"name": "alice-lab", "diskGb": 100, "sshPublicKey": "{SSH_KEY}"}}'.encode()
    two = f'{{ "sshPublicKey":"{SSH_KEY}","diskGb":100,"name":"alice-lab" }}'.encode()
    headers = {**KEY, "Content-Type": "application/json"}

    first = world.call(ep.VMS, "POST", body=one, headers=headers)
    again = world.call(ep.VMS, "POST", body=two, headers=headers)

    assert again.status == 202
    assert again.json()["id"] == first.json()["id"]


def test_the_same_key_with_a_different_body_is_422_idempotency_key_reuse(world: World) -> None:
    world.call(
        ep.VMS, "POST", json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY}, headers=KEY
    )

    response = world.call(
        ep.VMS, "POST", json_body={"name": "alice-two", "sshPublicKey": SSH_KEY}, headers=KEY
    )

    assert response.status == 422
    assert response.json()["type"] == "https://beast.dev/problems/idempotency-key-reuse"
    assert len(world.queue.jobs) == 1


def test_the_same_key_from_another_caller_is_a_separate_request(world: World) -> None:
    bob = build_world(make_settings(BEAST_DEV_IDENTITY="bob@contoso.com"))
    bob.beast, bob.idempotency = world.beast, world.idempotency

    alice_op = world.call(
        ep.VMS, "POST", json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY}, headers=KEY
    ).json()
    bob_op = bob.call(
        ep.VMS, "POST", json_body={"name": "bob-lab", "sshPublicKey": SSH_KEY}, headers=KEY
    ).json()

    assert bob_op["id"] != alice_op["id"]
    assert len(world.queue.jobs) == 2


def test_repeating_a_delete_with_the_same_key_returns_the_same_operation(world: World) -> None:
    world.call(ep.VMS, "POST", json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY})
    world.beast.mutate("alice-lab", lambda vm: vm.evolve(state=VmState.RUNNING))

    first = world.call(ep.VM, "DELETE", params={"name": "alice-lab"}, headers=KEY)
    again = world.call(ep.VM, "DELETE", params={"name": "alice-lab"}, headers=KEY)

    assert first.status == again.status == 202
    assert again.json()["id"] == first.json()["id"]
    assert [job.kind.value for job in world.queue.jobs] == ["deploy", "delete"]


def test_a_key_used_for_a_stop_cannot_be_reused_for_a_start(world: World) -> None:
    world.call(ep.VMS, "POST", json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY})
    world.beast.mutate("alice-lab", lambda vm: vm.evolve(state=VmState.RUNNING))
    world.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}, headers=KEY)

    response = world.call(ep.VM_START, "POST", params={"name": "alice-lab"}, headers=KEY)

    assert response.status == 422


def test_a_retry_after_a_refused_first_attempt_is_carried_out(world: World) -> None:
    world.call(ep.VMS, "POST", json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY})
    # Refused while deploying: nothing recorded under the key's operation id.
    refused = world.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}, headers=KEY)
    world.beast.mutate("alice-lab", lambda vm: vm.evolve(state=VmState.RUNNING))

    retried = world.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}, headers=KEY)

    assert refused.status == 409
    assert retried.status == 202


def test_a_malformed_key_is_a_400_naming_the_header(world: World) -> None:
    response = world.call(
        ep.VMS,
        "POST",
        json_body={"name": "alice-lab", "sshPublicKey": SSH_KEY},
        headers={"Idempotency-Key": "a b\tc"},
    )

    assert response.status == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
