"""How ARM turns values into strings: string()/concat() and .NET composite formatting."""

from __future__ import annotations

import json
import re
from typing import Any

from local.armsim.engine.errors import ExpressionError


def to_arm_string(value: Any) -> str:
    """A value as ARM's string() shows it (.NET: booleans are "True"/"False")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_ITEM = re.compile(r"\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def dotnet_format(template: str, args: list[Any]) -> str:
    """.NET String.Format: "{0}", "{1,5}", "{0:N0}", with "{{" and "}}" as literal braces."""
    out: list[str] = []
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        if ch == "{":
            if template.startswith("{{", i):
                out.append("{")
                i += 2
                continue
            match = _ITEM.match(template, i)
            if match is None:
                raise _bad_format(template)
            index = int(match.group(1))
            if index >= len(args):
                raise ExpressionError(
                    "Unable to evaluate template language function 'format': Index (zero based) "
                    "must be greater than or equal to zero and less than the size of the "
                    "argument list."
                )
            text = _format_one(args[index], match.group(3))
            if match.group(2) is not None:
                width = int(match.group(2))
                text = text.ljust(-width) if width < 0 else text.rjust(width)
            out.append(text)
            i = match.end()
        elif ch == "}":
            if not template.startswith("}}", i):
                raise _bad_format(template)
            out.append("}")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _bad_format(template: str) -> ExpressionError:
    return ExpressionError(
        f"Unable to evaluate template language function 'format': the format string "
        f"'{template}' is not valid: Input string was not in a correct format."
    )


def _format_one(value: Any, spec: str | None) -> str:
    if not spec or not isinstance(value, int) or isinstance(value, bool):
        return to_arm_string(value)
    kind, digits_text = spec[0], spec[1:]
    digits = int(digits_text) if digits_text.isdigit() else None
    if kind in "Nn":
        return f"{value:,.{2 if digits is None else digits}f}"
    if kind in "Dd":
        sign = "-" if value < 0 else ""
        return sign + str(abs(value)).zfill(digits or 0)
    if kind in "Xx":
        text = format(value & 0xFFFFFFFF if value < 0 else value, "X" if kind == "X" else "x")
        return text.zfill(digits or 0)
    if kind in "Ff":
        return f"{value:.{2 if digits is None else digits}f}"
    if kind in "Gg":
        return str(value)
    # A custom numeric format ("000", "#,##0"): zero-padding is the common use.
    if set(spec) <= {"0"}:
        return str(value).zfill(len(spec))
    if spec in ("#,##0", "#,#"):
        return f"{value:,}"
    raise ExpressionError(
        f"Unable to evaluate template language function 'format': the format specifier "
        f"'{spec}' is not supported by Beast's ARM simulator."
    )
