"""The ARM template function library: one small function per template function.

`REGISTRY` maps lower-cased names to functions that receive evaluated arguments;
`SPECIAL_FORMS` receive unevaluated AST nodes (for laziness: `if`, `and`, `or`, `lambda`).
Anything not listed fails loudly with ARM's "The template function 'x' is not valid".
"""

from __future__ import annotations

import base64
import calendar
import ipaddress
import json
import re
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from local.armsim.engine.errors import EXPRESSIONS_HELP, ExpressionError
from local.armsim.engine.expressions import (
    Lambda,
    Literal,
    Node,
    evaluate,
    get_index,
    get_property,
    type_name,
)
from local.armsim.engine.formatting import dotnet_format, to_arm_string
from local.armsim.engine.ids import provider_path
from local.armsim.engine.model import Reference, Scope
from local.armsim.engine.unique import arm_guid, unique_string

# ---------------------------------------------------------------- context


@dataclass(frozen=True)
class EvalContext:
    """Everything an expression can see while it is evaluated."""

    scope: Scope
    parameter: Callable[[str], Any]
    variable: Callable[[str], Any]
    deployment: Mapping[str, Any] = field(default_factory=dict)
    # copy loop name (lower-cased; "" for the loop of the current resource/output) -> index
    copy_indexes: Mapping[str, int] = field(default_factory=dict)
    reference: Reference | None = None
    # template-declared resource name or "type/name" (lower-cased) -> (id, apiVersion)
    declared: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    lambda_vars: Mapping[str, Any] = field(default_factory=dict)
    user_functions: Mapping[str, Any] = field(default_factory=dict)
    in_parameter_default: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def call(self, name: str, args: tuple[Node, ...]) -> Any:
        """Evaluate a call to template function `name`."""
        key = name.lower()
        special = SPECIAL_FORMS.get(key)
        if special is not None:
            return special(self, args)
        func = REGISTRY.get(key)
        if func is not None:
            return func(self, [evaluate(a, self) for a in args])
        if "." in key and key in self.user_functions:
            return call_user_function(self, name, [evaluate(a, self) for a in args])
        if key.startswith("list"):
            raise ExpressionError(
                f"The template function '{name}' is not supported by Beast's ARM simulator: "
                "list* actions (keys, secrets) have no local equivalent."
            )
        raise ExpressionError(f"The template function '{name}' is not valid. {EXPRESSIONS_HELP}")

    def with_copy(self, loop: str, index: int, *, current: bool = True) -> EvalContext:
        """This context inside iteration `index` of copy loop `loop`."""
        indexes = dict(self.copy_indexes)
        indexes[loop.lower()] = index
        if current:
            indexes[""] = index
        return replace(self, copy_indexes=indexes)


Function = Callable[[EvalContext, list[Any]], Any]
SpecialForm = Callable[[EvalContext, tuple[Node, ...]], Any]
REGISTRY: dict[str, Function] = {}
SPECIAL_FORMS: dict[str, SpecialForm] = {}


def _register(name: str, low: int, high: int | None = None) -> Callable[[Function], Function]:
    """Register `name` taking between `low` and `high` arguments (None: unbounded)."""

    def wrap(func: Function) -> Function:
        def checked(ctx: EvalContext, args: list[Any]) -> Any:
            _check_arity(name, len(args), low, high)
            return func(ctx, args)

        REGISTRY[name.lower()] = checked
        return func

    return wrap


def _special(name: str, low: int, high: int | None = None) -> Callable[[SpecialForm], SpecialForm]:
    def wrap(func: SpecialForm) -> SpecialForm:
        def checked(ctx: EvalContext, args: tuple[Node, ...]) -> Any:
            _check_arity(name, len(args), low, high)
            return func(ctx, args)

        SPECIAL_FORMS[name.lower()] = checked
        return func

    return wrap


def _check_arity(name: str, count: int, low: int, high: int | None) -> None:
    if count < low or (high is not None and count > high):
        if high == low:
            wanted = str(low)
        elif high is None:
            wanted = f"at least {low}"
        else:
            wanted = f"{low} to {high}"
        raise ExpressionError(
            f"Unable to evaluate template language function '{name}': function requires "
            f"{wanted} argument(s) while {count} were provided. {EXPRESSIONS_HELP}"
        )


def _fail(name: str, why: str) -> ExpressionError:
    return ExpressionError(f"Unable to evaluate template language function '{name}': {why}")


def _expect(name: str, value: Any, *kinds: type) -> None:
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        wanted = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
        raise _fail(
            name, f"the argument of type '{type_name(value)}' is not valid; expected {wanted}."
        )


