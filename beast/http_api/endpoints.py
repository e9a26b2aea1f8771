"""The API's endpoints: each route template with its handlers per method, and ``handle``.

``handle`` is the one place errors become responses: ``ApiProblem`` and
``BeastError`` become their problem+json, anything else a 500 with a correlation
id (logged with its traceback, which never reaches the caller).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from beast.errors import BeastError
from beast.http_api import handlers
from beast.http_api.context import ApiContext
from beast.http_api.messages import ApiRequest, ApiResponse, json_response
from beast.http_api.openapi import openapi_document
from beast.http_api.problems import (
    ApiProblem,
    from_api_problem,
    from_beast_error,
    internal_error,
    problem_response,
)

Handler = Callable[[ApiContext, ApiRequest], ApiResponse]

# Every method a trigger accepts, so a wrong one gets a 405 from Beast, not a bare 404.
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """One route template (relative to the ``api`` prefix) and its handler per method."""

    route: str
    methods: Mapping[str, Handler]


def _openapi(context: ApiContext, request: ApiRequest) -> ApiResponse:
    return json_response(200, openapi_document())


def _not_found(context: ApiContext, request: ApiRequest) -> ApiResponse:
    raise ApiProblem("not-found", "There is no such endpoint; see /api/v1/openapi.json.")


VMS = Endpoint(route="v1/vms", methods={"GET": handlers.list_vms, "POST": handlers.create_vm})
VM = Endpoint(route="v1/vms/{name}", methods={"GET": handlers.get_vm, "DELETE": handlers.delete_vm})
VM_START = Endpoint(route="v1/vms/{name}/start", methods={"POST": handlers.start_vm})
VM_STOP = Endpoint(route="v1/vms/{name}/stop", methods={"POST": handlers.stop_vm})
VM_KEEP = Endpoint(route="v1/vms/{name}/keep", methods={"POST": handlers.keep_vm})
OPERATION = Endpoint(route="v1/operations/{id}", methods={"GET": handlers.get_operation})
SIZES = Endpoint(route="v1/sizes", methods={"GET": handlers.list_sizes})
OPENAPI = Endpoint(route="v1/openapi.json", methods={"GET": _openapi})
# Anything else under v1/ (``../etc`` after normalisation, extra segments) gets a problem too.
FALLBACK = Endpoint(route="v1/{*rest}", methods=dict.fromkeys(ALL_METHODS, _not_found))

ENDPOINTS = (VMS, VM, VM_START, VM_STOP, VM_KEEP, OPERATION, SIZES, OPENAPI, FALLBACK)


def handle(
    endpoint: Endpoint, request: ApiRequest, *, context: Callable[[], ApiContext]
) -> ApiResponse:
    """Answer ``request`` with ``endpoint``'s handler for its method; never raises."""
    instance = request.path.split("?", 1)[0][:300]
    method = request.method.upper()
    handler = endpoint.methods.get(method)
    if handler is None and method == "HEAD":
        # Every GET resource answers HEAD too (RFC 9110): the GET's status and headers.
        get = endpoint.methods.get("GET")
        if get is not None:
            answer = handle(endpoint, replace(request, method="GET"), context=context)
            return replace(answer, body=b"")
    if handler is None:
        allowed = ", ".join(endpoint.methods)
        return problem_response(
            "method-not-allowed",
            f"{request.method[:10]} is not allowed here; use {allowed}.",
            instance=instance,
            headers={"Allow": allowed},
        )
    repeated = sorted(request.repeated_query - {"code"})  # ``code`` is the host's key
    if repeated:
        return from_api_problem(
            ApiProblem(
                "validation",
                f"?{repeated[0][:40]} is given more than once; give each query parameter once.",
                fields={name[:40]: "Give it once." for name in repeated},
            ),
            instance=instance,
        )
    try:
        # Built inside the try: a broken setting becomes a logged 500 problem.
        return handler(context(), request)
    except ApiProblem as problem:
        return from_api_problem(problem, instance=instance)
    except BeastError as error:
        return from_beast_error(error, instance=instance)
    except Exception as error:  # a bug: the caller gets a correlation id, the log the rest
        return internal_error(error, instance=instance)
