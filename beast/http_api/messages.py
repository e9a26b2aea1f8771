"""Plain HTTP request and response values, free of any web framework."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, kw_only=True)
class ApiRequest:
    """One HTTP request as the handlers see it."""

    method: str  # upper case
    path: str  # as the client sent it, for logs and problem ``instance``
    route_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    # Query names the client sent more than once (``query`` keeps only one of the values).
    repeated_query: frozenset[str] = frozenset()
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, or None."""
        return self.headers.get(name.lower())

    @staticmethod
    def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
        """Header names folded to lower case, as ``headers`` expects them."""
        return {name.lower(): value for name, value in headers.items()}


@dataclass(frozen=True, kw_only=True)
class ApiResponse:
    """One HTTP response: status, headers and the encoded body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, if any."""
        return self.headers.get("Content-Type")

    def json(self) -> Any:
        """The body decoded as JSON (for tests and logs)."""
        return json.loads(self.body)


def json_response(
    status: int,
    document: Any,
    *,
    content_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """A JSON response; non-ASCII text is escaped so the body is plain ASCII."""
    body = json.dumps(document, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return ApiResponse(
        status=status,
        headers={"Content-Type": content_type, **(headers or {})},
        body=body,
    )
