"""App Service's managed-identity endpoint, so ``DefaultAzureCredential`` works locally.

On App Service and Azure Functions the platform sets ``IDENTITY_ENDPOINT`` and
``IDENTITY_HEADER``; azure-identity (through MSAL) then sends
``GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...`` with the header
``X-IDENTITY-HEADER: {IDENTITY_HEADER}`` and reads ``access_token`` and
``expires_on`` (epoch seconds) from the JSON answer. The local host serves the
same exchange with opaque tokens that the ARM simulator accepts.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

PATH = "/msi/token"
API_VERSION = "2019-08-01"
# A fixed, recognisable client id for the local identity.
LOCAL_CLIENT_ID = "00000000-0000-0000-0000-00000000beef"
TOKEN_LIFETIME_SECONDS = 24 * 3600


@dataclass(frozen=True)
class TokenAnswer:
    """An HTTP status and the JSON document to send back."""

    status: int
    document: dict[str, str]


@dataclass
class IdentityEndpoint:
    """Issues tokens to callers that present the secret identity header."""

    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def environment(self, base_url: str) -> dict[str, str]:
        """The variables App Service sets for the app, pointing at this endpoint."""
        return {"IDENTITY_ENDPOINT": base_url.rstrip("/") + PATH, "IDENTITY_HEADER": self.secret}

    def answer(self, *, header: str | None, query: dict[str, str]) -> TokenAnswer:
        """Answer one token request as App Service does."""
        if header is None or not secrets.compare_digest(header, self.secret):
            return TokenAnswer(401, {"error": "unauthorized", "message": "bad X-IDENTITY-HEADER"})
        if query.get("api-version") != API_VERSION:
            return TokenAnswer(
                400, {"error": "bad_request", "message": "api-version must be " + API_VERSION}
            )
        resource = query.get("resource", "")
        if not resource:
            return TokenAnswer(400, {"error": "bad_request", "message": "resource is required"})
        return TokenAnswer(
            200,
            {
                "access_token": "beast-local." + secrets.token_urlsafe(32),
                "expires_on": str(int(time.time()) + TOKEN_LIFETIME_SECONDS),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": query.get("client_id", LOCAL_CLIENT_ID),
            },
        )
