"""One handler per endpoint: check the request, call one Beast use case, shape the answer.

Routing happens in the Functions host; a handler gets the route parameters it
declared. Handlers raise ``ApiProblem`` or ``BeastError``; ``endpoints.handle``
turns both into problem+json.
"""

from __future__ import annotations

import re
from typing import Any

from beast.errors import NotFoundError
from beast.http_api import fields as spec
from beast.http_api.body import check_fields, read_object
from beast.http_api.context import ApiContext
from beast.http_api.idempotency import claim_operation_id
from beast.http_api.identity import identify, reply_to
from beast.http_api.messages import ApiRequest, ApiResponse, json_response
from beast.http_api.problems import ApiProblem
from beast.http_api.representation import operation_json, size_json, vm_json
from beast.models import Caller, Operation, VmState
from beast.requests import build_request

API_BASE = "/api/v1"
RETRY_AFTER_SECONDS = 5  # how soon polling an operation is worth it


def accepted(operation: Operation) -> ApiResponse:
    """202 with the operation, where to poll it and how soon."""
    return json_response(
        202,
        operation_json(operation),
        headers={
            "Location": f"{API_BASE}/operations/{operation.id}",
            "Retry-After": str(RETRY_AFTER_SECONDS),
        },
    )


def _path_param(request: ApiRequest, name: str, pattern: str, hint: str) -> str:
    value = request.route_params.get(name, "")
    if not re.fullmatch(pattern, value):
        shown = value if len(value) <= 60 else value[:60] + "..."
        raise ApiProblem("validation", f"{shown!r} is not a valid {name}.", fields={name: hint})
    return value


def _vm_name(request: ApiRequest) -> str:
    return _path_param(
        request,
        "name",
        spec.VM_NAME_PATTERN,
        "Use 3-40 lower-case letters, digits and hyphens, starting with a letter.",
    )


def _repeat(context: ApiContext, caller: Caller, operation_id: str) -> Operation | None:
    """The operation an earlier request with the same key created, if it got that far."""
    try:
        return context.beast.operation(caller, operation_id)
    except NotFoundError:
        return None  # the first attempt failed before recording anything: try again


def create_vm(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """POST /vms: record and queue a new VM; 202 with the deploy operation."""
    caller = identify(request, context.settings)
    document = read_object(request, required=True)
    values = check_fields(document, spec.CREATE_VM_FIELDS)
    prefixes = values.get("allowedSourcePrefixes")
    vm_request = build_request(
        size=values.get("size"),
        disk_gb=values.get("diskGb"),
        disk_type=values.get("diskType"),
        variant=values.get("variant"),
        name=values.get("name"),
        region=values.get("region"),
        ttl=values.get("ttl"),
        ssh_public_key=values.get("sshPublicKey"),
        allowed_source_prefixes=list(prefixes) if prefixes is not None else None,
        settings=context.settings,
    )
    operation_id, repeat = claim_operation_id(
        context, request, caller, target="vms", document=document
    )
    if operation_id and repeat and (earlier := _repeat(context, caller, operation_id)):
        return accepted(earlier)
    _, operation = context.beast.request_vm(
        caller,
        vm_request,
        reply=reply_to(caller),
        now=context.clock(),
        operation_id=operation_id,
    )
    return accepted(operation)


def list_vms(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """GET /vms: the caller's VMs; ``?all=true`` for everyone's (admins); ``?state=``."""
    caller = identify(request, context.settings)
    everyone = _flag(request, "all")
    state = None
    raw_state = request.query.get("state")
    if raw_state is not None:
        try:
            state = VmState(raw_state)
        except ValueError:
            raise ApiProblem(
                "validation",
                f"{raw_state[:40]!r} is not a VM state.",
                fields={"state": f"Use one of {', '.join(spec.VM_STATES)}."},
            ) from None
    vms = context.beast.list_vms(caller, everyone=everyone, state=state)
    return json_response(200, {"vms": [vm_json(vm) for vm in vms]})


def get_vm(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """GET /vms/{name}: one VM."""
    caller = identify(request, context.settings)
    name = _vm_name(request)
    return json_response(200, vm_json(context.beast.status(caller, name)))


def start_vm(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """POST /vms/{name}/start: queue a start; 202 with the operation."""
    return _power(context, request, action="start")


def stop_vm(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """POST /vms/{name}/stop: queue a deallocation; 202 with the operation."""
    return _power(context, request, action="stop")


def delete_vm(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """DELETE /vms/{name}: queue removal of everything the VM brought; 202."""
    return _power(context, request, action="delete")


def _power(context: ApiContext, request: ApiRequest, *, action: str) -> ApiResponse:
    caller = identify(request, context.settings)
    name = _vm_name(request)
    document = read_object(request, required=False)
    check_fields(document, ())  # these take no body fields; any sent is a mistake
    operation_id, repeat = claim_operation_id(
        context, request, caller, target=f"vms/{name}/{action}", document=document
    )
    if operation_id and repeat and (earlier := _repeat(context, caller, operation_id)):
        return accepted(earlier)
    use_case = {
        "start": context.beast.start,
        "stop": context.beast.stop,
        "delete": context.beast.delete,
    }[action]
    operation = use_case(
        caller, name, reply=reply_to(caller), now=context.clock(), operation_id=operation_id
    )
    return accepted(operation)


def keep_vm(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """POST /vms/{name}/keep: spare the VM from the idle sweep for ``hours``; 200 with it."""
    caller = identify(request, context.settings)
    name = _vm_name(request)
    document = read_object(request, required=True)
    values = check_fields(document, spec.KEEP_FIELDS)
    # Keeping twice is harmless, so a key only guards against reuse for another request.
    claim_operation_id(context, request, caller, target=f"vms/{name}/keep", document=document)
    vm = context.beast.keep(caller, name, hours=int(values["hours"]), now=context.clock())
    return json_response(200, vm_json(vm))


def get_operation(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """GET /operations/{id}: an operation's progress."""
    caller = identify(request, context.settings)
    operation_id = _path_param(
        request, "id", spec.OPERATION_ID_PATTERN, "Operation ids are 32 hexadecimal digits."
    )
    operation = context.beast.operation(caller, operation_id)
    headers = {} if operation.state.done else {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return json_response(200, operation_json(operation), headers=headers)


def list_sizes(context: ApiContext, request: ApiRequest) -> ApiResponse:
    """GET /sizes?region=: VM sizes with vCPUs, memory, GPUs, price and quota left."""
    identify(request, context.settings)
    region = request.query.get("region")
    if region is not None and not re.fullmatch(spec.REGION_PATTERN, region):
        raise ApiProblem(
            "validation",
            f"{region[:40]!r} is not an Azure region name.",
            fields={"region": "Use a region name such as eastus or westeurope."},
        )
    contains = request.query.get("contains")
    if contains is not None and not re.fullmatch(spec.SIZE_PATTERN, contains):
        raise ApiProblem(
            "validation",
            f"{contains[:40]!r} cannot be part of a size name.",
            fields={"contains": "Use letters, digits, hyphens and underscores, e.g. E4s."},
        )
    offers = context.beast.sizes(region=region, contains=contains)
    document: dict[str, Any] = {
        "region": region or context.settings.default_region,
        "sizes": [size_json(offer) for offer in offers],
    }
    return json_response(200, document)


def _flag(request: ApiRequest, name: str) -> bool:
    raw = request.query.get(name)
    if raw is None:
        return False
    if raw not in {"true", "false"}:
        raise ApiProblem(
            "validation", f"?{name} must be true or false.", fields={name: "Use true or false."}
        )
    return raw == "true"
