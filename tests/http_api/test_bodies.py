"""Request bodies: size, media type, strict JSON, declared fields only, clear 4xx for each."""

from __future__ import annotations

import json

import pytest

from beast.http_api import endpoints as ep
from beast.http_api.body import MAX_BODY_BYTES
from tests.http_api.conftest import SSH_KEY, World


def _problem_fields(response_json: dict[str, object]) -> list[object]:
    errors = response_json["errors"]
    assert isinstance(errors, list)
    return [error["field"] for error in errors]


def test_a_body_over_64_kib_is_413(world: World) -> None:
    body = b'{"name": "' + b"a" * MAX_BODY_BYTES + b'"}'

    response = world.call(ep.VMS, "POST", body=body, headers={"Content-Type": "application/json"})

    assert response.status == 413
    assert response.json()["type"] == "https://beast.dev/problems/payload-too-large"
    assert world.queue.jobs == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_json_by_content_type_is_415(world: World, content_type: str) -> None:
    response = world.call(
        ep.VMS, "POST", body=b'{"name": "alice-lab"}', headers={"Content-Type": content_type}
    )

    assert response.status == 415
    assert response.content_type == "application/problem+json"


def test_json_with_a_charset_is_accepted(world: World) -> None:
    response = world.call(
        ep.VMS,
        "POST",
        body=json.dumps({"name": "alice-lab", "sshPublicKey": SSH_KEY}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status == 202


@pytest.mark.parametrize(
    "body",
    [b'{"name": ', b"{'name': 'x'}", b'{"diskGb": NaN}', b'{"a": 1, "a": 2}', b"\xff\xfe{}"],
    ids=["truncated", "single-quotes", "nan", "duplicate-key", "not-utf8"],
)
def test_malformed_json_is_a_400_validation_problem(world: World, body: bytes) -> None:
    response = world.call(ep.VMS, "POST", body=body, headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert _problem_fields(response.json()) == ["body"]


def test_deeply_nested_json_is_a_400_not_a_crash(world: World) -> None:
    body = b"[" * 30000 + b"]" * 30000

    response = world.call(ep.VMS, "POST", body=body, headers={"Content-Type": "application/json"})

    assert response.status == 400


@pytest.mark.parametrize("document", [[], "vm", 3, None], ids=["array", "string", "number", "null"])
def test_a_body_that_is_not_an_object_is_400(world: World, document: object) -> None:
    response = world.call(
        ep.VMS,
        "POST",
        body=json.dumps(document).encode(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 400


def test_an_empty_body_on_post_vms_is_400(world: World) -> None:
    response = world.call(ep.VMS, "POST", headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert _problem_fields(response.json()) == ["body"]


def test_unknown_fields_are_rejected_by_name(world: World) -> None:
    response = world.call(
        ep.VMS, "POST", json_body={"name": "alice-lab", "disk_gb": 100, "sshPublicKey": SSH_KEY}
    )

    assert response.status == 400
    assert response.json()["errors"] == [{"field": "disk_gb", "message": "Unknown field."}]
    assert world.queue.jobs == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("diskGb", "1000"),
        ("diskGb", True),
        ("diskGb", 1.5),
        ("size", 4),
        ("allowedSourcePrefixes", "203.0.113.7/32"),
        ("allowedSourcePrefixes", [7]),
        ("variant", "JUPYTER"),
    ],
)
def test_a_field_of_the_wrong_type_is_named_in_the_problem(
    world: World, field: str, value: object
) -> None:
    response = world.call(ep.VMS, "POST", json_body={field: value})

    assert response.status == 400
    assert _problem_fields(response.json()) == [field]


def test_every_bad_field_is_reported_at_once(world: World) -> None:
    response = world.call(
        ep.VMS, "POST", json_body={"diskGb": 5, "region": "Mars Base", "ttl": "forever"}
    )

    assert response.status == 400
    assert sorted(_problem_fields(response.json())) == ["diskGb", "region", "ttl"]


def test_null_fields_mean_the_defaults(world: World) -> None:
    response = world.call(
        ep.VMS, "POST", json_body={"name": "alice-lab", "size": None, "sshPublicKey": SSH_KEY}
    )

    assert response.status == 202
    assert world.vms.get("alice-lab").size == "Standard_E4s_v3"


def test_the_core_validator_speaks_through_the_same_problem_shape(world: World) -> None:
    response = world.call(ep.VMS, "POST", json_body={"allowedSourcePrefixes": ["0.0.0.0/0"]})

    assert response.status == 400
    problem = response.json()
    assert problem["type"] == "https://beast.dev/problems/validation"
    assert _problem_fields(problem) == ["allowedSourcePrefixes"]
    assert "whole internet" in problem["errors"][0]["message"]


@pytest.mark.parametrize(
    "name",
    ["../etc", "..", "%2e%2e", "a" * 300, "lab-🚀", "Alice-Lab", "lab\n", "ünïcode"],
    ids=[
        "traversal",
        "dotdot",
        "encoded-dotdot",
        "very-long",
        "emoji",
        "upper",
        "newline",
        "unicode",
    ],
)
def test_odd_names_in_the_path_are_a_400_naming_the_field(world: World, name: str) -> None:
    for endpoint, method in [(ep.VM, "GET"), (ep.VM, "DELETE"), (ep.VM_STOP, "POST")]:
        response = world.call(endpoint, method, params={"name": name})

        assert response.status == 400, (endpoint.route, method)
        assert _problem_fields(response.json()) == ["name"]
        assert len(response.body) < 2000  # a long name is not echoed back whole


@pytest.mark.parametrize("name", ["../etc", "a" * 300, "lab-🚀", "lab\n"])
def test_odd_names_in_the_body_are_a_400(world: World, name: str) -> None:
    response = world.call(ep.VMS, "POST", json_body={"name": name, "sshPublicKey": SSH_KEY})

    assert response.status == 400
    assert _problem_fields(response.json()) == ["name"]


def test_start_takes_no_body_fields(world: World) -> None:
    response = world.call(
        ep.VM_START, "POST", params={"name": "alice-lab"}, json_body={"force": True}
    )

    assert response.status == 400
    assert _problem_fields(response.json()) == ["force"]


def test_problem_bodies_are_ascii_json_even_for_unicode_input(world: World) -> None:
    response = world.call(ep.VMS, "POST", json_body={"名前": "x"})

    assert response.status == 400
    response.body.decode("ascii")
    assert _problem_fields(response.json()) == ["名前"]
