"""The HTTP API under /api/v1: one Functions HTTP trigger per route, auth level FUNCTION.

Each trigger turns the ``func.HttpRequest`` into an ``ApiRequest``, lets
``beast.http_api.handle`` answer it, and turns the ``ApiResponse`` back. Every
trigger accepts every method so a wrong one gets Beast's 405 problem, not a bare
404 from the host.
"""

from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func

from beast.http_api import ApiContext, ApiRequest, ApiResponse, Endpoint, handle
from beast.http_api import endpoints as api
from beast.wiring import services

bp = func.Blueprint()

_METHODS = list(api.ALL_METHODS)
_AUTH = func.AuthLevel.FUNCTION


def to_api_request(req: func.HttpRequest) -> ApiRequest:
    """The Functions request as a plain ``ApiRequest``."""
    return ApiRequest(
        method=req.method.upper(),
        path=urlsplit(req.url).path,  # never the query: it may hold the function key
        route_params=dict(req.route_params),
        query=dict(req.params),
        repeated_query=repeated_query_names(req.url),
        headers=ApiRequest.lower_headers(dict(req.headers.items())),
        body=req.get_body() or b"",
    )


def repeated_query_names(url: str) -> frozenset[str]:
    """Query parameter names that ``url`` carries more than once."""
    counts = Counter(name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))
    return frozenset(name for name, count in counts.items() if count > 1)


def to_http_response(response: ApiResponse) -> func.HttpResponse:
    """The plain ``ApiResponse`` as a Functions response."""
    mimetype = (response.content_type or "application/octet-stream").split(";")[0]
    return func.HttpResponse(
        body=response.body,
        status_code=response.status,
        headers=dict(response.headers),
        mimetype=mimetype,
    )


def _context() -> ApiContext:
    built = services()
    return ApiContext(
        beast=built.beast, settings=built.settings, idempotency=built.stores.idempotency
    )


def _answer(endpoint: Endpoint, req: func.HttpRequest) -> func.HttpResponse:
    return to_http_response(handle(endpoint, to_api_request(req), context=_context))


@bp.route(route=api.VMS.route, methods=_METHODS, auth_level=_AUTH)
def api_vms(req: func.HttpRequest) -> func.HttpResponse:
    """GET /v1/vms, POST /v1/vms."""
    return _answer(api.VMS, req)


@bp.route(route=api.VM.route, methods=_METHODS, auth_level=_AUTH)
def api_vm(req: func.HttpRequest) -> func.HttpResponse:
    """GET /v1/vms/{name}, DELETE /v1/vms/{name}."""
    return _answer(api.VM, req)


@bp.route(route=api.VM_START.route, methods=_METHODS, auth_level=_AUTH)
def api_vm_start(req: func.HttpRequest) -> func.HttpResponse:
    """POST /v1/vms/{name}/start."""
    return _answer(api.VM_START, req)


@bp.route(route=api.VM_STOP.route, methods=_METHODS, auth_level=_AUTH)
def api_vm_stop(req: func.HttpRequest) -> func.HttpResponse:
    """POST /v1/vms/{name}/stop."""
    return _answer(api.VM_STOP, req)


@bp.route(route=api.VM_KEEP.route, methods=_METHODS, auth_level=_AUTH)
def api_vm_keep(req: func.HttpRequest) -> func.HttpResponse:
    """POST /v1/vms/{name}/keep."""
    return _answer(api.VM_KEEP, req)


@bp.route(route=api.OPERATION.route, methods=_METHODS, auth_level=_AUTH)
def api_operation(req: func.HttpRequest) -> func.HttpResponse:
    """GET /v1/operations/{id}."""
    return _answer(api.OPERATION, req)


@bp.route(route=api.SIZES.route, methods=_METHODS, auth_level=_AUTH)
def api_sizes(req: func.HttpRequest) -> func.HttpResponse:
    """GET /v1/sizes."""
    return _answer(api.SIZES, req)


@bp.route(route=api.OPENAPI.route, methods=_METHODS, auth_level=_AUTH)
def api_openapi(req: func.HttpRequest) -> func.HttpResponse:
    """GET /v1/openapi.json."""
    return _answer(api.OPENAPI, req)


@bp.route(route=api.FALLBACK.route, methods=_METHODS, auth_level=_AUTH)
def api_not_found(req: func.HttpRequest) -> func.HttpResponse:
    """Anything else under /v1: a 404 problem."""
    return _answer(api.FALLBACK, req)
