"""Beast's one error tree.

Every error a person can cause or meet is a ``BeastError`` carrying a message they
can act on. Adapters translate SDK exceptions once, with ``raise ... from exc``;
front ends map the classes below to Slack replies or problem+json statuses.

    BeastError                      (500: something Beast did not expect)
    ├── ConfigError                 a setting is missing or malformed
    ├── UserError                   the request is wrong; fixable by the caller (400/422)
    │   ├── ValidationError         a field is invalid (carries field -> message)
    │   ├── UnknownSizeError        no such VM size in the region (suggests close matches)
    │   ├── QuotaError              not enough vCPU quota (carries the numbers)
    │   └── LimitError              a Beast policy limit (max VMs per person, max disk)
    ├── NotFoundError               no such VM or operation (404)
    ├── ForbiddenError              caller is neither owner nor admin (403)
    ├── ConflictError               state does not allow the action now (409)
    │   └── ConcurrencyError        an ETag check lost; re-read and retry
    └── UpstreamError               Azure, storage or Slack failed (502/503)
        └── ThrottledError          upstream asked us to slow down (retry_after seconds)

A failed ARM deployment is not an exception: the worker records ARM's code and
message on the operation, where both front ends read it.
"""

from __future__ import annotations

from collections.abc import Mapping


class BeastError(Exception):
    """Base of every error Beast raises on purpose."""

    status = 500
    code = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(BeastError):
    """A setting is missing or malformed."""

    code = "config"


class UserError(BeastError):
    """The caller asked for something Beast will not do as asked."""

    status = 422
    code = "invalid-request"


class ValidationError(UserError):
    """One or more fields are invalid; ``fields`` maps each field to its problem."""

    status = 400
    code = "validation"

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


class UnknownSizeError(UserError):
    """The VM size does not exist (or is restricted) in the region."""

    code = "unknown-size"

    def __init__(self, message: str, *, suggestions: list[str]) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class QuotaError(UserError):
    """The region's vCPU quota cannot hold the VM."""

    code = "quota"

    def __init__(self, message: str, *, family: str, limit: int, used: int, required: int) -> None:
        super().__init__(message)
        self.family = family
        self.limit = limit
        self.used = used
        self.required = required


class LimitError(UserError):
    """A Beast policy limit (VMs per person, disk size, allowed sizes)."""

    status = 409
    code = "limit"


class NotFoundError(BeastError):
    """No such VM or operation."""

    status = 404
    code = "not-found"


class ForbiddenError(BeastError):
    """The caller may not act on this VM."""

    status = 403
    code = "forbidden"


class ConflictError(BeastError):
    """The VM's state does not allow this action now."""

    status = 409
    code = "conflict"


class ConcurrencyError(ConflictError):
    """Someone else changed the record first; re-read and try again."""

    code = "concurrent-update"


class UpstreamError(BeastError):
    """Azure, storage or Slack failed in a way the caller cannot fix."""

    status = 502
    code = "upstream"


class ThrottledError(UpstreamError):
    """Upstream throttled us; retry after ``retry_after`` seconds."""

    status = 503
    code = "throttled"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
