"""Each endpoint, called as the HTTP trigger calls it, against Beast on in-memory doubles."""

from __future__ import annotations

from beast.http_api import endpoints as ep
from beast.models import OperationKind, OperationState, Variant, VmState
from tests.factories import make_vm
from tests.http_api.conftest import SSH_KEY, World, build_world, make_settings

NEW_VM = {"size": "E4s_v3", "diskGb": 256, "name": "alice-lab", "sshPublicKey": SSH_KEY}


def test_post_vms_answers_202_with_the_deploy_operation_and_where_to_poll_it(world: World) -> None:
    response = world.call(ep.VMS, "POST", json_body=NEW_VM)

    assert response.status == 202
    operation = response.json()
    assert operation["kind"] == "deploy"
    assert operation["state"] == "queued"
    assert operation["vmName"] == "alice-lab"
    assert response.headers["Location"] == f"/api/v1/operations/{operation['id']}"
    assert int(response.headers["Retry-After"]) > 0
    assert [job.kind for job in world.queue.jobs] == [OperationKind.DEPLOY]


def test_a_new_vm_belongs_to_the_caller_and_reads_back_in_camel_case(world: World) -> None:
    world.call(ep.VMS, "POST", json_body={**NEW_VM, "diskType": "standardssd", "ttl": "8h"})

    response = world.call(ep.VM, params={"name": "alice-lab"})

    assert response.status == 200
    vm = response.json()
    assert vm["owner"] == "aad:alice@contoso.com"
    assert vm["size"] == "Standard_E4s_v3"
    assert vm["diskGb"] == 256
    assert vm["diskType"] == "standardssd"
    assert vm["state"] == "deploying"
    assert vm["createdAt"] == "2026-03-02T09:30:00Z"
    assert vm["expiresAt"] == "2026-03-02T17:30:00Z"
    expected = {
        "name", "owner", "size", "diskGb", "diskType", "variant", "region", "state",
        "publicIp", "privateIp", "fqdn", "jupyterUrl", "sshCommand", "createdAt",
        "gatewayIp", "startedAt", "stoppedAt", "keepUntil", "expiresAt", "operationId",
    }  # fmt: skip
    assert set(vm) == expected


def test_a_vpn_vm_shows_its_gateway_address_and_no_public_one(world: World) -> None:
    world.vms.add(
        make_vm(
            name="alice-vpn",
            owner="aad:alice@contoso.com",
            variant=Variant.VPN,
            private_ip="10.0.0.4",
            gateway_ip="20.1.2.3",
        )
    )

    vm = world.call(ep.VM, params={"name": "alice-vpn"}).json()

    assert vm["gatewayIp"] == "20.1.2.3"
    assert vm["privateIp"] == "10.0.0.4"
    assert vm["publicIp"] is None


def test_get_vms_lists_only_the_callers_vms(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)
    bob = build_world(make_settings(BEAST_DEV_IDENTITY="bob@contoso.com"))
    bob.vms, bob.beast = world.vms, world.beast
    bob.call(ep.VMS, "POST", json_body={"name": "bob-lab", "sshPublicKey": SSH_KEY})

    names = [vm["name"] for vm in world.call(ep.VMS).json()["vms"]]

    assert names == ["alice-lab"]


def test_all_true_lists_everyones_vms_for_an_admin_only(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)
    admin = build_world(make_settings(BEAST_DEV_IDENTITY="boss@contoso.com"))
    admin.beast = world.beast

    assert world.call(ep.VMS, query={"all": "true"}).status == 403
    everyone = admin.call(ep.VMS, query={"all": "true"})
    assert [vm["name"] for vm in everyone.json()["vms"]] == ["alice-lab"]


def test_state_filters_the_list(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)

    deploying = world.call(ep.VMS, query={"state": "deploying"}).json()["vms"]
    running = world.call(ep.VMS, query={"state": "running"}).json()["vms"]

    assert [vm["name"] for vm in deploying] == ["alice-lab"]
    assert running == []


def test_an_unknown_state_or_flag_value_is_a_validation_problem(world: World) -> None:
    bad_state = world.call(ep.VMS, query={"state": "sleeping"})
    bad_flag = world.call(ep.VMS, query={"all": "yes"})

    assert bad_state.status == 400
    assert bad_state.json()["errors"][0]["field"] == "state"
    assert bad_flag.status == 400
    assert bad_flag.json()["errors"][0]["field"] == "all"


def _running(world: World, name: str) -> None:
    world.beast.mutate(name, lambda vm: vm.evolve(state=VmState.RUNNING))


def test_stop_then_start_queue_operations_with_202(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)
    _running(world, "alice-lab")

    stop = world.call(ep.VM_STOP, "POST", params={"name": "alice-lab"})

    assert stop.status == 202
    assert stop.json()["kind"] == "stop"
    assert stop.headers["Location"].endswith(stop.json()["id"])
    world.beast.mutate("alice-lab", lambda vm: vm.evolve(state=VmState.STOPPED))
    start = world.call(ep.VM_START, "POST", params={"name": "alice-lab"})
    assert start.status == 202
    assert start.json()["kind"] == "start"


