"""Template parameter validation with ARM's error codes and wording.

Messages follow ARM's (as seen in real deployment errors), minus ARM's
"at line 'L' and column 'C'" part: the simulator receives the template as parsed JSON
and has no source positions.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from local.armsim.engine.errors import (
    CREATE_PARAMETER_FILE_HELP,
    PARAMETER_FILE_HELP,
    PARAMETERS_HELP,
    ExpressionError,
    validation_failed,
)
from local.armsim.engine.expressions import type_name
from local.armsim.engine.functions import EvalContext
from local.armsim.engine.values import evaluate_value

# Parameter type -> (accepts value?, the JToken type name ARM says it expected)
_TYPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "string": (str, "String, Uri"),
    "securestring": (str, "String, Uri"),
    "int": (int, "Integer"),
    "bool": (bool, "Boolean"),
    "object": (dict, "Object"),
    "secureobject": (dict, "Object"),
    "array": (list, "Array"),
}
_SECURE = frozenset({"securestring", "secureobject"})


def resolve_parameters(
    definitions: dict[str, Any], supplied: dict[str, Any], ctx: EvalContext
) -> dict[str, Any]:
    """The value of every template parameter (supplied or default), validated."""
    by_lower = {k.lower(): k for k in definitions}
    unknown = [k for k in supplied if k.lower() not in by_lower]
    if unknown:
        raise validation_failed(
            f"The template parameters '{', '.join(unknown)}' in the parameters file are not "
            "valid; they are not present in the original template and can therefore not be "
            "provided at deployment time. The only supported parameters for this template are "
            f"'{', '.join(definitions)}'. {PARAMETER_FILE_HELP}"
        )
    given: dict[str, Any] = {}
    for key, entry in supplied.items():
        if not isinstance(entry, dict) or ("value" not in entry and "reference" not in entry):
            raise validation_failed(
                f"The template parameter '{key}' must be an object with a 'value' property. "
                f"{PARAMETER_FILE_HELP}"
            )
        if "reference" in entry:
            raise validation_failed(
                f"The template parameter '{key}' uses a Key Vault reference, which Beast's ARM "
                "simulator does not support; pass the value instead."
            )
        given[by_lower[key.lower()]] = entry["value"]

    values: dict[str, Any] = {}
    busy: set[str] = set()

    def value_of(name: str) -> Any:
        real = by_lower.get(name.lower())
        if real is None:
            raise ExpressionError(
                f"The template parameter '{name}' is not found. {PARAMETERS_HELP}"
            )
        if real in values:
            return values[real]
        if real in busy:
            raise ExpressionError(f"The template parameter '{real}' has a circular reference.")
        busy.add(real)
        try:
            values[real] = _resolve_one(real, definitions[real], given, ctx, value_of)
        finally:
            busy.discard(real)
        return values[real]

    for name in definitions:
        value_of(name)
    return {name: values[name] for name in definitions}


def _resolve_one(
    name: str,
    definition: dict[str, Any],
    given: dict[str, Any],
    ctx: EvalContext,
    value_of: Any,
) -> Any:
    kind = str(definition.get("type", "")).lower()
    if kind not in _TYPES:
        raise validation_failed(
            f"The template parameter '{name}' has an invalid type '{definition.get('type')}'. "
            "The supported types are 'string, securestring, int, bool, object, secureObject, "
            f"array'. {PARAMETERS_HELP}"
        )
    if given.get(name) is not None:
        value = given[name]
    elif "defaultValue" in definition:
        default_ctx = replace(ctx, parameter=value_of, in_parameter_default=True)
        try:
            value = evaluate_value(definition["defaultValue"], default_ctx)
        except ExpressionError as exc:
            raise validation_failed(
                f"The template parameter '{name}' is not valid: {exc.message}"
            ) from exc
    else:
        raise validation_failed(
            f"The value for the template parameter '{name}' is not provided. "
            f"{CREATE_PARAMETER_FILE_HELP}"
        )
    _validate(name, kind, definition, value)
    return value


def _validate(name: str, kind: str, definition: dict[str, Any], value: Any) -> None:
    accepted, expected = _TYPES[kind]
    is_bool = isinstance(value, bool)
    type_ok = isinstance(value, accepted) and (kind == "bool" or not is_bool)
    if not type_ok:
        raise validation_failed(
            "Template parameter JToken type is not valid. "
            f"Expected '{expected}'. Actual '{type_name(value)}'. "
            "Please see https://aka.ms/resource-manager-parameter-files for usage details."
        )

    def invalid(reason: str) -> Exception:
        shown = "" if kind in _SECURE else f" '{_show(value)}'"
        return validation_failed(
            f"The provided value{shown} for the template parameter '{name}' is not valid. "
            f"{reason} {PARAMETERS_HELP}"
        )

    allowed = definition.get("allowedValues")
    if allowed is not None:
        items = value if kind == "array" else [value]
        if any(not any(_same(item, a) for a in allowed) for item in items):
            listed = ",".join(_show(a) for a in allowed)
            raise invalid(f"The parameter value is not part of the allowed value(s): '{listed}'.")
    if kind == "int":
        if "minValue" in definition and value < definition["minValue"]:
            raise invalid(f"Value should be greater than or equal to '{definition['minValue']}'.")
        if "maxValue" in definition and value > definition["maxValue"]:
            raise invalid(f"Value should be less than or equal to '{definition['maxValue']}'.")
    if kind in ("string", "securestring", "array"):
        if "minLength" in definition and len(value) < definition["minLength"]:
            raise invalid(
                "Length of the value should be greater than or equal to "
                f"'{definition['minLength']}'."
            )
        if "maxLength" in definition and len(value) > definition["maxLength"]:
            raise invalid(
                f"Length of the value should be less than or equal to '{definition['maxLength']}'."
            )


def _same(a: Any, b: Any) -> bool:
    # Allowed values compare as JSON (so True is not 1); strings case-sensitively.
    return type(a) is type(b) and a == b


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