_KIND_NAMES = {str: "String", int: "Integer", bool: "Boolean", list: "Array", dict: "Object"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------- deployment values


@_register("parameters", 1, 1)
def _parameters(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("parameters", args[0], str)
    return ctx.parameter(args[0])


@_register("variables", 1, 1)
def _variables(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("variables", args[0], str)
    return ctx.variable(args[0])


@_register("resourceGroup", 0, 0)
def _resource_group(ctx: EvalContext, args: list[Any]) -> Any:
    return {
        "id": ctx.scope.resource_group_id,
        "name": ctx.scope.resource_group,
        "type": "Microsoft.Resources/resourceGroups",
        "location": ctx.scope.location,
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }


@_register("subscription", 0, 0)
def _subscription(ctx: EvalContext, args: list[Any]) -> Any:
    return {
        "id": ctx.scope.subscription_scope,
        "subscriptionId": ctx.scope.subscription_id,
        "tenantId": ctx.scope.tenant_id,
        "displayName": "Simulated subscription",
    }


@_register("tenant", 0, 0)
def _tenant(ctx: EvalContext, args: list[Any]) -> Any:
    return {"tenantId": ctx.scope.tenant_id, "countryCode": "US", "displayName": "Simulated tenant"}


@_register("deployment", 0, 0)
def _deployment(ctx: EvalContext, args: list[Any]) -> Any:
    return {"name": ctx.scope.deployment_name, **ctx.deployment}


@_register("environment", 0, 0)
def _environment(ctx: EvalContext, args: list[Any]) -> Any:
    return {
        "name": "AzureCloud",
        "gallery": "https://gallery.azure.com/",
        "graph": "https://graph.windows.net/",
        "portal": "https://portal.azure.com",
        "graphAudience": "https://graph.windows.net/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "batch": "https://batch.core.windows.net/",
        "media": "https://rest.media.azure.net",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/"
        "arm-compute/quickstart-templates/aliases.json",
        "resourceManager": "https://management.azure.com/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {
            "acrLoginServer": ".azurecr.io",
            "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "keyvaultDns": ".vault.azure.net",
            "sqlServerHostname": ".database.windows.net",
            "storage": "core.windows.net",
        },
    }


@_special("copyIndex", 0, 2)
def _copy_index(ctx: EvalContext, nodes: tuple[Node, ...]) -> Any:
    args = [evaluate(n, ctx) for n in nodes]
    loop, offset = "", 0
    if len(args) == 2:
        loop, offset = args[0], args[1]
    elif len(args) == 1:
        if isinstance(args[0], str):
            loop = args[0]
        else:
            offset = args[0]
    _expect("copyIndex", loop, str)
    _expect("copyIndex", offset, int)
    index = ctx.copy_indexes.get(loop.lower())
    if index is None:
        if loop:
            raise ExpressionError(
                f"The template function 'copyIndex' has an invalid loop name '{loop}': "
                f"no copy loop with that name encloses this expression. {EXPRESSIONS_HELP}"
            )
        raise ExpressionError(
            "The template function 'copyIndex' is not expected at this location. "
            + EXPRESSIONS_HELP
        )
    return index + offset


# ---------------------------------------------------------------- resource ids


def _resource_id_parts(name: str, args: list[Any]) -> tuple[list[str], str, list[str]]:
    """Split ARM's overloaded argument list into (leading scope args, type, names)."""
    for a in args:
        _expect(name, a, str)
    for i, a in enumerate(args):
        if "/" in a and "." in a.split("/")[0]:
            return list(args[:i]), a, list(args[i + 1 :])
    raise _fail(name, "no resource type ('Namespace/type') was found among the arguments.")


@_register("resourceId", 2)
def _resource_id(ctx: EvalContext, args: list[Any]) -> Any:
    lead, rtype, names = _resource_id_parts("resourceId", args)
    sub, rg = ctx.scope.subscription_id, ctx.scope.resource_group
    if len(lead) == 1:
        rg = lead[0]
    elif len(lead) == 2:
        sub, rg = lead
    elif len(lead) > 2:
        raise _fail("resourceId", "too many arguments before the resource type.")
    return f"/subscriptions/{sub}/resourceGroups/{rg}/{provider_path(rtype, names)}"


@_register("subscriptionResourceId", 2)
def _subscription_resource_id(ctx: EvalContext, args: list[Any]) -> Any:
    lead, rtype, names = _resource_id_parts("subscriptionResourceId", args)
    if len(lead) > 1:
        raise _fail("subscriptionResourceId", "too many arguments before the resource type.")
    sub = lead[0] if lead else ctx.scope.subscription_id
    return f"/subscriptions/{sub}/{provider_path(rtype, names)}"


@_register("tenantResourceId", 2)
def _tenant_resource_id(ctx: EvalContext, args: list[Any]) -> Any:
    lead, rtype, names = _resource_id_parts("tenantResourceId", args)
    if lead:
        raise _fail("tenantResourceId", "the first argument must be the resource type.")
    return f"/{provider_path(rtype, names)}"


@_register("extensionResourceId", 3)
def _extension_resource_id(ctx: EvalContext, args: list[Any]) -> Any:
    base = args[0]
    _expect("extensionResourceId", base, str)
    lead, rtype, names = _resource_id_parts("extensionResourceId", args[1:])
    if lead:
        raise _fail("extensionResourceId", "the second argument must be the resource type.")
    return f"{base.rstrip('/')}/{provider_path(rtype, names)}"


@_register("reference", 1, 3)
def _reference(ctx: EvalContext, args: list[Any]) -> Any:
    target = args[0]
    _expect("reference", target, str)
    api_version = args[1] if len(args) > 1 else None
    full = len(args) > 2 and isinstance(args[2], str) and args[2].lower() == "full"
    if ctx.reference is None:
        raise ExpressionError(
            "The template function 'reference' is not expected at this location. "
            + EXPRESSIONS_HELP
        )
    resource_id = target
    if not target.startswith("/"):
        found = ctx.declared.get(target.lower())
        if found is None:
            raise ExpressionError(
                f"The template reference '{target}' is not valid: could not find template "
                f"resource or resource copy with this name. {EXPRESSIONS_HELP}"
            )
        resource_id = found[0]
        api_version = api_version or found[1]
    return ctx.reference(resource_id, api_version, full)


@_register("pickZones", 3, 5)
def _pick_zones(ctx: EvalContext, args: list[Any]) -> Any:
    # The simulated regions all have three zones for compute and network resources.
    count = args[3] if len(args) > 3 else 1
    offset = args[4] if len(args) > 4 else 0
    return [str(z) for z in range(1 + offset, 1 + offset + count) if z <= 3]


# ---------------------------------------------------------------- strings


@_register("format", 1)
def _format(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("format", args[0], str)
    return dotnet_format(args[0], args[1:])


@_register("string", 1, 1)
def _string(ctx: EvalContext, args: list[Any]) -> Any:
    return to_arm_string(args[0])


@_register("toLower", 1, 1)
def _to_lower(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("toLower", args[0], str)
    return args[0].lower()


@_register("toUpper", 1, 1)
def _to_upper(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("toUpper", args[0], str)
    return args[0].upper()


@_register("trim", 1, 1)
def _trim(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("trim", args[0], str)
    return args[0].strip()


@_register("replace", 3, 3)
def _replace(ctx: EvalContext, args: list[Any]) -> Any:
    for a in args:
        _expect("replace", a, str)
    return args[0].replace(args[1], args[2])


@_register("substring", 2, 3)
def _substring(ctx: EvalContext, args: list[Any]) -> Any:
    text, start = args[0], args[1]
    _expect("substring", text, str)
    _expect("substring", start, int)
    length = args[2] if len(args) > 2 else len(text) - start
    _expect("substring", length, int)
    if start < 0 or length < 0 or start + length > len(text):
        raise _fail(
            "substring",
            "The index and length parameters must refer to a location within the string. "
            f"The index parameter: '{start}', the length parameter: '{length}', "
            f"the length of the string parameter: '{len(text)}'.",
        )
    return text[start : start + length]


@_register("startsWith", 2, 2)
def _starts_with(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("startsWith", args[0], str)
    _expect("startsWith", args[1], str)
    return bool(args[0].lower().startswith(args[1].lower()))


@_register("endsWith", 2, 2)
def _ends_with(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("endsWith", args[0], str)
    _expect("endsWith", args[1], str)
    return bool(args[0].lower().endswith(args[1].lower()))


@_register("indexOf", 2, 2)
def _index_of(ctx: EvalContext, args: list[Any]) -> Any:
    if isinstance(args[0], list):
        return next((i for i, v in enumerate(args[0]) if _json_equal(v, args[1])), -1)
    _expect("indexOf", args[0], str)
    _expect("indexOf", args[1], str)
    # ARM compares strings case-insensitively here.
    return args[0].lower().find(args[1].lower())


@_register("lastIndexOf", 2, 2)
def _last_index_of(ctx: EvalContext, args: list[Any]) -> Any:
    if isinstance(args[0], list):
        hits = [i for i, v in enumerate(args[0]) if _json_equal(v, args[1])]
        return hits[-1] if hits else -1
    _expect("lastIndexOf", args[0], str)
    _expect("lastIndexOf", args[1], str)
    return args[0].lower().rfind(args[1].lower())


@_register("split", 2, 2)
def _split(ctx: EvalContext, args: list[Any]) -> Any:
    text, delimiters = args
    _expect("split", text, str)
    if isinstance(delimiters, str):
        delimiters = [delimiters]
    _expect("split", delimiters, list)
    parts = [text]
    for d in delimiters:
        _expect("split", d, str)
        parts = [piece for part in parts for piece in part.split(d)]
    return parts


@_register("join", 2, 2)
def _join(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("join", args[0], list)
    _expect("join", args[1], str)
    return args[1].join(to_arm_string(v) for v in args[0])


@_register("padLeft", 2, 3)
def _pad_left(ctx: EvalContext, args: list[Any]) -> Any:
    text = to_arm_string(args[0])
    _expect("padLeft", args[1], int)
    pad = args[2] if len(args) > 2 else " "
    _expect("padLeft", pad, str)
    if len(pad) != 1:
        raise _fail("padLeft", "the padding character must be a single character.")
    return text.rjust(args[1], pad)


@_register("uniqueString", 1)
def _unique_string(ctx: EvalContext, args: list[Any]) -> Any:
    for a in args:
        _expect("uniqueString", a, str)
    return unique_string(*args)


@_register("guid", 1)
def _guid(ctx: EvalContext, args: list[Any]) -> Any:
    for a in args:
        _expect("guid", a, str)
    return arm_guid(*args)


@_register("newGuid", 0, 0)
def _new_guid(ctx: EvalContext, args: list[Any]) -> Any:
    _only_in_parameter_default(ctx, "newGuid")
    return str(uuid.uuid4())


@_register("utcNow", 0, 1)
def _utc_now(ctx: EvalContext, args: list[Any]) -> Any:
    _only_in_parameter_default(ctx, "utcNow")
    fmt = args[0] if args else "yyyyMMddTHHmmssZ"
    _expect("utcNow", fmt, str)
    return _dotnet_datetime(ctx.now, fmt)


def _only_in_parameter_default(ctx: EvalContext, name: str) -> None:
    if not ctx.in_parameter_default:
        raise ExpressionError(
            f"The template function '{name}' is not expected at this location. "
            "It can only be used in the default value of a parameter. " + EXPRESSIONS_HELP
        )


_DOTNET_STANDARD = {
    "u": "%Y-%m-%d %H:%M:%SZ",
    "s": "%Y-%m-%dT%H:%M:%S",
    "d": "%-m/%-d/%Y",
    "o": "%Y-%m-%dT%H:%M:%S.%f0Z",
}
_DOTNET_TOKENS = [
    ("yyyy", "%Y"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("yy", "%y"),
]


def _dotnet_datetime(now: datetime, fmt: str) -> str:
    if fmt in _DOTNET_STANDARD:
        return now.strftime(_DOTNET_STANDARD[fmt])
    out, i = [], 0
    while i < len(fmt):
        for token, code in _DOTNET_TOKENS:
            if fmt.startswith(token, i):
                out.append(now.strftime(code))
                i += len(token)
                break
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


@_register("base64", 1, 1)
def _base64(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("base64", args[0], str)
    return base64.b64encode(args[0].encode()).decode()


@_register("base64ToString", 1, 1)
def _base64_to_string(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("base64ToString", args[0], str)
    return base64.b64decode(args[0]).decode()


@_register("base64ToJson", 1, 1)
def _base64_to_json(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("base64ToJson", args[0], str)
    return json.loads(base64.b64decode(args[0]).decode())


@_register("uri", 2, 2)
def _uri(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("uri", args[0], str)
    _expect("uri", args[1], str)
    return urllib.parse.urljoin(args[0], args[1])


@_register("uriComponent", 1, 1)
def _uri_component(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("uriComponent", args[0], str)
    return urllib.parse.quote(args[0], safe="-_.!~*'()")


@_register("uriComponentToString", 1, 1)
def _uri_component_to_string(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("uriComponentToString", args[0], str)
    return urllib.parse.unquote(args[0])


@_register("dataUri", 1, 1)
def _data_uri(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("dataUri", args[0], str)
    encoded = base64.b64encode(args[0].encode()).decode()
    return f"data:text/plain;charset=utf8;base64,{encoded}"


@_register("dataUriToString", 1, 1)
def _data_uri_to_string(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("dataUriToString", args[0], str)
    header, _, payload = args[0].partition(",")
    if not header.startswith("data:"):
        raise _fail("dataUriToString", "the value is not a data URI.")
    if header.endswith(";base64"):
        return base64.b64decode(payload).decode()
    return urllib.parse.unquote(payload)


@_register("json", 1, 1)
def _json(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("json", args[0], str)
    try:
        return json.loads(args[0])
    except json.JSONDecodeError as exc:
        raise _fail("json", f"the argument '{args[0]}' is not valid JSON: {exc.msg}.") from exc


_DURATION = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


def _parse_datetime(name: str, text: Any) -> datetime:
    _expect(name, text, str)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _fail(name, f"the value '{text}' is not a valid ISO 8601 date and time.") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@_register("dateTimeAdd", 2, 3)
def _date_time_add(ctx: EvalContext, args: list[Any]) -> Any:
    base = _parse_datetime("dateTimeAdd", args[0])
    _expect("dateTimeAdd", args[1], str)
    match = _DURATION.match(args[1])
    if match is None or args[1] in ("P", "-P", "PT", "-PT"):
        raise _fail("dateTimeAdd", f"the duration '{args[1]}' is not a valid ISO 8601 duration.")
    sign = -1 if match.group(1) else 1
    years, months, weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups()[1:])
    total_months = base.month - 1 + sign * (years * 12 + months)
    year, month = base.year + total_months // 12, total_months % 12 + 1
    day = min(base.day, calendar.monthrange(year, month)[1])
    shifted = base.replace(year=year, month=month, day=day)
    shifted += sign * timedelta(
        weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds
    )
    fmt = args[2] if len(args) > 2 else "yyyy-MM-ddTHH:mm:ssZ"
    _expect("dateTimeAdd", fmt, str)
    return _dotnet_datetime(shifted, fmt)


@_register("dateTimeToEpoch", 1, 1)
def _date_time_to_epoch(ctx: EvalContext, args: list[Any]) -> Any:
    return int(_parse_datetime("dateTimeToEpoch", args[0]).timestamp())


@_register("dateTimeFromEpoch", 1, 1)
def _date_time_from_epoch(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("dateTimeFromEpoch", args[0], int)
    return datetime.fromtimestamp(args[0], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- networks (Bicep's CIDR helpers)


def _network(name: str, text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    _expect(name, text, str)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise _fail(name, f"the value '{text}' is not a valid CIDR block.") from exc


@_register("parseCidr", 1, 1)
def _parse_cidr(ctx: EvalContext, args: list[Any]) -> Any:
    net = _network("parseCidr", args[0])
    usable = list(net.hosts()) if net.num_addresses <= 4 else None
    first = usable[0] if usable else net.network_address + 1
    last = usable[-1] if usable else net.broadcast_address - 1
    return {
        "network": str(net.network_address),
        "netmask": str(net.netmask),
        "broadcast": str(net.broadcast_address),
        "firstUsable": str(first),
        "lastUsable": str(last),
        "cidr": net.prefixlen,
    }


@_register("cidrSubnet", 3, 3)
def _cidr_subnet(ctx: EvalContext, args: list[Any]) -> Any:
    net = _network("cidrSubnet", args[0])
    _expect("cidrSubnet", args[1], int)
    _expect("cidrSubnet", args[2], int)
    if args[1] < net.prefixlen or args[1] > net.max_prefixlen:
        raise _fail("cidrSubnet", f"the new CIDR '{args[1]}' does not fit in '{args[0]}'.")
    count = 2 ** (args[1] - net.prefixlen)
    if not 0 <= args[2] < count:
        raise _fail("cidrSubnet", f"the subnet index '{args[2]}' is out of range.")
    size = 2 ** (net.max_prefixlen - args[1])
    start = net.network_address + args[2] * size
    return f"{start}/{args[1]}"


@_register("cidrHost", 2, 2)
def _cidr_host(ctx: EvalContext, args: list[Any]) -> Any:
    net = _network("cidrHost", args[0])
    _expect("cidrHost", args[1], int)
    # Index 0 is the first usable host: the network address itself is skipped.
    if not 0 <= args[1] < net.num_addresses - 2:
        raise _fail("cidrHost", f"the host index '{args[1]}' is out of range.")
    return str(net.network_address + 1 + args[1])


# ---------------------------------------------------------------- collections


@_register("concat", 0)
def _concat(ctx: EvalContext, args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [item for a in args for item in a]
    if any(isinstance(a, list | dict) for a in args):
        raise _fail("concat", "the arguments must be all arrays or all strings/integers.")
    return "".join(to_arm_string(a) for a in args)


@_register("length", 1, 1)
def _length(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("length", args[0], str, list, dict)
    return len(args[0])


@_register("empty", 1, 1)
def _empty(ctx: EvalContext, args: list[Any]) -> Any:
    value = args[0]
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


@_register("contains", 2, 2)
def _contains(ctx: EvalContext, args: list[Any]) -> Any:
    container, item = args
    if isinstance(container, str):
        return to_arm_string(item) in container
    if isinstance(container, list):
        return any(_json_equal(v, item) for v in container)
    if isinstance(container, dict):
        _expect("contains", item, str)
        return item.lower() in (k.lower() for k in container)
    raise _fail("contains", f"the container of type '{type_name(container)}' is not valid.")


@_register("first", 1, 1)
def _first(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("first", args[0], str, list)
    return args[0][0] if args[0] else ("" if isinstance(args[0], str) else None)


@_register("last", 1, 1)
def _last(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("last", args[0], str, list)
    return args[0][-1] if args[0] else ("" if isinstance(args[0], str) else None)


@_register("take", 2, 2)
def _take(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("take", args[0], str, list)
    _expect("take", args[1], int)
    return args[0][: max(args[1], 0)]


@_register("skip", 2, 2)
def _skip(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("skip", args[0], str, list)
    _expect("skip", args[1], int)
    return args[0][max(args[1], 0) :]


@_register("array", 1, 1)
def _array(ctx: EvalContext, args: list[Any]) -> Any:
    return args[0] if isinstance(args[0], list) else [args[0]]


@_register("createArray", 0)
def _create_array(ctx: EvalContext, args: list[Any]) -> Any:
    return list(args)


@_register("createObject", 0)
def _create_object(ctx: EvalContext, args: list[Any]) -> Any:
    if len(args) % 2:
        raise _fail("createObject", "the number of arguments must be even (key, value pairs).")
    result: dict[str, Any] = {}
    for key, value in zip(args[::2], args[1::2], strict=True):
        _expect("createObject", key, str)
        result[key] = value
    return result


@_register("union", 1)
def _union(ctx: EvalContext, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        merged: dict[str, Any] = {}
        for a in args:
            merged = _merge_objects(merged, a)
        return merged
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for a in args:
            for item in a:
                if not any(_json_equal(item, seen) for seen in out):
                    out.append(item)
        return out
    raise _fail("union", "the arguments must be all objects or all arrays.")


def _merge_objects(left: dict[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    # ARM merges nested objects of union() recursively; other values: the last one wins.
    merged = dict(left)
    for key, value in right.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_objects(merged[key], value)
        else:
            merged[key] = value
    return merged


@_register("intersection", 1)
def _intersection(ctx: EvalContext, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        first = args[0]
        return {
            k: v
            for k, v in first.items()
            if all(k in other and _json_equal(other[k], v) for other in args[1:])
        }
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for item in args[0]:
            in_all = all(any(_json_equal(item, o) for o in other) for other in args[1:])
            if in_all and not any(_json_equal(item, seen) for seen in out):
                out.append(item)
        return out
    raise _fail("intersection", "the arguments must be all objects or all arrays.")


@_register("shallowMerge", 1, 1)
def _shallow_merge(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("shallowMerge", args[0], list)
    merged: dict[str, Any] = {}
    for obj in args[0]:
        _expect("shallowMerge", obj, dict)
        merged.update(obj)
    return merged


@_register("flatten", 1, 1)
def _flatten(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("flatten", args[0], list)
    out: list[Any] = []
    for inner in args[0]:
        _expect("flatten", inner, list)
        out.extend(inner)
    return out


@_register("objectKeys", 1, 1)
def _object_keys(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("objectKeys", args[0], dict)
    return list(args[0].keys())


@_register("items", 1, 1)
def _items(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("items", args[0], dict)
    # ARM returns the entries sorted by key.
    return [{"key": k, "value": args[0][k]} for k in sorted(args[0], key=str.lower)]


@_register("tryGet", 2)
def _try_get(ctx: EvalContext, args: list[Any]) -> Any:
    value = args[0]
    for key in args[1:]:
        if isinstance(value, dict) and isinstance(key, str):
            value = next((v for k, v in value.items() if k.lower() == key.lower()), None)
        elif isinstance(value, list) and _is_int(key):
            value = value[key] if 0 <= key < len(value) else None
        else:
            return None
    return value


@_register("range", 2, 2)
def _range(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("range", args[0], int)
    _expect("range", args[1], int)
    if args[1] < 0 or args[1] > 10000:
        raise _fail("range", "the count must be between 0 and 10000.")
    return list(range(args[0], args[0] + args[1]))


@_register("null", 0, 0)
def _null(ctx: EvalContext, args: list[Any]) -> Any:
    return None


# ---------------------------------------------------------------- logic and comparison


@_register("true", 0, 0)
def _true(ctx: EvalContext, args: list[Any]) -> Any:
    return True


@_register("false", 0, 0)
def _false(ctx: EvalContext, args: list[Any]) -> Any:
    return False


@_special("if", 3, 3)
def _if(ctx: EvalContext, nodes: tuple[Node, ...]) -> Any:
    # Only the chosen branch is evaluated, as in ARM (so `if(cond, reference(x), null())` works).
    condition = evaluate(nodes[0], ctx)
    _expect("if", condition, bool)
    return evaluate(nodes[1] if condition else nodes[2], ctx)


@_special("and", 2)
def _and(ctx: EvalContext, nodes: tuple[Node, ...]) -> Any:
    for node in nodes:
        value = evaluate(node, ctx)
        _expect("and", value, bool)
        if not value:
            return False
    return True


@_special("or", 2)
def _or(ctx: EvalContext, nodes: tuple[Node, ...]) -> Any:
    for node in nodes:
        value = evaluate(node, ctx)
        _expect("or", value, bool)
        if value:
            return True
    return False


@_register("not", 1, 1)
def _not(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("not", args[0], bool)
    return not args[0]


@_register("equals", 2, 2)
def _equals(ctx: EvalContext, args: list[Any]) -> Any:
    return _json_equal(args[0], args[1])


@_register("coalesce", 1)
def _coalesce(ctx: EvalContext, args: list[Any]) -> Any:
    return next((a for a in args if a is not None), None)


def _ordered(name: str, args: list[Any]) -> tuple[Any, Any]:
    a, b = args
    both_ints = _is_int(a) and _is_int(b)
    both_strings = isinstance(a, str) and isinstance(b, str)
    if not (both_ints or both_strings):
        raise _fail(name, "the arguments must be both integers or both strings.")
    return a, b


@_register("greater", 2, 2)
def _greater(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ordered("greater", args)
    return a > b


@_register("greaterOrEquals", 2, 2)
def _greater_or_equals(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ordered("greaterOrEquals", args)
    return a >= b


@_register("less", 2, 2)
def _less(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ordered("less", args)
    return a < b


@_register("lessOrEquals", 2, 2)
def _less_or_equals(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ordered("lessOrEquals", args)
    return a <= b


def _json_equal(a: Any, b: Any) -> bool:
    """Deep JSON equality that keeps booleans apart from integers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


# ---------------------------------------------------------------- numbers and conversion


def _ints(name: str, args: list[Any]) -> list[int]:
    for a in args:
        _expect(name, a, int)
    return list(args)


@_register("int", 1, 1)
def _int(ctx: EvalContext, args: list[Any]) -> Any:
    value = args[0]
    if _is_int(value):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError as exc:
            raise _fail("int", f"the value '{value}' is not a valid integer.") from exc
    raise _fail(
        "int", f"the argument of type '{type_name(value)}' can't be converted to an integer."
    )


@_register("bool", 1, 1)
def _bool(ctx: EvalContext, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, bool):
        return value
    if _is_int(value):
        return value != 0
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _fail("bool", f"the value '{to_arm_string(value)}' can't be converted to a boolean.")


@_register("add", 2, 2)
def _add(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ints("add", args)
    return a + b


@_register("sub", 2, 2)
def _sub(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ints("sub", args)
    return a - b


@_register("mul", 2, 2)
def _mul(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ints("mul", args)
    return a * b


@_register("div", 2, 2)
def _div(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ints("div", args)
    if b == 0:
        raise _fail("div", "the divisor must not be zero.")
    # Integer division truncates toward zero, as in .NET.
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


@_register("mod", 2, 2)
def _mod(ctx: EvalContext, args: list[Any]) -> Any:
    a, b = _ints("mod", args)
    if b == 0:
        raise _fail("mod", "the divisor must not be zero.")
    # The remainder takes the sign of the dividend, as in .NET.
    remainder = abs(a) % abs(b)
    return remainder if a >= 0 else -remainder


def _numbers(name: str, args: list[Any]) -> list[int]:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if not values:
        raise _fail(name, "at least one value is required.")
    return _ints(name, values)


@_register("min", 1)
def _min(ctx: EvalContext, args: list[Any]) -> Any:
    return min(_numbers("min", args))


@_register("max", 1)
def _max(ctx: EvalContext, args: list[Any]) -> Any:
    return max(_numbers("max", args))


# ---------------------------------------------------------------- lambdas


@_special("lambda", 2)
def _lambda(ctx: EvalContext, nodes: tuple[Node, ...]) -> Any:
    names: list[str] = []
    for node in nodes[:-1]:
        if not isinstance(node, Literal) or not isinstance(node.value, str):
            raise _fail("lambda", "the lambda parameter names must be string literals.")
        names.append(node.value)
    outer = ctx

    def invoke(fn: Lambda, values: list[Any]) -> Any:
        if len(values) != len(fn.params):
            raise _fail("lambda", f"expected {len(fn.params)} argument(s), got {len(values)}.")
        scope = dict(outer.lambda_vars)
        scope.update({n.lower(): v for n, v in zip(fn.params, values, strict=True)})
        return evaluate(fn.body, replace(outer, lambda_vars=scope))

    return Lambda(tuple(names), nodes[-1], invoke)


@_register("lambdaVariables", 1, 1)
def _lambda_variables(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("lambdaVariables", args[0], str)
    key = args[0].lower()
    if key not in ctx.lambda_vars:
        raise ExpressionError(f"The lambda variable '{args[0]}' is not defined. {EXPRESSIONS_HELP}")
    return ctx.lambda_vars[key]


def _lambda_arg(name: str, value: Any, arity: int) -> Lambda:
    if not isinstance(value, Lambda) or len(value.params) != arity:
        raise _fail(name, f"the argument must be a lambda with {arity} parameter(s).")
    return value


@_register("map", 2, 2)
def _map(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("map", args[0], list)
    fn = args[1]
    if isinstance(fn, Lambda) and len(fn.params) == 2:
        return [fn(item, i) for i, item in enumerate(args[0])]
    fn = _lambda_arg("map", fn, 1)
    return [fn(item) for item in args[0]]


@_register("filter", 2, 2)
def _filter(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("filter", args[0], list)
    fn = _lambda_arg("filter", args[1], 1)
    return [item for item in args[0] if fn(item) is True]


@_register("reduce", 3, 3)
def _reduce(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("reduce", args[0], list)
    fn = _lambda_arg("reduce", args[2], 2)
    acc = args[1]
    for item in args[0]:
        acc = fn(acc, item)
    return acc


@_register("sort", 2, 2)
def _sort(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("sort", args[0], list)
    fn = _lambda_arg("sort", args[1], 2)
    # An insertion sort keeps the comparison a plain "a is less than b" lambda, as ARM's is.
    out: list[Any] = []
    for item in args[0]:
        pos = len(out)
        while pos > 0 and fn(item, out[pos - 1]) is True:
            pos -= 1
        out.insert(pos, item)
    return out


@_register("toObject", 2, 3)
def _to_object(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("toObject", args[0], list)
    key_fn = _lambda_arg("toObject", args[1], 1)
    value_fn = _lambda_arg("toObject", args[2], 1) if len(args) > 2 else None
    out: dict[str, Any] = {}
    for item in args[0]:
        key = key_fn(item)
        _expect("toObject", key, str)
        out[key] = value_fn(item) if value_fn else item
    return out


@_register("mapValues", 2, 2)
def _map_values(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("mapValues", args[0], dict)
    fn = _lambda_arg("mapValues", args[1], 1)
    return {k: fn(v) for k, v in args[0].items()}


@_register("groupBy", 2, 2)
def _group_by(ctx: EvalContext, args: list[Any]) -> Any:
    _expect("groupBy", args[0], list)
    fn = _lambda_arg("groupBy", args[1], 1)
    out: dict[str, list[Any]] = {}
    for item in args[0]:
        out.setdefault(to_arm_string(fn(item)), []).append(item)
    return out


# ---------------------------------------------------------------- user-defined functions


def call_user_function(ctx: EvalContext, name: str, values: list[Any]) -> Any:
    """Call a template `functions` member ("namespace.member"), with its own parameter scope."""
    definition = ctx.user_functions[name.lower()]
    params = definition.get("parameters", [])
    if len(params) != len(values):
        raise _fail(
            name, f"function requires {len(params)} argument(s) while {len(values)} were provided."
        )
    bound = {p["name"].lower(): v for p, v in zip(params, values, strict=True)}
    output = definition.get("output", {})

    def only_own(param: str) -> Any:
        key = param.lower()
        if key not in bound:
            raise ExpressionError(
                f"The template parameter '{param}' is not found in user-defined function '{name}'."
            )
        return bound[key]

    def no_variables(var: str) -> Any:
        raise ExpressionError(
            f"The template function 'variables' is not expected in user-defined function '{name}'."
        )

    inner = replace(ctx, parameter=only_own, variable=no_variables, copy_indexes={})
    from local.armsim.engine.values import evaluate_value  # local import: values imports us

    return evaluate_value(output.get("value"), inner)


__all__ = ["REGISTRY", "SPECIAL_FORMS", "EvalContext", "get_index", "get_property"]
