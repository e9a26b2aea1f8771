"""Building ARM resource ids from types and names."""

from __future__ import annotations

from local.armsim.engine.errors import ExpressionError


def split_type(resource_type: str) -> tuple[str, list[str]]:
    """ "Microsoft.Network/virtualNetworks/subnets" -> ("Microsoft.Network", [...types])."""
    parts = [p for p in resource_type.split("/") if p]
    if len(parts) < 2:
        raise ExpressionError(
            f"The resource type '{resource_type}' is not valid: it must be "
            "'{namespace}/{type}[/{childType}...]'."
        )
    return parts[0], parts[1:]


def provider_path(resource_type: str, names: list[str]) -> str:
    """ "providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"."""
    namespace, types = split_type(resource_type)
    if len(names) != len(types):
        raise ExpressionError(
            f"Unable to evaluate template language function 'resourceId': the type "
            f"'{resource_type}' requires '{len(types)}' resource name argument(s)."
        )
    segments = [f"providers/{namespace}"]
    for type_segment, name in zip(types, names, strict=True):
        segments.append(f"{type_segment}/{name}")
    return "/".join(segments)


def scoped_id(scope_id: str, resource_type: str, name: str) -> str:
    """The id of resource `type`/`name` (name "a/b" for child types) under a scope id."""
    names = [n for n in name.split("/")]
    return f"{scope_id.rstrip('/')}/{provider_path(resource_type, names)}"
