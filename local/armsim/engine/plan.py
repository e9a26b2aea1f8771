"""From template + parameters to an ordered deployment plan.

prepare() does what ARM does before the first resource is touched: it validates the
parameters, evaluates the variables, expands resource copy loops, applies conditions and
orders the resources by dependsOn. The Plan then renders each resource body and the
outputs on demand, with a `reference` callback that reads the simulator's state.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from local.armsim.engine.errors import (
    EXPRESSIONS_HELP,
    RESOURCES_HELP,
    ExpressionError,
    TemplateError,
    validation_failed,
)
from local.armsim.engine.functions import EvalContext
from local.armsim.engine.ids import scoped_id, split_type
from local.armsim.engine.model import Reference, ResourceDecl, Scope
from local.armsim.engine.parameters import resolve_parameters
from local.armsim.engine.values import copy_count, evaluate_value, expand_copy

# Keys of a template resource that steer the deployment and never reach the provider.
_CONTROL_KEYS = frozenset(
    {"copy", "condition", "dependsOn", "comments", "resources", "scope", "existing"}
)
_DEPLOYMENTS_TYPE = "microsoft.resources/deployments"
_OUTPUT_TYPES = {
    "string": "String",
    "securestring": "SecureString",
    "int": "Int",
    "bool": "Bool",
    "object": "Object",
    "secureobject": "SecureObject",
    "array": "Array",
}


@dataclass
class _Instance:
    """One resource instance: its template declaration and the context it is evaluated in."""

    order: int
    raw: dict[str, Any]
    ctx: EvalContext
    type: str
    name: str
    id: str
    api_version: str
    active: bool
    loop: str | None
    symbolic: str | None
    depends_raw: list[str]
    extra_deps: list[str] = field(default_factory=list)


def prepare(
    template: dict[str, Any],
    parameters: dict[str, Any],
    scope: Scope,
    *,
    now: datetime | None = None,
) -> Plan:
    """Validate parameters, evaluate variables, expand copies, apply conditions, order
    resources by dependsOn. Raises TemplateError with ARM's codes and wording."""
    if not isinstance(template, dict):
        raise validation_failed("The template must be a JSON object.")
    base = EvalContext(
        scope=scope,
        parameter=_unavailable("parameters"),
        variable=_unavailable("variables"),
        deployment=_deployment_value(template, parameters),
        user_functions=_user_functions(template),
        now=now or datetime.now(UTC),
    )
    values = resolve_parameters(template.get("parameters") or {}, parameters, base)
    ctx = replace(base, parameter=_lookup("parameter", values))
    variables = _Variables(template.get("variables") or {}, ctx)
    ctx = replace(ctx, variable=variables.get)
    variables.evaluate_all()
    instances = _expand_resources(template.get("resources") or [], ctx)
    declared = _declared_names(instances)
    instances = [_with_declared(i, declared) for i in instances]
    ordered = _order(instances, declared)
    return Plan(template, values, ordered, {i.id.lower(): i for i in instances}, ctx, declared)


