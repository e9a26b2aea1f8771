"""A token credential that hands out a fixed bearer token: the simulator accepts any."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo


class StaticTokenCredential:
    """TokenCredential (and SupportsTokenInfo) giving one long-lived token for every scope."""

    def __init__(self, token: str = "armsim-token") -> None:
        self._token = token
        self._expires_on = int(time.time()) + 10 * 365 * 24 * 3600

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """The fixed token, whatever the scopes."""
        return AccessToken(self._token, self._expires_on)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """The fixed token in the newer token-info form."""
        return AccessTokenInfo(self._token, self._expires_on)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> StaticTokenCredential:
        return self

    def __exit__(self, *args: object) -> None:
        return None
