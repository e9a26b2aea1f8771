"""End to end: every endpoint over HTTP through the local host, Azurite and the ARM simulator."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.host.launch import RunningHost
from tests.http_api.conftest import SSH_KEY

POLL_TIMEOUT = 60.0


class Client:
    """A requests session that sends the function key and speaks JSON to /api/v1."""

    def __init__(self, host: RunningHost) -> None:
        self.host = host
        self.session = requests.Session()
        self.session.trust_env = False  # never route 127.0.0.1 through a proxy
        self.session.headers["x-functions-key"] = host.function_key or ""

    def url(self, path: str) -> str:
        return self.host.url("/api/v1/" + path.lstrip("/"))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url(path), timeout=30, **kwargs)

    def raw(self, method: str, target: str, *, body: bytes = b"") -> tuple[int, dict[str, str]]:
        """Send ``target`` exactly as given (no dot-segment clean-up by the client)."""
        where = urlsplit(self.host.base_url)
        connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
        try:
            connection.request(
                method, target, body=body, headers={"x-functions-key": self.host.function_key or ""}
            )
            answer = connection.getresponse()
            payload = answer.read()
            return answer.status, json.loads(payload) if payload else {}
        finally:
            connection.close()

    def wait(self, operation_id: str) -> dict[str, Any]:
        """Poll an operation until it is done, as a client following Retry-After would."""
        deadline = time.monotonic() + POLL_TIMEOUT
        while True:
            answer = self.request("GET", f"operations/{operation_id}")
            assert answer.status_code == 200, answer.text
            operation: dict[str, Any] = answer.json()
            if operation["state"] in {"succeeded", "failed"}:
                return operation
            assert time.monotonic() < deadline, f"operation still {operation['state']}"
            time.sleep(0.2)  # shorter than Retry-After: the simulator is fast


@pytest.fixture(scope="module")
def client(api_host: RunningHost) -> Iterator[Client]:
    """A client of the session's host; deletes what it created at the end."""
    made = Client(api_host)
    yield made
    for vm in made.request("GET", "vms").json().get("vms", []):
        if vm["state"] not in {"deleting", "deleted"}:
            made.request("DELETE", f"vms/{vm['name']}")


