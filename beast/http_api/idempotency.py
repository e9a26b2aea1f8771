"""``Idempotency-Key``: a repeated POST or DELETE maps to the operation it first created.

The operation id is derived from the caller and the key, so a repeat reaches the
same operation even after the first response was lost. The request's fingerprint
(method, target, canonical JSON body) is claimed in the IdempotencyStore under
that id; the same key with a different request is refused with 422
``idempotency-key-reuse``, as the IETF Idempotency-Key draft asks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from beast.http_api.context import ApiContext
from beast.http_api.messages import ApiRequest
from beast.http_api.problems import ApiProblem
from beast.models import Caller
from beast.naming import operation_id_for

HEADER = "idempotency-key"
KEY_PATTERN = r"^[!-~]{1,255}$"  # visible ASCII, as header values allow everywhere
_KEY = re.compile(KEY_PATTERN)


def fingerprint(*, method: str, target: str, document: Mapping[str, Any]) -> str:
    """A hash of what was asked, blind to JSON whitespace and key order."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method}\n{target}\n{canonical}".encode()).hexdigest()


def claim_operation_id(
    context: ApiContext,
    request: ApiRequest,
    caller: Caller,
    *,
    target: str,
    document: Mapping[str, Any],
) -> tuple[str | None, bool]:
    """The operation id for the request's key (None without one) and whether it is a repeat."""
    key = request.header(HEADER)
    if key is None:
        return None, False
    if not _KEY.match(key):
        raise ApiProblem(
            "validation",
            "The Idempotency-Key header must be 1-255 visible ASCII characters.",
            fields={"Idempotency-Key": "Use, for example, a UUID."},
        )
    operation_id = operation_id_for(f"api:{caller.id}:{key}")
    print_ = fingerprint(method=request.method, target=target, document=document)
    earlier = context.idempotency.claim(f"api-{operation_id}", print_)
    if earlier is not None and earlier != print_:
        raise ApiProblem(
            "idempotency-key-reuse",
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request.",
        )
    return operation_id, earlier is not None
