"""The local host serves HTTP triggers as the Functions host does: routes, keys, pass-through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local.host.launch import RunningHost, start_host, write_local_settings

FUNCTION_KEY = "test-function-key"
MASTER_KEY = "test-master-key"


@pytest.fixture(scope="module")
def http_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    settings = write_local_settings(
        tmp_path_factory.mktemp("http") / "local.settings.json",
        function_key=FUNCTION_KEY,
        master_key=MASTER_KEY,
    )
    host = start_host(app="tests.local.host_apps.http_app:app", settings=settings)
    yield host
    host.stop()


@pytest.fixture
def client() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def test_route_parameters_reach_the_function(
    http_host: RunningHost, client: requests.Session
) -> None:
    answer = client.get(http_host.url("/api/echo/42/ada"))
    assert answer.status_code == 200
    assert answer.json()["route_params"] == {"id": "42", "name": "ada"}


def test_optional_route_parameter_may_be_left_out(
    http_host: RunningHost, client: requests.Session
) -> None:
    answer = client.get(http_host.url("/api/echo/7"))
    assert answer.status_code == 200
    assert answer.json()["route_params"] == {"id": "7"}


def test_int_constraint_refuses_text_with_404(
    http_host: RunningHost, client: requests.Session
) -> None:
    assert client.get(http_host.url("/api/echo/seven")).status_code == 404


def test_literal_route_wins_over_parameter_route(
    http_host: RunningHost, client: requests.Session
) -> None:
    assert client.get(http_host.url("/api/things/new")).text == "literal"
    assert client.get(http_host.url("/api/things/old")).text == "thing old"


def test_routes_live_under_the_route_prefix(
    http_host: RunningHost, client: requests.Session
) -> None:
    assert client.get(http_host.url("/echo/1")).status_code == 404


def test_method_the_function_does_not_list_is_404_as_on_azure(
    http_host: RunningHost, client: requests.Session
) -> None:
    assert client.delete(http_host.url("/api/echo/1")).status_code == 404
    assert client.post(http_host.url("/api/things/new")).status_code == 404


def test_method_headers_query_and_body_reach_the_function(
    http_host: RunningHost, client: requests.Session
) -> None:
    answer = client.post(
        http_host.url("/api/echo/1?colour=blue&empty="),
        data=b'{"size": "E4s_v3"}',
        headers={"X-Beast-Probe": "probe-value"},
    )
    seen = answer.json()
    assert seen["method"] == "POST"
    assert seen["params"] == {"colour": "blue", "empty": ""}
    assert seen["header"] == "probe-value"
    assert seen["body"] == '{"size": "E4s_v3"}'
    assert seen["url"].endswith("/api/echo/1?colour=blue&empty=")


def test_response_status_headers_and_body_come_back_unchanged(
    http_host: RunningHost, client: requests.Session
) -> None:
    answer = client.get(http_host.url("/api/echo/1?status=418"))
    assert answer.status_code == 418
    assert answer.headers["x-beast-echo"] == "yes"
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["route_params"] == {"id": "1"}


def test_function_route_without_a_key_is_401(
    http_host: RunningHost, client: requests.Session
) -> None:
    assert client.get(http_host.url("/api/keyed")).status_code == 401
    assert client.get(http_host.url("/api/keyed?code=wrong")).status_code == 401


def test_function_route_opens_with_the_function_key_as_code_or_header(
    http_host: RunningHost, client: requests.Session
) -> None:
    assert client.get(http_host.url(f"/api/keyed?code={FUNCTION_KEY}")).text == "opened"
    answer = client.get(http_host.url("/api/keyed"), headers={"x-functions-key": FUNCTION_KEY})
    assert answer.text == "opened"


def test_master_key_opens_function_routes_too(
    http_host: RunningHost, client: requests.Session
) -> None:
    assert client.get(http_host.url(f"/api/keyed?code={MASTER_KEY}")).status_code == 200


def test_admin_route_needs_the_master_key(http_host: RunningHost, client: requests.Session) -> None:
    assert client.get(http_host.url(f"/api/admin-only?code={FUNCTION_KEY}")).status_code == 401
    assert client.get(http_host.url(f"/api/admin-only?code={MASTER_KEY}")).text == "admin"


def test_function_that_raises_answers_500(http_host: RunningHost, client: requests.Session) -> None:
    assert client.get(http_host.url("/api/broken")).status_code == 500


def test_host_prints_the_url_it_chose_for_port_zero(http_host: RunningHost) -> None:
    assert http_host.base_url.startswith("http://127.0.0.1:")
    assert not http_host.base_url.endswith(":0")


def test_admin_invoke_needs_the_master_key(
    http_host: RunningHost, client: requests.Session
) -> None:
    answer = client.post(
        http_host.url("/admin/functions/echo"),
        json={"input": ""},
        headers={"x-functions-key": FUNCTION_KEY},
    )
    assert answer.status_code == 401
