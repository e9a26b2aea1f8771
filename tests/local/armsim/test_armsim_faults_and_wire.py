"""ARM wire behaviour through the SDKs: retried throttling, error bodies, headers, request log."""

from __future__ import annotations

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim


def test_a_throttled_get_is_retried_by_the_sdk(
    arm: ArmSim, resources: ResourceManagementClient
) -> None:
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})
    arm.sim_post(
        "/_sim/faults",
        {
            "kind": "throttle",
            "method": "GET",
            "path": "/resourcegroups/rg1$",
            "count": 1,
            "retry_after": 0,
        },
    )

    got = resources.resource_groups.get("rg1")

    assert got.name == "rg1"
    gets = arm.requests_log(method="GET", path="/resourcegroups/rg1$")
    assert [g["status"] for g in gets] == [429, 200]
    assert gets[0]["client_request_id"] == gets[1]["client_request_id"]
    assert gets[0]["error_code"] == "SubscriptionRequestsThrottled"


def test_persistent_server_errors_surface_after_retries(
    arm: ArmSim, resources: ResourceManagementClient
) -> None:
    arm.sim_post(
        "/_sim/faults",
        {
            "kind": "error",
            "method": "GET",
            "path": "/resourcegroups/rg1$",
            "count": 10,
            "status": 503,
            "code": "ServiceUnavailable",
            "retry_after": 0,
        },
    )
    quick = arm.client(ResourceManagementClient, retry_backoff_factor=0.01)

    with pytest.raises(HttpResponseError) as caught:
        quick.resource_groups.get("rg1")

    assert caught.value.status_code == 503
    assert len(arm.requests_log(method="GET", path="/resourcegroups/rg1$")) == 4


def test_slow_fault_delays_but_does_not_fail(
    arm: ArmSim, resources: ResourceManagementClient
) -> None:
    arm.sim_post("/_sim/faults", {"kind": "slow", "path": "/resourcegroups/rg1$", "delay_ms": 50})

    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})

    assert arm.sim_get("/_sim/faults")["faults"] == []


def test_responses_carry_arm_headers(resources: ResourceManagementClient) -> None:
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})

    headers = resources.resource_groups.get(
        "rg1", cls=lambda resp, model, hdrs: resp.http_response.headers
    )

    assert headers["x-ms-request-id"]
    assert headers["x-ms-correlation-request-id"]
    assert int(headers["x-ms-ratelimit-remaining-subscription-reads"]) > 0
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_missing_api_version_is_refused(arm: ArmSim, resources: ResourceManagementClient) -> None:
    response = resources.send_request(
        HttpRequest("GET", f"{arm.url}/subscriptions/{arm.subscription_id}/resourcegroups")
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_missing_bearer_token_is_authentication_failed(arm: ArmSim) -> None:
    # A bare azure-core pipeline: no authentication policy, so no Authorization header.
    with PipelineClient(arm.url, connection_verify=arm.ca_bundle) as client:
        response = client.send_request(
            HttpRequest(
                "GET",
                f"{arm.url}/subscriptions/{arm.subscription_id}/resourcegroups?api-version=2025-04-01",
            )
        )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"


def test_unknown_subscription_is_subscription_not_found(arm: ArmSim) -> None:
    other = arm.client(ResourceManagementClient)
    other._config.subscription_id = "00000000-0000-0000-0000-000000000001"

    with pytest.raises(HttpResponseError) as caught:
        other.resource_groups.get("rg1")

    assert caught.value.error.code == "SubscriptionNotFound"


def test_request_log_records_method_path_and_status(
    arm: ArmSim, resources: ResourceManagementClient
) -> None:
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})
    resources.resource_groups.check_existence("nope")

    log = [
        (r["method"], r["path"].rsplit("/", 1)[-1], r["status"])
        for r in arm.requests_log(path="/resourcegroups/")
    ]

    assert log == [("PUT", "rg1", 201), ("HEAD", "nope", 404)]
