"""What real HTTP clients send that the happy path does not: HEAD, repeated query parameters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from beast.http_api import endpoints as ep
from local.host.launch import RunningHost
from tests.http_api.conftest import World


@pytest.fixture(scope="module")
def http(api_host: RunningHost) -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # never route 127.0.0.1 through a proxy
    session.headers["x-functions-key"] = api_host.function_key or ""
    yield session
    session.close()


def test_head_is_answered_like_get_without_a_body(world: World) -> None:
    response = world.call(ep.OPENAPI, "HEAD")

    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.body == b""


def test_head_where_there_is_no_get_is_still_405(world: World) -> None:
    response = world.call(ep.VM_START, "HEAD", params={"name": "alice-lab"})

    assert response.status == 405
    assert response.headers["Allow"] == "POST"


def test_head_through_the_host_is_200_like_get(
    http: requests.Session, api_host: RunningHost
) -> None:
    answer = http.head(api_host.url("/api/v1/vms"), timeout=30)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ("/api/v1/vms?state=running&state=stopped", "state"),
        ("/api/v1/vms?all=false&all=true", "all"),
        ("/api/v1/sizes?region=eastus&region=westus", "region"),
    ],
)
def test_a_query_parameter_given_twice_is_a_400_naming_it(
    http: requests.Session, api_host: RunningHost, target: str, field: str
) -> None:
    # Silently using one of the two values would answer a question nobody asked.
    answer = http.get(api_host.url(target), timeout=30)

    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == "https://beast.dev/problems/validation"
    assert [error["field"] for error in problem["errors"]] == [field]