def test_starting_a_busy_vm_is_a_409_conflict(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)  # still deploying

    response = world.call(ep.VM_START, "POST", params={"name": "alice-lab"})

    assert response.status == 409
    assert response.json()["type"] == "https://beast.dev/problems/conflict"


def test_delete_answers_202_with_a_delete_operation(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)
    _running(world, "alice-lab")

    response = world.call(ep.VM, "DELETE", params={"name": "alice-lab"})

    assert response.status == 202
    assert response.json()["kind"] == "delete"


def test_keep_sets_keep_until_hours_from_now(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)
    _running(world, "alice-lab")

    response = world.call(ep.VM_KEEP, "POST", params={"name": "alice-lab"}, json_body={"hours": 10})

    assert response.status == 200
    assert response.json()["keepUntil"] == "2026-03-02T19:30:00Z"


def test_keep_needs_hours_as_a_whole_number(world: World) -> None:
    world.call(ep.VMS, "POST", json_body=NEW_VM)

    missing = world.call(ep.VM_KEEP, "POST", params={"name": "alice-lab"}, json_body={})
    text = world.call(ep.VM_KEEP, "POST", params={"name": "alice-lab"}, json_body={"hours": "8"})

    assert missing.status == 400
    assert missing.json()["errors"] == [{"field": "hours", "message": "Required."}]
    assert text.status == 400
    assert text.json()["errors"][0]["field"] == "hours"


def test_get_operation_shows_progress_and_asks_to_poll_while_not_done(world: World) -> None:
    created = world.call(ep.VMS, "POST", json_body=NEW_VM).json()

    queued = world.call(ep.OPERATION, params={"id": created["id"]})
    op = world.operations.get(created["id"])
    world.operations.update(
        op.evolve(state=OperationState.FAILED, error_code="quota", error_message="No quota.")
    )
    failed = world.call(ep.OPERATION, params={"id": created["id"]})

    assert queued.status == 200
    assert queued.json()["error"] is None
    assert "Retry-After" in queued.headers
    assert failed.json()["error"] == {"code": "quota", "message": "No quota."}
    assert "Retry-After" not in failed.headers


def test_another_persons_vm_and_operation_are_forbidden(world: World) -> None:
    created = world.call(ep.VMS, "POST", json_body=NEW_VM).json()
    mallory = build_world(make_settings(BEAST_DEV_IDENTITY="mallory@contoso.com"))
    mallory.beast = world.beast

    assert mallory.call(ep.VM, params={"name": "alice-lab"}).status == 403
    assert mallory.call(ep.OPERATION, params={"id": created["id"]}).status == 403
    assert mallory.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}).status == 403


def test_an_unknown_vm_or_operation_is_404(world: World) -> None:
    assert world.call(ep.VM, params={"name": "nobody-here"}).status == 404
    missing = world.call(ep.OPERATION, params={"id": "0" * 32})
    assert missing.status == 404
    assert missing.json()["type"] == "https://beast.dev/problems/not-found"


def test_sizes_list_vcpus_memory_gpus_price_and_quota_left(world: World) -> None:
    response = world.call(ep.SIZES, query={"region": "eastus"})

    assert response.status == 200
    document = response.json()
    assert document["region"] == "eastus"
    by_name = {size["name"]: size for size in document["sizes"]}
    assert by_name["Standard_E4s_v3"] == {
        "name": "Standard_E4s_v3",
        "family": "standardESv3Family",
        "vcpus": 4,
        "memoryGb": 32.0,
        "gpus": 0,
        "hourlyUsd": 0.252,
        "quotaLeft": 16,
    }
    assert by_name["Standard_NC6s_v3"]["hourlyUsd"] is None
    assert by_name["Standard_NC6s_v3"]["gpus"] == 1


def test_sizes_default_to_the_apps_region_and_refuse_a_malformed_one(world: World) -> None:
    assert world.call(ep.SIZES).json()["region"] == "eastus"
    bad = world.call(ep.SIZES, query={"region": "East US!"})
    assert bad.status == 400
    assert bad.json()["errors"][0]["field"] == "region"


def test_openapi_json_is_served_as_openapi_3_1(world: World) -> None:
    response = world.call(ep.OPENAPI)

    assert response.status == 200
    assert response.json()["openapi"] == "3.1.0"


def test_a_wrong_method_is_405_with_the_allowed_ones(world: World) -> None:
    response = world.call(ep.VM_START, "GET", params={"name": "alice-lab"})

    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert response.content_type == "application/problem+json"


def test_an_unknown_path_under_v1_is_a_404_problem(world: World) -> None:
    response = world.call(ep.FALLBACK, "GET", params={"rest": "etc/passwd"})

    assert response.status == 404
    assert response.json()["type"] == "https://beast.dev/problems/not-found"
