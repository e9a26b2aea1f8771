"""The OpenAPI 3.1 document of the HTTP API: every endpoint, schema and problem.

Request bodies come from the same ``Field`` declarations the handlers check, so
the document and the validation cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from beast import __version__
from beast.http_api import fields as spec
from beast.http_api.body import MAX_BODY_BYTES, Field
from beast.http_api.idempotency import KEY_PATTERN
from beast.http_api.messages import JSON, PROBLEM_JSON
from beast.http_api.problems import PROBLEM_BASE, PROBLEM_TITLES
from beast.models import OperationKind, OperationState

_CODES = ", ".join(f"`{code}` ({status})" for code, (status, _) in PROBLEM_TITLES.items())
_DESCRIPTION = f"""\
Beast deploys Azure Data Science VMs on demand and deallocates idle ones.

**Authentication.** Every request carries the function key (`x-functions-key`
header or `code` query parameter). The caller's identity comes from Entra ID
through App Service Authentication when the app trusts it, or from the
configured development identity locally; without one the answer is 401.

**Errors** are RFC 9457 `application/problem+json`. `type` is
`{PROBLEM_BASE}<code>`, one of: {_CODES}.
Validation problems list each bad field in `errors`. Bodies over {MAX_BODY_BYTES} bytes
get 413; bodies that are not `application/json` get 415; unknown fields get 400.

