"""Who is calling: Entra ID through App Service Authentication, or the development identity.

App Service Authentication ("Easy Auth") signs the caller in and passes who they
are in ``X-MS-CLIENT-PRINCIPAL`` (Base64 JSON: ``auth_typ``, ``name_typ``,
``claims: [{"typ", "val"}]``) and ``X-MS-CLIENT-PRINCIPAL-NAME``, stripping any
such headers a client sent itself. Without Easy Auth in front nothing strips
them, so Beast reads them only when ``BEAST_TRUST_EASY_AUTH`` is on; otherwise a
client could name itself anyone. ``BEAST_DEV_IDENTITY`` names the caller on a
development machine and is never consulted while Easy Auth is trusted.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from beast.http_api.messages import ApiRequest
from beast.http_api.problems import ApiProblem
from beast.models import Caller, ReplyTo
from beast.naming import slug
from beast.settings import Settings

PRINCIPAL_HEADER = "x-ms-client-principal"
PRINCIPAL_NAME_HEADER = "x-ms-client-principal-name"
MAX_PRINCIPAL_LENGTH = 256

# Claims that carry a person's sign-in name, most specific first.
_NAME_CLAIMS = (
    "preferred_username",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    "upn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "email",
    "name",
)


def identify(request: ApiRequest, settings: Settings) -> Caller:
    """The caller, or a 401 problem when no trusted source names one."""
    principal = _from_easy_auth(request) if settings.trust_easy_auth else settings.dev_identity
    if not principal:
        raise ApiProblem(
            "unauthenticated",
            "Beast could not tell who you are. Sign in through the app's Entra ID login"
            if settings.trust_easy_auth
            else "Beast could not tell who you are: no development identity is set "
            "(BEAST_DEV_IDENTITY) and Easy Auth is not trusted (BEAST_TRUST_EASY_AUTH).",
            headers={"WWW-Authenticate": 'Bearer realm="beast"'},
        )
    return caller_for(principal, settings)


def caller_for(principal: str, settings: Settings) -> Caller:
    """The ``Caller`` for a principal name such as ``alice@contoso.com``."""
    principal = principal.strip().lower()  # Entra sign-in names are case-insensitive
    admins = {admin.lower() for admin in settings.admins}
    return Caller(
        id=f"aad:{principal}",
        name=slug(principal.split("@", 1)[0], limit=20) or "user",
        front_end="api",
        is_admin=principal in admins or f"aad:{principal}" in admins,
    )


def reply_to(caller: Caller) -> ReplyTo:
    """Where news of an API caller's operations goes: they poll the operation."""
    return ReplyTo(front_end="api", user_id=caller.id.removeprefix("aad:"))


def _from_easy_auth(request: ApiRequest) -> str | None:
    encoded = request.header(PRINCIPAL_HEADER)
    name = (request.header(PRINCIPAL_NAME_HEADER) or "").strip()
    if encoded:
        name = _name_from_principal(encoded) or name
    if not name:
        return None
    if len(name) > MAX_PRINCIPAL_LENGTH or not name.isprintable():
        raise ApiProblem("unauthenticated", "The signed-in principal name is not usable.")
    return name


def _name_from_principal(encoded: str) -> str | None:
    try:
        document: Any = json.loads(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError, RecursionError):
        raise ApiProblem(
            "unauthenticated", "The X-MS-CLIENT-PRINCIPAL header is not Base64 JSON."
        ) from None
    if not isinstance(document, dict):
        return None
    claims: dict[str, str] = {}
    for claim in document.get("claims") or []:
        if isinstance(claim, dict) and isinstance(claim.get("val"), str):
            claims.setdefault(str(claim.get("typ")), claim["val"])
    name_type = document.get("name_typ")
    ordered = ((name_type,) if isinstance(name_type, str) else ()) + _NAME_CLAIMS
    for claim_type in ordered:
        if claims.get(claim_type):
            return claims[claim_type]
    return None
