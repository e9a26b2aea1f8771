"""Translate Azure Storage SDK exceptions into Beast's error tree, once, at the adapter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)

from beast.errors import (
    ConcurrencyError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    UpstreamError,
)

_THROTTLED = {429, 503}
_DEFAULT_RETRY_AFTER = 1.0


def _retry_after(exc: HttpResponseError) -> float:
    response = exc.response
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw else _DEFAULT_RETRY_AFTER
    except ValueError:
        return _DEFAULT_RETRY_AFTER


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Run a storage call, re-raising SDK failures as Beast errors about ``what``."""
    try:
        yield
    # ResourceModifiedError (412) must come before its HttpResponseError base.
    except ResourceModifiedError as exc:
        raise ConcurrencyError(f"{what} was changed by someone else; read it again.") from exc
    except ResourceExistsError as exc:
        raise ConflictError(f"{what} already exists.") from exc
    except ResourceNotFoundError as exc:
        raise NotFoundError(f"{what} was not found.") from exc
    except HttpResponseError as exc:
        if exc.status_code in _THROTTLED:
            raise ThrottledError(
                f"Storage is busy ({what}); try again shortly.", retry_after=_retry_after(exc)
            ) from exc
        raise UpstreamError(f"Storage failed ({what}): {exc.reason or exc.status_code}.") from exc
    # ServiceRequestError, ServiceResponseError, ClientAuthenticationError and kin.
    except AzureError as exc:
        raise UpstreamError(f"Storage could not be reached ({what}).") from exc