class Plan:
    """A validated deployment: resolved parameters and resources in creation order."""

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, Any],
        resources: list[ResourceDecl],
        instances: dict[str, _Instance],
        ctx: EvalContext,
        declared: dict[str, tuple[str, str]],
    ) -> None:
        self.template = template
        self.parameters = parameters
        self.resources = resources
        self._instances = instances
        self._ctx = replace(ctx, declared=declared)

    def render(self, decl: ResourceDecl, reference: Reference) -> dict[str, Any]:
        """The evaluated resource body as the template declares it (secure values included)."""
        inst = self._instances[decl.id.lower()]
        ctx = replace(inst.ctx, reference=reference, declared=self._ctx.declared)
        body: dict[str, Any] = {}
        try:
            for key, value in inst.raw.items():
                if key in _CONTROL_KEYS:
                    continue
                if key == "properties" and inst.type.lower() == _DEPLOYMENTS_TYPE:
                    body[key] = _render_nested_deployment(value, ctx)
                else:
                    body[key] = evaluate_value(value, ctx)
        except ExpressionError as exc:
            raise TemplateError(
                "InvalidTemplate",
                f"Unable to process template language expressions for resource '{decl.id}'. "
                f"'{exc.message}'",
            ) from exc
        body["type"] = inst.type
        body["name"] = inst.name
        return body

    def outputs(self, reference: Reference) -> dict[str, dict[str, Any]]:
        """{"name": {"type": "String", "value": ...}} as ARM returns them in properties.outputs."""
        ctx = replace(self._ctx, reference=reference)
        result: dict[str, dict[str, Any]] = {}
        for name, output in (self.template.get("outputs") or {}).items():
            try:
                if "condition" in output and evaluate_value(output["condition"], ctx) is not True:
                    continue
                if "copy" in output:
                    loop = output["copy"]
                    count = copy_count(loop, ctx)
                    value: Any = [
                        evaluate_value(loop.get("input"), ctx.with_copy("", i))
                        for i in range(count)
                    ]
                else:
                    value = evaluate_value(output.get("value"), ctx)
            except ExpressionError as exc:
                raise TemplateError(
                    "DeploymentOutputEvaluationFailed",
                    f"Unable to evaluate template outputs: '{name}'. Please see error details "
                    "and deployment operations. Please see https://aka.ms/arm-common-errors "
                    "for usage details.",
                    [
                        {
                            "code": "DeploymentOutputEvaluationFailed",
                            "target": name,
                            "message": f"The template output '{name}' is not valid: "
                            f"{exc.message}. {EXPRESSIONS_HELP}",
                        }
                    ],
                ) from exc
            kind = str(output.get("type", "string"))
            result[name] = {"type": _OUTPUT_TYPES.get(kind.lower(), kind), "value": value}
        return result


# ---------------------------------------------------------------- helpers: context


def _unavailable(what: str) -> Callable[[str], Any]:
    def fail(name: str) -> Any:
        raise ExpressionError(
            f"The template function '{what}' is not expected at this location. {EXPRESSIONS_HELP}"
        )

    return fail


def _lookup(kind: str, values: dict[str, Any]) -> Callable[[str], Any]:
    by_lower = {k.lower(): v for k, v in values.items()}

    def get(name: str) -> Any:
        key = name.lower()
        if key not in by_lower:
            raise ExpressionError(
                f"The template {kind} '{name}' is not found. "
                f"Please see https://aka.ms/arm-template/#{kind}s for usage details."
            )
        return by_lower[key]

    return get


