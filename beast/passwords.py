"""Strong passwords Azure accepts for a Linux admin, generated fresh, never stored."""

from __future__ import annotations

import secrets
import string

from beast.settings import Secret

# No quotes, backslashes or spaces: the password is pasted into shells and login forms.
_SYMBOLS = "!#%*+-=?@^_~"
_ALPHABET = string.ascii_letters + string.digits + _SYMBOLS
LENGTH = 24  # Azure allows 12-123; 24 random characters is far beyond guessing


def generate_password() -> Secret:
    """A password with upper, lower, digit and symbol, as Azure's complexity rule asks."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(LENGTH))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in _SYMBOLS for c in candidate)
        ):
            return Secret(candidate)
