"""RFC 9457 problem details: one stable ``type`` URI per kind of failure.

Every ``type`` is ``https://beast.dev/problems/<code>``, where ``<code>`` is the
``BeastError.code`` that caused it or one of the HTTP-level codes below. The URIs
are identifiers, never fetched; clients compare them as strings, so a code once
published never changes meaning.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from beast.errors import (
    BeastError,
    ConfigError,
    QuotaError,
    ThrottledError,
    UnknownSizeError,
    ValidationError,
)
from beast.http_api.messages import PROBLEM_JSON, ApiResponse, json_response

log = logging.getLogger("beast.http_api")

PROBLEM_BASE = "https://beast.dev/problems/"

# Every problem code the API can answer with, its HTTP status and its title.
PROBLEM_TITLES: Mapping[str, tuple[int, str]] = {
    "validation": (400, "The request has invalid fields"),
    "unauthenticated": (401, "No caller identity"),
    "forbidden": (403, "Not allowed"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflicts with the current state"),
    "concurrent-update": (409, "Changed by someone else; try again"),
    "limit": (409, "A Beast limit was reached"),
    "payload-too-large": (413, "Request body too large"),
    "unsupported-media-type": (415, "Unsupported content type"),
    "invalid-request": (422, "The request cannot be carried out"),
    "unknown-size": (422, "Unknown VM size"),
    "quota": (422, "Not enough vCPU quota"),
    "idempotency-key-reuse": (422, "Idempotency-Key reused with a different request"),
    "internal": (500, "Unexpected error"),
    "upstream": (502, "Azure or storage failed"),
    "throttled": (503, "Azure is throttling Beast"),
}


class ApiProblem(Exception):
    """An HTTP-level failure raised inside the API layer (bad body, no identity...)."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.status = PROBLEM_TITLES[code][0]
        self.detail = detail
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def problem_response(
    code: str,
    detail: str,
    *,
    status: int | None = None,
    instance: str | None = None,
    fields: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """An ``application/problem+json`` response for ``code``."""
    default_status, title = PROBLEM_TITLES.get(code, (500, "Error"))
    document: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status or default_status,
        "detail": detail,
    }
    if instance:
        document["instance"] = instance
    if fields:
        document["errors"] = [
            {"field": name, "message": message} for name, message in fields.items()
        ]
    document.update(extra or {})
    return json_response(document["status"], document, content_type=PROBLEM_JSON, headers=headers)


def from_api_problem(problem: ApiProblem, *, instance: str) -> ApiResponse:
    """The response for an ``ApiProblem``."""
    return problem_response(
        problem.code,
        problem.detail,
        instance=instance,
        fields=problem.fields,
        headers=problem.headers,
    )


def from_beast_error(error: BeastError, *, instance: str) -> ApiResponse:
    """The response for a ``BeastError``: its status and code, its message as detail."""
    if isinstance(error, ConfigError) or (error.status >= 500 and error.code not in PROBLEM_TITLES):
        # A broken setting or an unknown server fault is the operator's business, not the caller's.
        return internal_error(error, instance=instance)
    if error.status >= 500:
        log.warning("%s on %s: %s", error.code, instance, error.message)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    fields: Mapping[str, str] | None = None
    if isinstance(error, ValidationError):
        fields = error.fields
    elif isinstance(error, UnknownSizeError):
        extra["suggestions"] = list(error.suggestions)
    elif isinstance(error, QuotaError):
        extra["quota"] = {
            "family": error.family,
            "limit": error.limit,
            "used": error.used,
            "required": error.required,
        }
    elif isinstance(error, ThrottledError):
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return problem_response(
        error.code,
        error.message,
        status=error.status,
        instance=instance,
        fields=fields,
        extra=extra,
        headers=headers,
    )


def internal_error(error: BaseException, *, instance: str) -> ApiResponse:
    """A 500 with a correlation id; the exception goes to the log, never to the caller."""
    correlation_id = uuid.uuid4().hex
    log.error(
        "unexpected error on %s (correlation id %s)", instance, correlation_id, exc_info=error
    )
    return problem_response(
        "internal",
        f"Beast hit an unexpected error. Quote correlation id {correlation_id} when you ask "
        "for help.",
        instance=instance,
        extra={"correlationId": correlation_id},
    )
