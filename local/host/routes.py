"""HTTP trigger route templates, matched the way the Functions host (ASP.NET routing) does.

Supported: literal segments (case-insensitive), ``{name}``, constraints such as
``{id:int}`` or ``{flag:bool}``, an optional trailing ``{name?}``, and a
catch-all ``{*rest}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_PARAMETER = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)((?::[A-Za-z]+(?:\([^)]*\))?)*)(\??)\}")

# ASP.NET route constraints the app may use; anything else matches one segment.
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "bool": r"(?i:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
    "double": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
    "float": r"-?\d+(?:\.\d+)?",
    "datetime": r"[^/]+",
}


@dataclass(frozen=True)
class RouteTemplate:
    """A compiled route template; ``match`` gives the route parameters or None."""

    template: str
    pattern: re.Pattern[str]
    # Per segment: 1 literal, 2 mixed, 3 constrained parameter, 4 parameter, 5 catch-all.
    precedence: tuple[int, ...]

    def match(self, path: str) -> dict[str, str] | None:
        """Route parameters (URL-decoded) when ``path`` fits this template."""
        found = self.pattern.fullmatch(path.strip("/"))
        if found is None:
            return None
        return {
            key: unquote(value) for key, value in found.groupdict().items() if value is not None
        }

    def sort_key(self) -> tuple[int, ...]:
        """ASP.NET's order by segment: literal, constrained, plain parameter, catch-all."""
        return self.precedence


def compile_route(template: str) -> RouteTemplate:
    """Compile a route template such as ``vms/{name}/{action?}``."""
    segments = [segment for segment in template.strip("/").split("/") if segment]
    parts: list[str] = []
    precedence: list[int] = []
    for index, segment in enumerate(segments):
        separator = "/" if index else ""
        whole = _PARAMETER.fullmatch(segment)
        if whole and (whole.group(4) == "?" or whole.group(1) == "*"):
            # An optional or catch-all segment may be absent, and its slash with it.
            precedence.append(5 if whole.group(1) else 3 if whole.group(3) else 4)
            body = ".*" if whole.group(1) else _segment_pattern(whole.group(3))
            parts.append(f"(?:{separator}(?P<{whole.group(2)}>{body}))?")
            continue
        if whole:
            precedence.append(3 if whole.group(3) else 4)
        else:
            precedence.append(2 if _PARAMETER.search(segment) else 1)
        pieces: list[str] = []
        position = 0
        for parameter in _PARAMETER.finditer(segment):
            pieces.append(re.escape(segment[position : parameter.start()]))
            pieces.append(f"(?P<{parameter.group(2)}>{_segment_pattern(parameter.group(3))})")
            position = parameter.end()
        pieces.append(re.escape(segment[position:]))
        parts.append(separator + "".join(pieces))
    pattern = re.compile("".join(parts), re.IGNORECASE)
    return RouteTemplate(template, pattern, tuple(precedence))


def _segment_pattern(constraints: str) -> str:
    for name in constraints.lstrip(":").split(":"):
        key = name.split("(")[0].lower()
        if key in _CONSTRAINTS:
            return _CONSTRAINTS[key]
    return r"[^/]+"
