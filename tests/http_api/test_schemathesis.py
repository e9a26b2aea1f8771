"""Property-based: schemathesis drives every operation in /api/v1/openapi.json through the host.

For each operation it sends schema-valid and schema-breaking requests (a bounded
number each) and holds every answer to the document: never a 5xx, only documented
statuses and content types, bodies and headers that fit their schemas, and a 4xx
for every request the document says is invalid.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from beast.http_api import openapi_document
from beast.http_api.endpoints import ALL_METHODS
from local.host.launch import RunningHost

MAX_EXAMPLES = 25  # per operation and mode: bounded, so `make test` stays quick

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    unsupported_method,
]


def _key_headers(host: RunningHost) -> dict[str, str]:
    return {"x-functions-key": host.function_key or ""}


@pytest.fixture(scope="module")
def session() -> requests.Session:
    """One connection pool for all generated requests; never through a proxy."""
    made = requests.Session()
    made.trust_env = False
    return made


# Built from the code's own document at import (the host is not up yet); the first test
# below proves the host serves exactly this document.
schema = schemathesis.openapi.from_dict(copy.deepcopy(openapi_document()))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    with_security_parameters=False,  # the function key is ours to send, not to fuzz
)
# An over-long field can make the whole body too large: 413 is a rejection too.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "413"]


def test_the_host_serves_the_document_under_test(api_host: RunningHost) -> None:
    served = schemathesis.openapi.from_url(
        api_host.url("/api/v1/openapi.json"), headers=_key_headers(api_host), timeout=30
    )

    assert served.raw_schema == openapi_document()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_every_promise_of_its_openapi_document(
    case: Any, api_host: RunningHost, session: requests.Session
) -> None:
    if case.method.upper() not in ALL_METHODS:
        # TRACE, QUERY...: the host's HTTP server answers 501 itself, before any function runs.
        return
    case.call_and_validate(
        base_url=api_host.url("/api/v1"),
        session=session,
        headers=_key_headers(api_host),
        checks=CHECKS,
    )
