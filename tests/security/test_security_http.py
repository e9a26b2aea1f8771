"""HTTP API: only owners and admins act on a VM, identities cannot be forged, no 5xx for junk."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from beast.http_api import endpoints as ep
from beast.models import VmState
from beast.requests import build_request
from tests.core.core_env import make_settings as core_settings
from tests.http_api.conftest import SSH_KEY, World, build_world, make_settings

NEW_VM = {"size": "E4s_v3", "diskGb": 64, "name": "alice-lab", "sshPublicKey": SSH_KEY}


def as_(world: World, principal: str, **settings: str) -> World:
    """The same Beast, called by another development identity."""
    return replace(world, settings=make_settings(BEAST_DEV_IDENTITY=principal, **settings))


@pytest.fixture
def lab() -> World:
    """Alice's running VM ``alice-lab``, on Beast over in-memory doubles."""
    world = build_world(make_settings())
    assert world.call(ep.VMS, "POST", json_body=NEW_VM).status == 202
    world.beast.mutate("alice-lab", lambda vm: vm.evolve(state=VmState.RUNNING))
    return world


@pytest.mark.parametrize(
    ("endpoint", "method", "body"),
    [
        (ep.VM, "GET", None),
        (ep.VM, "DELETE", None),
        (ep.VM_STOP, "POST", None),
        (ep.VM_START, "POST", None),
        (ep.VM_KEEP, "POST", {"hours": 8}),
    ],
)
def test_someone_else_gets_403_on_every_vm_endpoint_and_nothing_changes(
    lab: World, endpoint: ep.Endpoint, method: str, body: Any
) -> None:
    bob = as_(lab, "bob@contoso.com")
    before = lab.vms.get("alice-lab")
    answer = bob.call(endpoint, method, params={"name": "alice-lab"}, json_body=body)
    assert answer.status == 403, answer.json()
    after = lab.vms.get("alice-lab")
    assert (after.state, after.keep_until, after.operation_id) == (
        before.state,
        before.keep_until,
        before.operation_id,
    )
    assert len(lab.queue.jobs) == 1


def test_an_admin_from_beast_admins_may_stop_anyones_vm(lab: World) -> None:
    boss = as_(lab, "Boss@Contoso.com")
    assert boss.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}).status == 202


def test_someone_else_cannot_read_an_operation_by_its_id(lab: World) -> None:
    op_id = lab.vms.get("alice-lab").operation_id
    bob = as_(lab, "bob@contoso.com")
    assert bob.call(ep.OPERATION, params={"id": op_id}).status == 403
    assert lab.call(ep.OPERATION, params={"id": op_id}).status == 200


def test_the_same_idempotency_key_gives_another_caller_their_own_operation(lab: World) -> None:
    key = {"Idempotency-Key": "shared-key-1"}
    first = lab.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}, headers=key)
    assert first.status == 202
    bob = as_(lab, "bob@contoso.com")
    bob.call(ep.VMS, "POST", json_body={**NEW_VM, "name": "bob-lab"})
    bob.beast.mutate("bob-lab", lambda vm: vm.evolve(state=VmState.RUNNING))
    second = bob.call(ep.VM_STOP, "POST", params={"name": "bob-lab"}, headers=key)
    assert second.status == 202
    assert second.json()["id"] != first.json()["id"]
    replay_on_alices = bob.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}, headers=key)
    assert replay_on_alices.status in {403, 422}
    assert lab.vms.get("alice-lab").state is VmState.STOPPING


def _principal(name: str) -> str:
    claims = [{"typ": "preferred_username", "val": name}]
    return base64.b64encode(json.dumps({"claims": claims}).encode()).decode()


def test_easy_auth_headers_cannot_name_an_admin_when_easy_auth_is_not_trusted(lab: World) -> None:
    forged = {
        "X-MS-CLIENT-PRINCIPAL": _principal("boss@contoso.com"),
        "X-MS-CLIENT-PRINCIPAL-NAME": "boss@contoso.com",
    }
    bob = as_(lab, "bob@contoso.com", BEAST_TRUST_EASY_AUTH="false")
    assert bob.call(ep.VM_STOP, "POST", params={"name": "alice-lab"}, headers=forged).status == 403
    assert bob.call(ep.VMS, query={"all": "true"}, headers=forged).status == 403


