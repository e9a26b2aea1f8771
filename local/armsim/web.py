"""Request/response values and a tiny router that, like ARM, ignores the case of paths."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from local.armsim.errors import ArmError


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    raw_body: bytes
    base_url: str

    def q(self, name: str) -> str | None:
        """A query parameter, name compared case-insensitively."""
        lname = name.lower()
        return next((v for k, v in self.query.items() if k.lower() == lname), None)

    def top(self) -> int | None:
        """The $top query parameter as a positive int (400 InvalidTopParameter if it is not one)."""
        value = self.q("$top")
        if value is None:
            return None
        if not value.isdigit() or int(value) < 1:
            raise ArmError(400, "InvalidTopParameter", f"The value '{value}' of $top is invalid.")
        return int(value)

    @property
    def api_version(self) -> str:
        """The api-version query parameter ('' if absent)."""
        return self.q("api-version") or ""

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        if not self.raw_body:
            return None
        try:
            return json.loads(self.raw_body)
        except ValueError as exc:
            raise ArmError(
                400,
                "InvalidRequestContent",
                f"The request content was invalid and could not be deserialized: '{exc}'.",
            ) from exc

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, 400 if it is something else."""
        body = self.json()
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise ArmError(
                400, "InvalidRequestContent", "The request content must be a JSON object."
            )
        return body

    def url(self, path: str, **params: str) -> str:
        """An absolute URL on this server, for Location / Azure-AsyncOperation / nextLink."""
        query = urlencode(params) if params else ""
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")


@dataclass
class Response:
    """A response a handler returns: status, JSON body (or none) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Response]


class Router:
    """Routes `{name}` templates (one segment; `{name:path}` for several), ignoring case."""

    def __init__(self) -> None:
        self._routes: list[tuple[frozenset[str], re.Pattern[str], Handler]] = []

    def add(self, methods: str, template: str, handler: Handler) -> None:
        """Register a handler for space-separated methods and a path template."""

        def repl(m: re.Match[str]) -> str:
            name, _, kind = m.group(1).partition(":")
            return f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)"

        pattern = re.sub(
            r"\{([^}]+)\}", repl, re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        )
        self._routes.append(
            (frozenset(methods.split()), re.compile(pattern + "/?", re.IGNORECASE), handler)
        )

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """The handler and path parameters for a request; 405 when only the method is wrong."""
        path_matched = False
        for methods, pattern, handler in self._routes:
            m = pattern.fullmatch(path)
            if m:
                if method in methods:
                    return handler, m.groupdict()
                path_matched = True
        if path_matched:
            raise ArmError(
                405,
                "MethodNotAllowed",
                f"The requested resource does not support http method '{method}'.",
            )
        return None
