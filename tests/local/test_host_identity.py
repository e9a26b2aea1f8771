"""The local host stands in for App Service's managed identity, so DefaultAzureCredential works."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from local.host.identity import IdentityEndpoint
from local.host.launch import RunningHost, start_host, write_local_settings


@pytest.fixture(scope="module")
def identity_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    settings = write_local_settings(tmp_path_factory.mktemp("identity") / "local.settings.json")
    host = start_host(app="tests.local.host_apps.http_app:app", settings=settings)
    yield host
    host.stop()


def test_default_azure_credential_in_the_app_gets_an_arm_token(identity_host: RunningHost) -> None:
    session = requests.Session()
    session.trust_env = False
    answer = session.get(identity_host.url("/api/token"))
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["token"]
    assert token["expires_on"] > time.time() + 3600


def test_token_request_without_the_identity_header_is_refused(identity_host: RunningHost) -> None:
    session = requests.Session()
    session.trust_env = False
    answer = session.get(
        identity_host.url("/msi/token"),
        params={"api-version": "2019-08-01", "resource": "https://management.azure.com"},
    )
    assert answer.status_code == 401


def test_token_answer_has_the_app_service_fields() -> None:
    endpoint = IdentityEndpoint()
    answer = endpoint.answer(
        header=endpoint.secret,
        query={"api-version": "2019-08-01", "resource": "https://management.azure.com"},
    )
    assert answer.status == 200
    assert set(answer.document) == {
        "access_token",
        "expires_on",
        "resource",
        "token_type",
        "client_id",
    }
    assert answer.document["resource"] == "https://management.azure.com"
    assert answer.document["token_type"] == "Bearer"
    assert int(answer.document["expires_on"]) > time.time()


def test_token_request_needs_a_resource() -> None:
    endpoint = IdentityEndpoint()
    answer = endpoint.answer(header=endpoint.secret, query={"api-version": "2019-08-01"})
    assert answer.status == 400


def test_identity_environment_points_at_the_hosts_port() -> None:
    endpoint = IdentityEndpoint()
    environment = endpoint.environment("http://127.0.0.1:7123")
    assert environment == {
        "IDENTITY_ENDPOINT": "http://127.0.0.1:7123/msi/token",
        "IDENTITY_HEADER": endpoint.secret,
    }