def _deployment_value(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    shown = {k: template[k] for k in ("$schema", "contentVersion", "metadata") if k in template}
    return {
        "properties": {
            "template": shown,
            "parameters": parameters,
            "mode": "Incremental",
            "provisioningState": "Accepted",
        }
    }


def _user_functions(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for namespace in template.get("functions") or []:
        prefix = str(namespace.get("namespace", ""))
        for member, definition in (namespace.get("members") or {}).items():
            found[f"{prefix}.{member}".lower()] = definition
    return found


class _Variables:
    """Variables evaluated on first use (they may use each other), with cycle detection."""

    def __init__(self, raw: dict[str, Any], ctx: EvalContext) -> None:
        self.raw = {k.lower(): (k, v) for k, v in raw.items() if k != "copy"}
        for loop in raw.get("copy") or []:
            self.raw[str(loop["name"]).lower()] = (str(loop["name"]), {"__copy__": loop})
        self.ctx = ctx
        self.done: dict[str, Any] = {}
        self.busy: set[str] = set()

    def get(self, name: str) -> Any:
        key = name.lower()
        if key in self.done:
            return self.done[key]
        if key not in self.raw:
            raise ExpressionError(
                f"The template variable '{name}' is not found. "
                "Please see https://aka.ms/arm-template/#variables for usage details."
            )
        if key in self.busy:
            raise ExpressionError(f"The template variable '{name}' has a circular reference.")
        self.busy.add(key)
        try:
            value = self.raw[key][1]
            ctx = replace(self.ctx, variable=self.get)
            if isinstance(value, dict) and "__copy__" in value:
                result = expand_copy(value["__copy__"], ctx)
            else:
                result = evaluate_value(value, ctx)
        finally:
            self.busy.discard(key)
        self.done[key] = result
        return result

    def evaluate_all(self) -> None:
        for key, (name, _) in self.raw.items():
            try:
                self.get(key)
            except ExpressionError as exc:
                raise validation_failed(
                    f"The template variable '{name}' is not valid: {exc.message}. "
                    + EXPRESSIONS_HELP
                ) from exc


# ---------------------------------------------------------------- helpers: resources


def _template_resources(resources: Any) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """(symbolic name or None, resource) for classic arrays and languageVersion 2.0 objects."""
    if isinstance(resources, dict):
        yield from resources.items()
    else:
        for r in resources:
            yield None, r


def _expand_resources(resources: Any, ctx: EvalContext) -> list[_Instance]:
    out: list[_Instance] = []
    for symbolic, raw in _template_resources(resources):
        if raw.get("existing") is True:
            continue
        _expand_one(raw, symbolic, ctx, None, out)
    seen: dict[str, _Instance] = {}
    for inst in out:
        if inst.active and inst.id.lower() in seen:
            raise validation_failed(
                f"The resource '{inst.id}' is defined multiple times in a template. "
                + RESOURCES_HELP
            )
        if inst.active:
            seen[inst.id.lower()] = inst
    return out


def _expand_one(
    raw: dict[str, Any],
    symbolic: str | None,
    ctx: EvalContext,
    parent: _Instance | None,
    out: list[_Instance],
) -> None:
    label = str(raw.get("name", symbolic or "?"))
    try:
        loop = raw.get("copy")
        if loop is None:
            contexts: list[tuple[EvalContext, str | None, int]] = [(ctx, None, 0)]
        else:
            name = str(loop.get("name", ""))
            count = copy_count(loop, ctx)
            contexts = [(ctx.with_copy(name, i), name, i) for i in range(count)]
        batch_ids: list[list[str]] = []
        for inst_ctx, loop_name, index in contexts:
            inst = _instantiate(raw, symbolic, inst_ctx, parent, loop_name, len(out))
            if loop is not None and str(loop.get("mode", "parallel")).lower() == "serial":
                size = int(evaluate_value(loop.get("batchSize", 1), ctx) or 1)
                batch = index // size
                if batch > 0:
                    inst.extra_deps.extend(batch_ids[batch - 1])
                if len(batch_ids) <= batch:
                    batch_ids.append([])
                batch_ids[batch].append(inst.id)
            out.append(inst)
            for child in raw.get("resources") or []:
                _expand_one(child, None, inst_ctx, inst, out)
    except ExpressionError as exc:
        raise validation_failed(
            f"The template resource '{label}' is not valid: {exc.message}. {EXPRESSIONS_HELP}"
        ) from exc


def _instantiate(
    raw: dict[str, Any],
    symbolic: str | None,
    ctx: EvalContext,
    parent: _Instance | None,
    loop: str | None,
    order: int,
) -> _Instance:
    rtype = str(evaluate_value(raw.get("type", ""), ctx))
    name = str(evaluate_value(raw.get("name", ""), ctx))
    if parent is not None:
        if "." not in rtype.split("/")[0]:
            rtype = f"{parent.type}/{rtype}"
        _, types = split_type(rtype)
        if len(name.split("/")) < len(types):
            name = f"{parent.name}/{name}"
    _, types = split_type(rtype)
    if len(name.split("/")) != len(types):
        raise ExpressionError(
            f"The template resource '{name}' for type '{rtype}' has incorrect segment lengths. "
            "A nested resource type must have identical number of segments as its resource "
            "name. A root resource type must have segment length one greater than its "
            "resource name."
        )
    active = True
    if "condition" in raw:
        condition = evaluate_value(raw["condition"], ctx)
        if not isinstance(condition, bool):
            raise ExpressionError("The resource condition must evaluate to a boolean.")
        active = condition
    if parent is not None and not parent.active:
        active = False
    scope_id = ctx.scope.resource_group_id
    if "scope" in raw:
        scope_id = str(evaluate_value(raw["scope"], ctx))
    elif "resourceGroup" in raw or "subscriptionId" in raw:
        sub = str(evaluate_value(raw.get("subscriptionId", ctx.scope.subscription_id), ctx))
        rg = str(evaluate_value(raw.get("resourceGroup", ctx.scope.resource_group), ctx))
        scope_id = f"/subscriptions/{sub}/resourceGroups/{rg}"
    depends = evaluate_value(raw.get("dependsOn") or [], ctx)
    if parent is not None and parent.loop is None:
        depends = [*depends, parent.id]
    return _Instance(
        order=order,
        raw=raw,
        ctx=ctx,
        type=rtype,
        name=name,
        id=scoped_id(scope_id, rtype, name),
        api_version=str(raw.get("apiVersion", "")),
        active=active,
        loop=loop,
        symbolic=symbolic,
        depends_raw=[str(d) for d in depends],
    )


def _declared_names(instances: list[_Instance]) -> dict[str, tuple[str, str]]:
    """Names reference()/dependsOn may use for a template resource -> (id, apiVersion)."""
    declared: dict[str, tuple[str, str]] = {}
    for inst in instances:
        entry = (inst.id, inst.api_version)
        for alias in (inst.name, f"{inst.type}/{inst.name}", inst.id, inst.symbolic):
            if alias:
                declared.setdefault(alias.lower(), entry)
    return declared


def _with_declared(inst: _Instance, declared: dict[str, tuple[str, str]]) -> _Instance:
    inst.ctx = replace(inst.ctx, declared=declared)
    return inst


def _order(instances: list[_Instance], declared: dict[str, tuple[str, str]]) -> list[ResourceDecl]:
    """Active resources in an order that respects dependsOn (declaration order breaks ties)."""
    by_id = {i.id.lower(): i for i in instances}
    loops: dict[str, list[_Instance]] = {}
    symbols: dict[str, list[_Instance]] = {}
    for inst in instances:
        if inst.loop:
            loops.setdefault(inst.loop.lower(), []).append(inst)
        if inst.symbolic:
            symbols.setdefault(inst.symbolic.lower(), []).append(inst)

    def targets(ref: str) -> list[_Instance]:
        key = ref.lower()
        if key in by_id:
            return [by_id[key]]
        if key in symbols:
            return symbols[key]
        if key in loops:
            return loops[key]
        if not key.startswith("/") and key in declared:
            return [by_id[declared[key][0].lower()]]
        raise validation_failed(
            f"The resource '{ref}' is not defined in the template. "
            "Please see https://aka.ms/arm-template for usage details."
        )

    active = [i for i in instances if i.active]
    edges: dict[str, list[str]] = {}
    for inst in active:
        deps: list[str] = []
        for ref in [*inst.depends_raw, *inst.extra_deps]:
            for target in targets(ref):
                tid = target.id
                if target.active and tid.lower() != inst.id.lower() and tid not in deps:
                    deps.append(tid)
        edges[inst.id.lower()] = deps

    pending = {i.id.lower(): len(edges[i.id.lower()]) for i in active}
    dependents: dict[str, list[_Instance]] = {}
    for inst in active:
        for dep in edges[inst.id.lower()]:
            dependents.setdefault(dep.lower(), []).append(inst)
    ready = [(i.order, i.id.lower()) for i in active if pending[i.id.lower()] == 0]
    heapq.heapify(ready)
    ordered: list[ResourceDecl] = []
    while ready:
        _, key = heapq.heappop(ready)
        inst = by_id[key]
        ordered.append(
            ResourceDecl(
                id=inst.id,
                type=inst.type,
                name=inst.name,
                api_version=inst.api_version,
                depends_on=tuple(edges[key]),
            )
        )
        for dependent in dependents.get(key, []):
            dkey = dependent.id.lower()
            pending[dkey] -= 1
            if pending[dkey] == 0:
                heapq.heappush(ready, (dependent.order, dkey))
    if len(ordered) != len(active):
        stuck = next(i for i in active if pending[i.id.lower()] > 0)
        raise validation_failed(
            f"Circular dependency detected on resource: '{stuck.id}'. {RESOURCES_HELP}"
        )
    return ordered


def _render_nested_deployment(properties: Any, ctx: EvalContext) -> Any:
    """A nested deployment's properties: the inner template stays raw when its scope is inner.

    The simulator deploys it by calling prepare() on properties.template with the
    rendered properties.parameters.
    """
    if not isinstance(properties, dict):
        return evaluate_value(properties, ctx)
    options = properties.get("expressionEvaluationOptions") or {}
    inner = str(options.get("scope", "outer")).lower() == "inner"
    if "template" in properties and not inner:
        raise ExpressionError(
            "Nested deployments with outer expression evaluation scope are not supported by "
            "Beast's ARM simulator; set expressionEvaluationOptions.scope to 'inner' "
            "(Bicep modules do)."
        )
    return {k: (v if k == "template" else evaluate_value(v, ctx)) for k, v in properties.items()}
