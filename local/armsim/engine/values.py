"""Evaluating JSON template values: expression strings, objects, arrays, property copy."""

from __future__ import annotations

from typing import Any

from local.armsim.engine.errors import ExpressionError
from local.armsim.engine.expressions import evaluate, is_expression, parse_cached, unescape_literal
from local.armsim.engine.functions import EvalContext

# ARM caps every copy loop at 800 iterations.
MAX_COPY_COUNT = 800


def evaluate_string(text: str, ctx: EvalContext) -> Any:
    """A template string: the value of its "[...]" expression, or the literal (with "[[" undone)."""
    if is_expression(text):
        return evaluate(parse_cached(text[1:-1]), ctx)
    return unescape_literal(text)


def evaluate_value(value: Any, ctx: EvalContext) -> Any:
    """Evaluate every expression inside a JSON value; keys are never evaluated."""
    if isinstance(value, str):
        return evaluate_string(value, ctx)
    if isinstance(value, list):
        return [evaluate_value(v, ctx) for v in value]
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key == "copy" and isinstance(item, list):
                # Property copy: each entry builds one array property from `input`.
                for loop in item:
                    result[loop["name"]] = expand_copy(loop, ctx)
            else:
                result[key] = evaluate_value(item, ctx)
        return result
    return value


def copy_count(loop: dict[str, Any], ctx: EvalContext) -> int:
    """The evaluated `count` of a copy loop, checked against ARM's limits."""
    count = evaluate_value(loop.get("count"), ctx)
    if not isinstance(count, int) or isinstance(count, bool):
        raise ExpressionError(
            "The copy count must be an integer; the value of type "
            f"'{type(count).__name__}' is not valid."
        )
    if count < 0 or count > MAX_COPY_COUNT:
        raise ExpressionError(
            f"The copy count '{count}' is not valid: it must be between 0 and {MAX_COPY_COUNT}."
        )
    return count


def expand_copy(loop: dict[str, Any], ctx: EvalContext) -> list[Any]:
    """A property/variable copy loop: `input` evaluated once per index of loop `name`."""
    name = str(loop.get("name", ""))
    count = copy_count(loop, ctx)
    return [
        evaluate_value(loop.get("input"), ctx.with_copy(name, i, current=False))
        for i in range(count)
    ]
