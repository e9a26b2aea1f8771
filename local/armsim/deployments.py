"""Template deployments at resource-group scope: PUT as a long-running operation, get, list,
cancel, validate, and deployment operations.

A deployment is Accepted at PUT, Running after `deployment_accept`, then creates its resources
one after another in the engine's order, each taking its provider's delay; the first failure
ends it as Failed with DeploymentFailed and a failed deployment operation.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from local.armsim import compute_rules, providers
from local.armsim.engine import Scope, TemplateError, prepare
from local.armsim.errors import (
    ArmError,
    deployment_not_found,
    resource_group_being_deleted,
    resource_group_not_found,
)
from local.armsim.ids import parse_resource_id
from local.armsim.state import Fault, Group, Resource, Store, iso, iso_duration, new_guid
from local.armsim.web import Request, Response, Router

_NAME = re.compile(r"^[-\w._()]+$")
_FAILED_MESSAGE = (
    "At least one resource deployment operation failed. Please list deployment operations for "
    "details. Please see https://aka.ms/arm-deployment-operations for usage details."
)
_STATUS_NAMES = {400: "BadRequest", 404: "NotFound", 409: "Conflict", 500: "InternalServerError"}


@dataclass
class DeploymentOp:
    """One deployment operation: the write of one resource."""

    operation_id: str
    resource_id: str
    resource_type: str
    resource_name: str
    started: float
    state: str = "Running"
    ended: float | None = None
    status_code: str | None = None
    error: dict[str, Any] | None = None

    def body(self, deployment_id: str) -> dict[str, Any]:
        """The DeploymentOperation body."""
        props: dict[str, Any] = {
            "provisioningOperation": "Create",
            "provisioningState": self.state,
            "timestamp": iso(self.ended or self.started),
            "duration": iso_duration((self.ended or Store.now()) - self.started),
            "trackingId": self.operation_id.lower(),
            "serviceRequestId": self.operation_id.lower(),
            "targetResource": {
                "id": self.resource_id,
                "resourceType": self.resource_type,
                "resourceName": self.resource_name,
            },
        }
        if self.status_code:
            props["statusCode"] = self.status_code
        if self.error:
            props["statusMessage"] = {"status": "Failed", "error": self.error}
        return {
            "id": f"{deployment_id}/operations/{self.operation_id}",
            "operationId": self.operation_id,
            "properties": props,
        }


@dataclass
class Deployment:
    """A deployment and its progress."""

    id: str
    name: str
    group: str
    mode: str
    template: dict[str, Any]
    parameters: dict[str, Any]
    plan: Any
    correlation_id: str
    op_id: str
    started: float
    tags: dict[str, str] | None = None
    state: str = "Accepted"
    ended: float | None = None
    generation: int = 0
    outputs: dict[str, Any] = field(default_factory=dict)
    output_resources: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    operations: list[DeploymentOp] = field(default_factory=list)
    fail_with: Fault | None = None

    @property
    def active(self) -> bool:
        """Still Accepted or Running."""
        return self.state in ("Accepted", "Running")

    def body(self) -> dict[str, Any]:
        """The DeploymentExtended body."""
        props: dict[str, Any] = {
            "templateHash": _template_hash(self.template),
            "parameters": self._visible_parameters(),
            "mode": self.mode,
            "provisioningState": self.state,
            "timestamp": iso(self.ended or self.started),
            "duration": iso_duration((self.ended or Store.now()) - self.started),
            "correlationId": self.correlation_id,
            "providers": self._providers(),
            "dependencies": self._dependencies(),
        }
        if self.state == "Succeeded":
            props["outputs"] = self.outputs
            props["outputResources"] = [{"id": i} for i in self.output_resources]
        if self.error:
            props["error"] = self.error
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": "Microsoft.Resources/deployments",
            "properties": props,
        }
        if self.tags:
            body["tags"] = self.tags
        return body

    def _visible_parameters(self) -> dict[str, Any]:
        declared = self.template.get("parameters") or {}
        resolved = getattr(self.plan, "parameters", {}) or {}
        out: dict[str, Any] = {}
        for name, decl in declared.items():
            ptype = str((decl or {}).get("type", "string"))
            key = next((k for k in resolved if k.lower() == name.lower()), None)
            if ptype.lower() in ("securestring", "secureobject"):
                out[name] = {
                    "type": "SecureString" if ptype.lower() == "securestring" else "SecureObject"
                }
            elif key is not None:
                out[name] = {"type": ptype[:1].upper() + ptype[1:], "value": resolved[key]}
        return out

    def _providers(self) -> list[dict[str, Any]]:
        by_ns: dict[str, dict[str, set[str]]] = {}
        for decl in getattr(self.plan, "resources", []):
            ns, _, rtype = decl.type.partition("/")
            by_ns.setdefault(ns, {}).setdefault(rtype, set())
        return [
            {
                "namespace": ns,
                "resourceTypes": [{"resourceType": t, "locations": []} for t in sorted(types)],
            }
            for ns, types in sorted(by_ns.items())
        ]

    def _dependencies(self) -> list[dict[str, Any]]:
        out = []
        for decl in getattr(self.plan, "resources", []):
            if decl.depends_on:
                parsed = parse_resource_id(decl.id)
                out.append(
                    {
                        "dependsOn": [
                            {
                                "id": d,
                                "resourceType": parse_resource_id(d).type,
                                "resourceName": "/".join(parse_resource_id(d).names),
                            }
                            for d in decl.depends_on
                        ],
                        "id": decl.id,
                        "resourceType": parsed.type,
                        "resourceName": "/".join(parsed.names),
                    }
                )
        return out


def _template_hash(template: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return str(int.from_bytes(digest[:8], "big"))


class Deployments:
    """The deployment handlers and the steps that run a deployment."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, router: Router) -> None:
        """Add the deployment routes."""
        base = "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments"
        router.add("GET", base, self.list_deployments)
        router.add("PUT", base + "/{name}", self.put)
        router.add("GET", base + "/{name}", self.get)
        router.add("HEAD", base + "/{name}", self.head)
        router.add("DELETE", base + "/{name}", self.delete)
        router.add("POST", base + "/{name}/cancel", self.cancel)
        router.add("POST", base + "/{name}/validate", self.validate)
        router.add("GET", base + "/{name}/operationStatuses/{op}", self.status)
        router.add("GET", base + "/{name}/operations", self.operations)
        router.add("GET", base + "/{name}/operations/{op}", self.operation)
        # DeploymentOperations_List has no providers/Microsoft.Resources segment.
        short = "/subscriptions/{sub}/resourcegroups/{rg}/deployments/{name}"
        router.add("GET", short + "/operations", self.operations)
        router.add("GET", short + "/operations/{op}", self.operation)

    # --- handlers --------------------------------------------------------------------------

    def put(self, req: Request, sub: str, rg: str, name: str) -> Response:
        """Deployments_CreateOrUpdate: 201/200 + Azure-AsyncOperation, body Accepted."""
        store = self.store
        group = self._group(rg)
        _check_name(name)
        if group.deleting:
            raise resource_group_being_deleted(group.name)
        existing = store.deployments.get((rg.lower(), name.lower()))
        if existing and existing.active:
            raise ArmError(
                409,
                "DeploymentActiveAndUneditable",
                f"Unable to edit or replace deployment '{name}': previous deployment from "
                f"'{iso(existing.started)}' is still active (expiration time is "
                f"'{iso(existing.started + 7 * 86400)}'). Please see https://aka.ms/arm-deploy "
                "for usage details.",
            )
        body = req.json_object()
        now = store.now()
        dep = self._planned(group, name, body.get("properties") or {}, now)
        dep.tags = body.get("tags")
        dep.fail_with = self._take_deployment_fault()
        if existing:
            dep.generation = existing.generation + 1
        store.deployments[(rg.lower(), name.lower())] = dep
        gen = dep.generation
        store.schedule(now + store.delay("deployment_accept"), lambda at: self._start(dep, gen, at))
        status_url = req.url(
            f"/subscriptions/{store.subscription_id}/resourcegroups/{group.name}/providers/Microsoft.Resources/deployments/{name}/operationStatuses/{dep.op_id}",
            **{"api-version": req.api_version},
        )
        headers = {"Azure-AsyncOperation": status_url, "Retry-After": str(store.retry_after)}
        return Response(200 if existing else 201, dep.body(), headers)

    def get(self, req: Request, sub: str, rg: str, name: str) -> Response:
        """Deployments_Get."""
        return Response(200, self._deployment(rg, name).body())

    def head(self, req: Request, sub: str, rg: str, name: str) -> Response:
        """Deployments_CheckExistence."""
        self._group(rg)
        found = (rg.lower(), name.lower()) in self.store.deployments
        return Response(204 if found else 404)

    def list_deployments(self, req: Request, sub: str, rg: str) -> Response:
        """Deployments_ListByResourceGroup (supports $filter=provisioningState eq 'X')."""
        self._group(rg)
        deps = [d for (g, _), d in self.store.deployments.items() if g == rg.lower()]
        flt = req.q("$filter")
        if flt:
            m = re.fullmatch(r"\s*provisioningState\s+eq\s+'([^']*)'\s*", flt, re.IGNORECASE)
            if not m:
                raise ArmError(400, "InvalidFilter", f"The filter '{flt}' is not supported.")
            deps = [d for d in deps if d.state.lower() == m.group(1).lower()]
        deps.sort(key=lambda d: d.started, reverse=True)
        top = req.top()
        if top:
            deps = deps[:top]
        return Response(200, {"value": [d.body() for d in deps]})

    def delete(self, req: Request, sub: str, rg: str, name: str) -> Response:
        """Deployments_Delete: removes the history entry (not the resources)."""
        self._group(rg)
        dep = self.store.deployments.get((rg.lower(), name.lower()))
        if dep is None:
            return Response(204)
        if dep.active:
            raise ArmError(
                409,
                "DeploymentActive",
                f"The deployment '{name}' cannot be deleted because it is still active.",
            )
        del self.store.deployments[(rg.lower(), name.lower())]
        return Response(204)

    def cancel(self, req: Request, sub: str, rg: str, name: str) -> Response:
        """Deployments_Cancel: 204; 409 when the deployment already ended."""
        dep = self._deployment(rg, name)
        if not dep.active:
            raise ArmError(
                409,
                "DeploymentCannotBeCancelled",
                f"The deployment '{name}' cannot be cancelled because it is in a terminal "
                f"state '{dep.state}'.",
            )
        now = self.store.now()
        dep.generation += 1
        dep.state = "Canceled"
        dep.ended = now
        for op in dep.operations:
            if op.state == "Running":
                op.state, op.ended = "Canceled", now
        dep.error = {
            "code": "DeploymentCanceled",
            "message": f"The deployment '{name}' was canceled.",
        }
        return Response(204)

    def validate(self, req: Request, sub: str, rg: str, name: str) -> Response:
        """Deployments_Validate: template checks plus the providers' preflight (size, quota)."""
        store = self.store
        group = self._group(rg)
        _check_name(name)
        probe = self._planned(group, name, req.json_object().get("properties") or {}, store.now())
        plan = probe.plan
        tracking = new_guid()
        for decl in plan.resources:
            try:
                body = plan.render(decl, self.reference)
            except (TemplateError, ArmError):
                continue  # reference() to a resource the deployment would create first
            if decl.type.lower() == "microsoft.compute/virtualmachines":
                try:
                    compute_rules.check_vm(store, decl.id, body)
                except ArmError as exc:
                    raise ArmError(
                        400,
                        "InvalidTemplateDeployment",
                        f"The template deployment '{name}' is not valid according to the "
                        "validation "
                        f"procedure. The tracking id is '{tracking}'. See inner errors for "
                        "details.",
                        details=[
                            {
                                "code": "QuotaExceeded"
                                if exc.code == "OperationNotAllowed"
                                else exc.code,
                                "message": exc.message,
                            }
                        ],
                    ) from exc
        body = probe.body()
        body["properties"]["provisioningState"] = "Succeeded"
        body["properties"]["validatedResources"] = [{"id": d.id} for d in plan.resources]
        return Response(200, body)

    def status(self, req: Request, sub: str, rg: str, name: str, op: str) -> Response:
        """The Azure-AsyncOperation status of a deployment."""
        # A status URL of an earlier run of the same name reports the current run, as ARM does
        # for deployments replaced under the same name.
        dep = self._deployment(rg, name)
        if dep.active:
            return Response(
                200, {"status": "Running"}, {"Retry-After": str(self.store.retry_after)}
            )
        body: dict[str, Any] = {"status": dep.state}
        if dep.error:
            body["error"] = dep.error
        return Response(200, body)

    def operations(self, req: Request, sub: str, rg: str, name: str) -> Response:
        """DeploymentOperations_List."""
        dep = self._deployment(rg, name)
        ops = [o.body(dep.id) for o in dep.operations]
        top = req.top()
        if top:
            ops = ops[:top]
        return Response(200, {"value": ops})

    def operation(self, req: Request, sub: str, rg: str, name: str, op: str) -> Response:
        """DeploymentOperations_Get."""
        dep = self._deployment(rg, name)
        for o in dep.operations:
            if o.operation_id.lower() == op.lower():
                return Response(200, o.body(dep.id))
        raise ArmError(
            404, "DeploymentOperationNotFound", f"Deployment operation '{op}' could not be found."
        )

    # --- running a deployment --------------------------------------------------------------

    def reference(self, resource_id: str, api_version: str | None, full: bool) -> dict[str, Any]:
        """The engine's reference(): a resource's properties (or whole body) from the store."""
        res = self.store.resource(resource_id)
        if res is None:
            rid = parse_resource_id(resource_id)
            raise TemplateError(
                "ResourceNotFound",
                f"The Resource '{rid.type_and_name}' under resource group "
                f"'{rid.resource_group}' was not found. "
                "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            )
        body = providers.public_body(res)
        return body if full else dict(body.get("properties") or {})

    def _start(self, dep: Deployment, gen: int, at: float) -> None:
        if dep.generation != gen or not dep.active:
            return
        dep.state = "Running"
        self._begin_step(dep, gen, 0, at)

    def _begin_step(self, dep: Deployment, gen: int, index: int, at: float) -> None:
        if dep.generation != gen or not dep.active:
            return
        resources = dep.plan.resources
        if index >= len(resources):
            self._finish(dep, at)
            return
        decl = resources[index]
        rid = parse_resource_id(decl.id)
        op = DeploymentOp(
            operation_id=f"{new_guid().replace('-', '')[:16].upper()}",
            resource_id=decl.id,
            resource_type=decl.type,
            resource_name=decl.name,
            started=at,
        )
        dep.operations.append(op)
        try:
            fault = dep.fail_with
            if fault and (
                (fault.resource_type and fault.resource_type.lower() == decl.type.lower())
                or (not fault.resource_type and index == len(resources) - 1)
            ):
                raise ArmError(fault.status, fault.code, fault.message)
            body = dep.plan.render(decl, self.reference)
            res, delay, created = providers.put_resource(self.store, rid, body, at)
        except ArmError as exc:
            self._fail(dep, op, exc.status, exc.to_error(), at)
            return
        except TemplateError as exc:
            self._fail(dep, op, 400, exc.to_error(), at)
            return
        op.status_code = "Created" if created else "OK"
        self.store.schedule(at + delay, lambda t: self._complete_step(dep, gen, index, res, op, t))

    def _complete_step(
        self, dep: Deployment, gen: int, index: int, res: Resource, op: DeploymentOp, at: float
    ) -> None:
        if dep.generation != gen or not dep.active:
            return
        if self.store.resource(res.id) is res:
            providers.complete_resource(self.store, res, at)
        op.state, op.ended = "Succeeded", at
        self._begin_step(dep, gen, index + 1, at)

    def _fail(
        self, dep: Deployment, op: DeploymentOp, status: int, error: dict[str, Any], at: float
    ) -> None:
        op.state, op.ended = "Failed", at
        op.status_code = _STATUS_NAMES.get(status, "BadRequest")
        op.error = error
        dep.state, dep.ended = "Failed", at
        inner = dict(error)
        inner.setdefault("target", op.resource_id)
        dep.error = {
            "code": "DeploymentFailed",
            "target": dep.id,
            "message": _FAILED_MESSAGE,
            "details": [inner],
        }

    def _finish(self, dep: Deployment, at: float) -> None:
        try:
            dep.outputs = dep.plan.outputs(self.reference)
        except TemplateError as exc:
            dep.state, dep.ended = "Failed", at
            dep.error = {
                "code": "DeploymentOutputEvaluationFailed",
                "message": exc.message,
                "details": [exc.to_error()],
            }
            return
        dep.output_resources = [d.id for d in dep.plan.resources]
        dep.state, dep.ended = "Succeeded", at

    # --- helpers ---------------------------------------------------------------------------

    def _planned(self, group: Group, name: str, props: dict[str, Any], now: float) -> Deployment:
        """The deployment a request's properties describe, its template planned (400 if bad)."""
        store = self.store
        template, parameters = _template_and_parameters(props)
        scope = Scope(store.subscription_id, group.name, group.location, name, store.tenant_id)
        try:
            plan = prepare(template, parameters, scope)
        except TemplateError as exc:
            raise ArmError(400, exc.code, exc.message, details=exc.details) from exc
        return Deployment(
            id=f"{_group_id(store, group.name)}/providers/Microsoft.Resources/deployments/{name}",
            name=name,
            group=group.name,
            mode=str(props.get("mode") or "Incremental"),
            template=template,
            parameters=parameters,
            plan=plan,
            correlation_id=new_guid(),
            op_id=f"0858{int(now * 1e6) % 10**16:016d}",
            started=now,
        )

    def _group(self, rg: str) -> Group:
        group = self.store.group(rg)
        if group is None:
            raise resource_group_not_found(rg)
        return group

    def _deployment(self, rg: str, name: str) -> Deployment:
        self._group(rg)
        dep: Deployment | None = self.store.deployments.get((rg.lower(), name.lower()))
        if dep is None:
            raise deployment_not_found(name)
        return dep

    def _take_deployment_fault(self) -> Fault | None:
        for fault in self.store.faults:
            if fault.kind == "deployment_failure" and fault.remaining > 0:
                fault.remaining -= 1
                return fault
        return None


def _group_id(store: Store, group: str) -> str:
    return f"/subscriptions/{store.subscription_id}/resourceGroups/{group}"


def _check_name(name: str) -> None:
    if len(name) > 64:
        raise ArmError(
            400,
            "DeploymentNameLengthLimitExceeded",
            f"The provided deployment name '{name}' has a length of '{len(name)}' which "
            "exceeds the maximum "
            "length of '64'. Please see https://aka.ms/arm-deploy for usage details.",
        )
    if not _NAME.fullmatch(name):
        bad = "".join(sorted(set(re.sub(r"[-\w._()]", "", name))))
        raise ArmError(
            400,
            "DeploymentNameInvalidCharacters",
            f"The provided deployment name '{name}' has these invalid characters: "
            f"'{bad}'. The name can only be a letter, digit, "
            "'-', '.', '_', '(', ')'. Please see https://aka.ms/arm-deploy/#name-requirements "
            "for usage details.",
        )


def _template_and_parameters(props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    if not props.get("mode"):
        raise ArmError(
            400,
            "InvalidDeployment",
            "The 'mode' property is missing. Please see https://aka.ms/arm-deploy for usage "
            "details.",
        )
    if props.get("templateLink") or props.get("parametersLink"):
        raise ArmError(
            400,
            "InvalidTemplate",
            "The simulator cannot download linked templates; send the template inline.",
        )
    template = props.get("template")
    if not isinstance(template, dict):
        raise ArmError(
            400,
            "InvalidDeployment",
            "The 'template' property must be specified. Please see https://aka.ms/arm-deploy "
            "for usage details.",
        )
    parameters = props.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ArmError(400, "InvalidTemplate", "The 'parameters' property must be an object.")
    return template, parameters