def test_without_easy_auth_or_a_development_identity_every_endpoint_is_401(lab: World) -> None:
    nobody = replace(lab, settings=make_settings(BEAST_DEV_IDENTITY=""))
    forged = {"X-MS-CLIENT-PRINCIPAL-NAME": "alice@contoso.com"}
    for endpoint, method in [(ep.VMS, "GET"), (ep.VM, "GET"), (ep.VM_STOP, "POST")]:
        answer = nobody.call(endpoint, method, params={"name": "alice-lab"}, headers=forged)
        assert answer.status == 401


# --- junk input: 4xx, never 5xx, never unbounded work ---------------------------------


@pytest.mark.parametrize(
    ("endpoint", "method", "kwargs"),
    [
        (ep.VM_KEEP, "POST", {"json_body": {"hours": 10**30}}),
        (ep.VM_KEEP, "POST", {"json_body": {"hours": 1e308}}),
        (ep.VM_KEEP, "POST", {"json_body": {"hours": -1}}),
        (ep.VMS, "GET", {"query": {"state": "running' or 1 eq 1"}}),
        (ep.VMS, "GET", {"query": {"all": "1 or true"}}),
        (ep.SIZES, "GET", {"query": {"region": "eastus' or location ne 'x"}}),
        (ep.SIZES, "GET", {"query": {"region": "eastus\n"}}),
        (ep.SIZES, "GET", {"query": {"region": "x" * 5000}}),
        (ep.VMS, "POST", {"json_body": {**NEW_VM, "region": "east'us"}}),
        (ep.VMS, "POST", {"json_body": {**NEW_VM, "ttl": "99999999d"}}),
        (ep.VMS, "POST", {"json_body": {**NEW_VM, "name": "a/../../b"}}),
        (ep.VMS, "POST", {"json_body": {**NEW_VM, "name": "alice'lab"}}),
        (ep.VMS, "POST", {"json_body": {**NEW_VM, "diskGb": 10**400}}),
        (ep.VM, "GET", {"params": {"name": "alice-lab' or PartitionKey ne '"}}),
        (ep.VM, "GET", {"params": {"name": "../operations/x"}}),
        (ep.OPERATION, "GET", {"params": {"id": "x' or RowKey ne '"}}),
        (ep.OPERATION, "GET", {"params": {"id": "a/b"}}),
    ],
)
def test_junk_input_is_a_4xx_problem_never_a_5xx(
    lab: World, endpoint: ep.Endpoint, method: str, kwargs: dict[str, Any]
) -> None:
    kwargs.setdefault("params", {"name": "alice-lab"})
    answer = lab.call(endpoint, method, **kwargs)
    assert 400 <= answer.status < 500, (answer.status, answer.body[:300])
    assert b"Traceback" not in answer.body
    assert answer.content_type == "application/problem+json"


# --- network rules ---------------------------------------------------------------------


def _prefixes(*ranges: str, **settings: str) -> tuple[str, ...]:
    request = build_request(
        size=None,
        disk_gb=None,
        disk_type=None,
        variant=None,
        name=None,
        region=None,
        ttl=None,
        ssh_public_key=None,
        allowed_source_prefixes=list(ranges),
        settings=core_settings(**settings),
    )
    return request.allowed_source_prefixes


@pytest.mark.parametrize(
    "ranges",
    [
        ["0.0.0.0/1", "128.0.0.0/1"],
        [f"{n * 16}.0.0.0/4" for n in range(16)],
        ["0.0.0.0/8"],
        ["10.0.0.0/8"],
        [f"203.0.{n}.0/24" for n in range(33)],
    ],
)
def test_no_set_of_ranges_opens_more_than_the_settings_allow(ranges: list[str]) -> None:
    from beast.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        _prefixes(*ranges)  # the setting is 203.0.113.0/24
    assert "allowedSourcePrefixes" in refused.value.fields


def test_a_person_may_narrow_the_setting_to_their_own_address() -> None:
    assert _prefixes("198.51.100.7", "198.51.100.7/32") == ("198.51.100.7/32",)


def test_an_admin_may_allow_broader_ranges_in_the_settings() -> None:
    assert _prefixes("10.0.0.0/8", BEAST_ALLOWED_SOURCE_PREFIXES="10.0.0.0/8") == ("10.0.0.0/8",)


def test_without_from_the_vm_gets_exactly_the_setting() -> None:
    request = build_request(
        size=None,
        disk_gb=None,
        disk_type=None,
        variant=None,
        name=None,
        region=None,
        ttl=None,
        ssh_public_key=None,
        allowed_source_prefixes=None,
        settings=core_settings(),
    )
    assert request.allowed_source_prefixes == ("203.0.113.0/24",)
