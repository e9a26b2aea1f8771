"""Who is calling: Entra ID through App Service Authentication, or the development identity.

App Service Authentication ("Easy Auth") signs the caller in and passes who they
are in ``X-MS-CLIENT-PRINCIPAL-ID`` (the Entra object id), ``X-MS-CLIENT-PRINCIPAL``
(Base64 JSON: ``auth_typ``, ``name_typ``, ``claims: [{"typ", "val"}]``) and
``X-MS-CLIENT-PRINCIPAL-NAME``, stripping any such headers a client sent itself.
Without Easy Auth in front nothing strips them, so Beast reads them only when
``BEAST_TRUST_EASY_AUTH`` is on; otherwise a client could name itself anyone.

The caller *is* their object id (``aad:<oid>``): it never changes and no user can
edit it, unlike e-mail or display-name claims, which some tenants let people set
(the "nOAuth" mistake). The sign-in name only names their VMs. Admins are listed
by object id. ``BEAST_DEV_IDENTITY`` names the caller on a development machine and
is never consulted while Easy Auth is trusted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from beast.http_api.messages import ApiRequest
from beast.http_api.problems import ApiProblem
from beast.models import Caller, ReplyTo
from beast.naming import slug
from beast.settings import Settings

PRINCIPAL_HEADER = "x-ms-client-principal"
PRINCIPAL_ID_HEADER = "x-ms-client-principal-id"
PRINCIPAL_NAME_HEADER = "x-ms-client-principal-name"
MAX_PRINCIPAL_LENGTH = 256

_OBJECT_ID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
# Claims that carry a person's sign-in name, most specific first; used for names only.
_NAME_CLAIMS = (
    "preferred_username",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    "upn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "email",
)
_OBJECT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def identify(request: ApiRequest, settings: Settings) -> Caller:
    """The caller, or a 401 problem when no trusted source names one."""
    if settings.trust_easy_auth:
        found = _from_easy_auth(request)
        if found is None:
            raise _unauthenticated(
                "Beast could not tell who you are. Sign in through the app's Entra ID login."
            )
        object_id, sign_in_name = found
        return caller_for(object_id, settings, name=sign_in_name)
    if not settings.dev_identity:
        raise _unauthenticated(
            "Beast could not tell who you are: no development identity is set "
            "(BEAST_DEV_IDENTITY) and Easy Auth is not trusted (BEAST_TRUST_EASY_AUTH)."
        )
    principal = settings.dev_identity.strip().lower()
    return caller_for(principal, settings, name=principal)


def caller_for(principal: str, settings: Settings, *, name: str) -> Caller:
    """The ``Caller`` whose stable id is ``principal``; ``name`` only names their VMs."""
    admins = {admin.lower() for admin in settings.admins}
    return Caller(
        id=f"aad:{principal}",
        name=slug(name.split("@", 1)[0], limit=20) or "user",
        front_end="api",
        is_admin=principal in admins or f"aad:{principal}" in admins,
    )


def _unauthenticated(detail: str) -> ApiProblem:
    return ApiProblem(
        "unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="beast"'}
    )


def reply_to(caller: Caller) -> ReplyTo:
    """Where news of an API caller's operations goes: they poll the operation."""
    return ReplyTo(front_end="api", user_id=caller.id.removeprefix("aad:"))


def _from_easy_auth(request: ApiRequest) -> tuple[str, str] | None:
    """(object id, sign-in name) from Easy Auth's headers, or None when it names nobody."""
    claims = _claims(request.header(PRINCIPAL_HEADER))
    object_id = (request.header(PRINCIPAL_ID_HEADER) or "").strip().lower()
    if not object_id:
        object_id = next((claims[c] for c in _OBJECT_ID_CLAIMS if claims.get(c)), "").lower()
    if not object_id:
        return None
    if not _OBJECT_ID.match(object_id):
        raise ApiProblem("unauthenticated", "The signed-in principal's object id is not usable.")
    name = next((claims[c] for c in _NAME_CLAIMS if claims.get(c)), "")
    name = name or (request.header(PRINCIPAL_NAME_HEADER) or "").strip()
    if len(name) > MAX_PRINCIPAL_LENGTH or not name.isprintable():
        name = ""
    return object_id, name.lower()


def _claims(encoded: str | None) -> dict[str, str]:
    """The principal document's claims, first value of each type."""
    if not encoded:
        return {}
    try:
        document: Any = json.loads(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError, RecursionError):
        raise ApiProblem(
            "unauthenticated", "The X-MS-CLIENT-PRINCIPAL header is not Base64 JSON."
        ) from None
    claims: dict[str, str] = {}
    if isinstance(document, dict):
        for claim in document.get("claims") or []:
            if isinstance(claim, dict) and isinstance(claim.get("val"), str):
                claims.setdefault(str(claim.get("typ")), claim["val"])
    return claims
