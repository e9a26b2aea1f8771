"""The OpenAPI document describes every endpoint, method, body and problem the API has."""

from __future__ import annotations

import re

from beast.http_api.endpoints import ENDPOINTS, FALLBACK
from beast.http_api.fields import CREATE_VM_FIELDS
from beast.http_api.openapi import openapi_document
from beast.http_api.problems import PROBLEM_BASE, PROBLEM_TITLES
from beast.http_api.representation import operation_json, size_json, vm_json
from beast.ports import SizeOffer
from tests.factories import make_operation, make_size, make_vm


def _path(route: str) -> str:
    return "/" + route.removeprefix("v1/")


def test_every_endpoint_and_method_is_in_the_document() -> None:
    paths = openapi_document()["paths"]

    for endpoint in ENDPOINTS:
        if endpoint is FALLBACK:
            continue
        assert _path(endpoint.route) in paths, endpoint.route
        documented = {method.upper() for method in paths[_path(endpoint.route)]} - {"PARAMETERS"}
        assert documented == set(endpoint.methods), endpoint.route


def test_the_create_body_schema_lists_exactly_the_accepted_fields_and_no_others() -> None:
    schema = openapi_document()["components"]["schemas"]["CreateVm"]

    assert set(schema["properties"]) == {field.name for field in CREATE_VM_FIELDS}
    assert schema["additionalProperties"] is False


def test_every_problem_type_is_documented_and_every_status_has_a_problem_response() -> None:
    document = openapi_document()
    types = document["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
    responses = document["components"]["responses"]

    assert types == [PROBLEM_BASE + code for code in PROBLEM_TITLES]
    for status, _ in PROBLEM_TITLES.values():
        assert str(status) in responses
        assert "application/problem+json" in responses[str(status)]["content"]


def test_every_reference_resolves() -> None:
    document = openapi_document()
    text = str(document)

    for ref in set(re.findall(r"'#/components/(\w+)/([\w.]+)'", text)):
        section, name = ref
        assert name in document["components"][section], ref


def test_the_document_declares_openapi_3_1_and_function_key_security() -> None:
    document = openapi_document()

    assert document["openapi"] == "3.1.0"
    schemes = document["components"]["securitySchemes"]
    assert schemes["functionKey"] == {"type": "apiKey", "in": "header", "name": "x-functions-key"}


def test_the_vm_schema_lists_exactly_the_fields_a_vm_is_shown_with() -> None:
    schema = openapi_document()["components"]["schemas"]["Vm"]

    shown = vm_json(make_vm())

    assert set(schema["properties"]) == set(shown)
    assert set(schema["required"]) == set(shown)


def test_the_operation_and_size_schemas_list_exactly_the_fields_they_are_shown_with() -> None:
    schemas = openapi_document()["components"]["schemas"]

    assert set(schemas["Operation"]["properties"]) == set(operation_json(make_operation()))
    assert set(schemas["Size"]["properties"]) == set(
        size_json(SizeOffer(size=make_size(), quota_left=8, hourly_usd=None))
    )


def test_the_headers_handlers_send_beside_a_body_are_documented() -> None:
    document = openapi_document()
    responses = document["components"]["responses"]
    operation_ok = document["paths"]["/operations/{id}"]["get"]["responses"]["200"]

    assert "Retry-After" in operation_ok["headers"]
    assert "Allow" in responses["405"]["headers"]
    assert "Accept-Post" in responses["415"]["headers"]
    assert "Retry-After" in responses["503"]["headers"]


def test_every_documented_problem_status_is_one_the_api_can_answer() -> None:
    statuses = {str(status) for status, _ in PROBLEM_TITLES.values()}

    assert set(openapi_document()["components"]["responses"]) == statuses | {"default"}