def _problem(answer: requests.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    document: dict[str, Any] = answer.json()
    assert document["status"] == status
    assert document["type"].startswith("https://beast.dev/problems/")
    assert "Traceback" not in answer.text
    return document


def test_a_vm_lives_its_whole_life_through_the_api(client: Client) -> None:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    created = client.request(
        "POST",
        "vms",
        json={
            "name": name,
            "size": "E4s_v3",
            "diskGb": 128,
            "ttl": "8h",
            "sshPublicKey": SSH_KEY,
        },
    )
    assert created.status_code == 202, created.text
    assert created.headers["Location"] == f"/api/v1/operations/{created.json()['id']}"
    assert int(created.headers["Retry-After"]) > 0

    deployed = client.wait(created.json()["id"])
    assert deployed["state"] == "succeeded", deployed
    vm = client.request("GET", f"vms/{name}").json()
    assert vm["state"] == "running"
    assert vm["owner"] == "aad:dev@example.com"
    assert vm["size"] == "Standard_E4s_v3"
    assert name in [v["name"] for v in client.request("GET", "vms").json()["vms"]]
    assert name in [
        v["name"] for v in client.request("GET", "vms", params={"state": "running"}).json()["vms"]
    ]

    kept = client.request("POST", f"vms/{name}/keep", json={"hours": 4})
    assert kept.status_code == 200, kept.text
    assert kept.json()["keepUntil"] is not None

    stop = client.request("POST", f"vms/{name}/stop")
    assert stop.status_code == 202, stop.text
    assert client.wait(stop.json()["id"])["state"] == "succeeded"
    assert client.request("GET", f"vms/{name}").json()["state"] == "stopped"

    start = client.request("POST", f"vms/{name}/start")
    assert start.status_code == 202, start.text
    assert client.wait(start.json()["id"])["state"] == "succeeded"

    key = {"Idempotency-Key": f"delete-{name}"}
    delete = client.request("DELETE", f"vms/{name}", headers=key)
    assert delete.status_code == 202, delete.text
    again = client.request("DELETE", f"vms/{name}", headers=key)
    assert again.status_code == 202
    assert again.headers["Location"] == delete.headers["Location"]
    assert client.wait(delete.json()["id"])["kind"] == "delete"


def test_create_with_an_idempotency_key_twice_makes_one_vm(client: Client) -> None:
    name = f"idem-{uuid.uuid4().hex[:8]}"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = client.request("POST", "vms", json={"name": name, "sshPublicKey": SSH_KEY}, headers=key)
    again = client.request("POST", "vms", json={"name": name, "sshPublicKey": SSH_KEY}, headers=key)
    other = client.request(
        "POST", "vms", json={"name": name + "x", "sshPublicKey": SSH_KEY}, headers=key
    )

    assert first.status_code == again.status_code == 202, first.text
    assert again.json()["id"] == first.json()["id"]
    assert _problem(other, 422)["type"].endswith("/idempotency-key-reuse")
    client.wait(first.json()["id"])
    client.request("DELETE", f"vms/{name}")


def test_sizes_come_from_the_regions_catalogue_with_quota_left(client: Client) -> None:
    answer = client.request("GET", "sizes", params={"region": "eastus"})

    assert answer.status_code == 200, answer.text
    sizes = answer.json()["sizes"]
    assert sizes
    e4 = next(size for size in sizes if size["name"] == "Standard_E4s_v3")
    assert e4["vcpus"] == 4
    assert e4["memoryGb"] == 32
    assert isinstance(e4["quotaLeft"], int)


def test_sizes_carry_the_retail_hourly_price(client: Client) -> None:
    answer = client.request("GET", "sizes", params={"region": "eastus"})

    assert answer.status_code == 200, answer.text
    by_name = {size["name"]: size for size in answer.json()["sizes"]}
    # The simulator's Linux pay-as-you-go price: 4 vCPUs at $0.063 (not Windows, not Spot).
    assert by_name["Standard_E4s_v3"]["hourlyUsd"] == 0.252
    assert all(isinstance(size["hourlyUsd"], float) for size in by_name.values())


def test_openapi_json_is_served_and_names_every_path(client: Client) -> None:
    answer = client.request("GET", "openapi.json")

    assert answer.status_code == 200
    paths = answer.json()["paths"]
    assert {"/vms", "/vms/{name}", "/vms/{name}/start", "/operations/{id}", "/sizes"} <= set(paths)


def test_without_the_function_key_the_host_refuses(client: Client) -> None:
    session = requests.Session()
    session.trust_env = False

    answer = session.get(client.url("vms"), timeout=30)

    assert answer.status_code == 401


def test_unknown_vm_and_operation_are_404_problems(client: Client) -> None:
    _problem(client.request("GET", "vms/no-such-vm"), 404)
    _problem(client.request("GET", f"operations/{'0' * 32}"), 404)


def test_malformed_json_is_400(client: Client) -> None:
    answer = client.request(
        "POST", "vms", data=b'{"name": ', headers={"Content-Type": "application/json"}
    )

    assert _problem(answer, 400)["errors"][0]["field"] == "body"


def test_a_wrong_type_is_400_naming_the_field(client: Client) -> None:
    answer = client.request("POST", "vms", json={"diskGb": "lots"})

    assert _problem(answer, 400)["errors"] == [
        {"field": "diskGb", "message": "Must be a whole number."}
    ]


def test_an_unknown_field_is_400_naming_it(client: Client) -> None:
    answer = client.request("POST", "vms", json={"colour": "blue"})

    assert _problem(answer, 400)["errors"][0]["field"] == "colour"


def test_an_oversized_body_is_413(client: Client) -> None:
    answer = client.request("POST", "vms", json={"sshPublicKey": "x" * 70_000})

    _problem(answer, 413)


def test_a_form_body_is_415(client: Client) -> None:
    answer = client.request("POST", "vms", data={"name": "lab"})

    _problem(answer, 415)


def test_a_wrong_method_is_405_with_allow(client: Client) -> None:
    answer = client.request("PUT", "vms")

    _problem(answer, 405)
    assert answer.headers["Allow"] == "GET, POST"


@pytest.mark.parametrize(
    "segment",
    ["%2e%2e", "..%2fetc", "a" * 500, "%F0%9F%9A%80lab", "%C3%BCn%C3%AFcode", "lab%0a", "Lab"],
    ids=["encoded-dotdot", "encoded-slash", "very-long", "emoji", "unicode", "newline", "upper"],
)
def test_odd_vm_names_in_the_path_get_a_clear_4xx(client: Client, segment: str) -> None:
    status, problem = client.raw("GET", f"/api/v1/vms/{segment}")

    assert 400 <= status < 500
    assert problem["type"].startswith("https://beast.dev/problems/")


@pytest.mark.parametrize(
    "target", ["/api/v1/vms/../etc", "/api/v1/vms/../../etc/passwd", "/api/v1/vms/a/b/c"]
)
def test_paths_that_name_no_endpoint_are_404_problems(client: Client, target: str) -> None:
    status, problem = client.raw("GET", target)

    assert status == 404
    assert problem["type"] == "https://beast.dev/problems/not-found"


def test_unicode_and_emoji_in_the_body_get_a_clear_400(client: Client) -> None:
    answer = client.request("POST", "vms", json={"name": "läb-🚀", "region": "東京"})

    problem = _problem(answer, 400)
    assert sorted(error["field"] for error in problem["errors"]) == ["name", "region"]


def test_forged_easy_auth_headers_are_ignored_when_easy_auth_is_not_trusted(
    client: Client,
) -> None:
    answer = client.request(
        "GET", "vms", params={"all": "true"}, headers={"X-MS-CLIENT-PRINCIPAL-NAME": "boss@x.com"}
    )

    _problem(answer, 403)  # still the development identity, who is no admin