**Long-running work** (create, start, stop, delete) answers 202 with the
operation, a `Location` to poll and `Retry-After`. Send `Idempotency-Key` to make
a retry return the same operation.
"""

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body_schema(fields: tuple[Field, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {field.name: field.schema() for field in fields},
        "additionalProperties": False,
    }
    required = [field.name for field in fields if field.required]
    if required:
        schema["required"] = required
    return schema


def _schemas() -> dict[str, Any]:
    vm_properties: dict[str, Any] = {
        "name": {"type": "string"},
        "owner": {"type": "string", "description": "Caller id, e.g. aad:alice@contoso.com."},
        "size": {"type": "string"},
        "diskGb": {"type": "integer"},
        "diskType": {"type": "string", "enum": ["premium", "standardssd", "standard"]},
        "variant": {"type": "string", "enum": ["jupyter", "ssh", "vpn"]},
        "region": {"type": "string"},
        "state": {"type": "string", "enum": list(spec.VM_STATES)},
        "publicIp": _NULLABLE_STRING,
        "privateIp": _NULLABLE_STRING,
        "fqdn": _NULLABLE_STRING,
        "jupyterUrl": _NULLABLE_STRING,
        "sshCommand": _NULLABLE_STRING,
        "gatewayIp": {
            "type": ["string", "null"],
            "description": "The VPN gateway's public address (vpn variant); connect to it first.",
        },
        "createdAt": {"type": "string", "format": "date-time"},
        "startedAt": _NULLABLE_TIME,
        "stoppedAt": _NULLABLE_TIME,
        "keepUntil": _NULLABLE_TIME,
        "expiresAt": _NULLABLE_TIME,
        "operationId": {"type": "string"},
    }
    return {
        "CreateVm": _body_schema(spec.CREATE_VM_FIELDS),
        "Keep": _body_schema(spec.KEEP_FIELDS),
        "Vm": {
            "type": "object",
            "properties": vm_properties,
            "required": list(vm_properties),
        },
        "VmList": {
            "type": "object",
            "properties": {"vms": {"type": "array", "items": _ref("Vm")}},
            "required": ["vms"],
        },
        "OperationError": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        },
        "Operation": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": spec.OPERATION_ID_PATTERN},
                "kind": {"type": "string", "enum": [kind.value for kind in OperationKind]},
                "vmName": {"type": "string"},
                "state": {"type": "string", "enum": [state.value for state in OperationState]},
                "createdAt": {"type": "string", "format": "date-time"},
                "updatedAt": {"type": "string", "format": "date-time"},
                "error": {"oneOf": [{"type": "null"}, _ref("OperationError")]},
            },
            "required": ["id", "kind", "vmName", "state", "createdAt", "updatedAt", "error"],
        },
        "Size": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "family": {"type": "string"},
                "vcpus": {"type": "integer"},
                "memoryGb": {"type": "number"},
                "gpus": {"type": "integer"},
                "hourlyUsd": {
                    "type": ["number", "null"],
                    "description": "Linux pay-as-you-go price; null when unknown.",
                },
                "quotaLeft": {"type": "integer", "description": "vCPUs of quota still free."},
            },
            "required": ["name", "family", "vcpus", "memoryGb", "gpus", "hourlyUsd", "quotaLeft"],
        },
        "SizeList": {
            "type": "object",
            "properties": {
                "region": {"type": "string"},
                "sizes": {"type": "array", "items": _ref("Size")},
            },
            "required": ["region", "sizes"],
        },
        "FieldError": {
            "type": "object",
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            "required": ["field", "message"],
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "properties": {
                "type": {
                    "type": "string",
                    "enum": [PROBLEM_BASE + code for code in PROBLEM_TITLES],
                },
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "errors": {"type": "array", "items": _ref("FieldError")},
                "correlationId": {"type": "string"},
                "suggestions": {"type": "array", "items": {"type": "string"}},
                "quota": {
                    "type": "object",
                    "properties": {
                        "family": {"type": "string"},
                        "limit": {"type": "integer"},
                        "used": {"type": "integer"},
                        "required": {"type": "integer"},
                    },
                },
            },
            "required": ["type", "title", "status", "detail"],
        },
    }


_PROBLEM_RESPONSES = {
    "400": "The request is malformed or a field is invalid (`validation`).",
    "401": "No caller identity (`unauthenticated`).",
    "403": "The caller may not do this (`forbidden`).",
    "404": "No such VM, operation or endpoint (`not-found`).",
    "405": "Wrong method for this path (`method-not-allowed`).",
    "409": "The VM's state or a Beast limit does not allow it now.",
    "413": "The body is over the size limit (`payload-too-large`).",
    "415": "The body is not application/json (`unsupported-media-type`).",
    "422": "Understood but refused: unknown size, quota, idempotency-key reuse.",
    "500": "Unexpected error; the problem carries a `correlationId` (`internal`).",
    "502": "Azure or storage failed (`upstream`).",
    "503": "Azure is throttling Beast; see `Retry-After` (`throttled`).",
}


def _header(description: str, *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "description": description, "schema": {"type": "string"}}


_RETRY_AFTER = "Seconds to wait before trying again."
# Headers that come with a problem of a status, beside its body.
_PROBLEM_HEADERS = {
    "405": {"Allow": _header("The methods this path accepts.")},
    "415": {"Accept-Post": _header("The media type to send: application/json.")},
    "503": {"Retry-After": _header(_RETRY_AFTER)},
}


def _problem(status: str, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": _ref("Problem")}},
    }
    if status in _PROBLEM_HEADERS:
        response["headers"] = _PROBLEM_HEADERS[status]
    return response


def _errors(*statuses: str) -> dict[str, Any]:
    always = ("400", "401", "405", "500", "502", "503")
    wanted = sorted(set(always) | set(statuses))
    responses = {status: {"$ref": f"#/components/responses/{status}"} for status in wanted}
    responses["default"] = {"$ref": "#/components/responses/default"}
    return responses


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema)}}}


_ACCEPTED = {
    "description": "Accepted: the operation, to poll at Location.",
    "headers": {
        "Location": {
            "required": True,
            "description": "/api/v1/operations/{id}",
            "schema": {"type": "string"},
        },
        "Retry-After": {
            "required": True,
            "description": "Seconds before polling is worthwhile.",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
    },
    "content": {JSON: {"schema": _ref("Operation")}},
}


def _operation(
    operation_id: str,
    summary: str,
    responses: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref(body)}},
        }
    return operation


_NAME = {"$ref": "#/components/parameters/VmName"}
_KEY = {"$ref": "#/components/parameters/IdempotencyKey"}


def _paths() -> dict[str, Any]:
    mutating = _errors("403", "404", "409", "413", "415", "422")
    return {
        "/vms": {
            "get": _operation(
                "listVms",
                "The caller's VMs (everyone's with all=true, admins only).",
                {"200": _ok("VmList", "The VMs."), **_errors("403")},
                parameters=[
                    {
                        "name": "all",
                        "in": "query",
                        "description": "Everyone's VMs (admins only).",
                        "schema": {"type": "boolean"},
                    },
                    {
                        "name": "state",
                        "in": "query",
                        "description": "Only VMs in this state.",
                        "schema": {"type": "string", "enum": list(spec.VM_STATES)},
                    },
                ],
            ),
            "post": _operation(
                "createVm",
                "Deploy a new VM.",
                {"202": _ACCEPTED, **_errors("409", "413", "415", "422")},
                parameters=[_KEY],
                body="CreateVm",
            ),
        },
        "/vms/{name}": {
            "parameters": [_NAME],
            "get": _operation(
                "getVm", "One VM.", {"200": _ok("Vm", "The VM."), **_errors("403", "404")}
            ),
            "delete": _operation(
                "deleteVm",
                "Delete the VM and everything deployed with it.",
                {"202": _ACCEPTED, **mutating},
                parameters=[_KEY],
            ),
        },
        "/vms/{name}/start": {
            "parameters": [_NAME],
            "post": _operation(
                "startVm", "Start a stopped VM.", {"202": _ACCEPTED, **mutating}, parameters=[_KEY]
            ),
        },
        "/vms/{name}/stop": {
            "parameters": [_NAME],
            "post": _operation(
                "stopVm",
                "Stop (deallocate) the VM, so it costs nothing but its disk.",
                {"202": _ACCEPTED, **mutating},
                parameters=[_KEY],
            ),
        },
        "/vms/{name}/keep": {
            "parameters": [_NAME],
            "post": _operation(
                "keepVm",
                "Spare the VM from the idle sweep for some hours.",
                {"200": _ok("Vm", "The VM with its new keepUntil."), **mutating},
                parameters=[_KEY],
                body="Keep",
            ),
        },
        "/operations/{id}": {
            "get": _operation(
                "getOperation",
                "An operation's progress.",
                {
                    "200": {
                        **_ok("Operation", "The operation."),
                        "headers": {
                            "Retry-After": _header(
                                "Seconds before polling again; only while the operation "
                                "is not done.",
                                required=False,
                            )
                        },
                    },
                    **_errors("403", "404"),
                },
                parameters=[
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": spec.OPERATION_ID_PATTERN},
                    }
                ],
            ),
        },
        "/sizes": {
            "get": _operation(
                "listSizes",
                "VM sizes in a region: vCPUs, memory, GPUs, hourly price, quota left.",
                {"200": _ok("SizeList", "The sizes."), **_errors("422")},
                parameters=[
                    {
                        "name": "region",
                        "in": "query",
                        "description": "Azure region; default the app's default region.",
                        "schema": {"type": "string", "pattern": spec.REGION_PATTERN},
                    },
                    {
                        "name": "contains",
                        "in": "query",
                        "description": "Only sizes whose name contains this text.",
                        "schema": {"type": "string", "pattern": spec.SIZE_PATTERN},
                    },
                ],
            ),
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document.",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    },
                    **_errors(),
                },
            }
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once; treat it as read-only)."""
    responses = {status: _problem(status, text) for status, text in _PROBLEM_RESPONSES.items()}
    responses["default"] = _problem("default", "Any other failure, as a problem.")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Beast", "version": __version__, "description": _DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"functionKey": []}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "responses": responses,
            "parameters": {
                "VmName": {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": spec.VM_NAME_PATTERN},
                },
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "description": "Repeat a request safely: same key, same operation.",
                    "schema": {"type": "string", "pattern": KEY_PATTERN},
                },
            },
            "securitySchemes": {
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
            },
        },
    }
