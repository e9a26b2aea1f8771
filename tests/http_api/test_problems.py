"""Errors as RFC 9457 problems: stable types, BeastError statuses, no stack traces."""

from __future__ import annotations

import logging

import pytest

from beast.errors import QuotaError, ThrottledError, UnknownSizeError
from beast.http_api import ApiContext, ApiRequest, handle
from beast.http_api import endpoints as ep
from beast.http_api.problems import PROBLEM_BASE, PROBLEM_TITLES, from_beast_error
from tests.http_api.conftest import SSH_KEY, World


def test_an_unexpected_exception_is_a_500_problem_with_a_correlation_id_and_no_trace(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.arm.failure = KeyError("secret-internal-detail")  # a failure nobody planned for

    with caplog.at_level(logging.ERROR, logger="beast.http_api"):
        response = world.call(ep.SIZES)

    assert response.status == 500
    problem = response.json()
    assert problem["type"] == PROBLEM_BASE + "internal"
    assert problem["correlationId"] in problem["detail"]
    assert b"secret-internal-detail" not in response.body
    assert b"Traceback" not in response.body
    assert problem["correlationId"] in caplog.text
    assert "secret-internal-detail" in caplog.text  # the log keeps what the caller does not see


def test_a_context_that_cannot_be_built_is_a_500_problem_too() -> None:
    def broken() -> ApiContext:
        raise RuntimeError("storage connection string is rubbish")

    request = ApiRequest(method="GET", path="/api/v1/vms")
    response = handle(ep.VMS, request, context=broken)

    assert response.status == 500
    assert b"rubbish" not in response.body


def test_a_limit_error_keeps_its_status_and_stable_type(world: World) -> None:
    for number in range(world.settings.max_vms_per_user):
        world.call(ep.VMS, "POST", json_body={"name": f"lab-{number}", "sshPublicKey": SSH_KEY})

    response = world.call(ep.VMS, "POST", json_body={"name": "lab-extra", "sshPublicKey": SSH_KEY})

    assert response.status == 409
    assert response.json()["type"] == PROBLEM_BASE + "limit"
    assert response.json()["title"] == PROBLEM_TITLES["limit"][1]
    assert response.json()["detail"]


def test_quota_and_unknown_size_problems_carry_their_numbers_and_suggestions() -> None:
    quota = from_beast_error(
        QuotaError("E64s_v3 needs 64 vCPUs.", family="ESv3", limit=20, used=4, required=64),
        instance="/api/v1/vms",
    ).json()
    unknown = from_beast_error(
        UnknownSizeError("There is no VM size E4z.", suggestions=["Standard_E4s_v3"]),
        instance="/api/v1/vms",
    ).json()

    assert quota["status"] == 422
    assert quota["quota"] == {"family": "ESv3", "limit": 20, "used": 4, "required": 64}
    assert unknown["suggestions"] == ["Standard_E4s_v3"]


def test_throttling_says_when_to_retry() -> None:
    response = from_beast_error(ThrottledError("Slow down.", retry_after=17.4), instance="/x")

    assert response.status == 503
    assert response.headers["Retry-After"] == "17"


def test_every_problem_code_has_a_type_under_the_documented_base() -> None:
    for code, (status, title) in PROBLEM_TITLES.items():
        assert 400 <= status <= 599
        assert title
        assert (PROBLEM_BASE + code).startswith("https://beast.dev/problems/")
