"""Legal Table Storage names and keys.

PartitionKey and RowKey may not hold ``/ \\ # ?`` or control characters (Azurite
answers a ``/`` in a RowKey with HTTP 500), and ``'``/``%`` are trouble in the
URLs the SDK builds. Keys made only of safe characters are stored as they are, so
VM names and ids like ``slack:U024BE7LH`` or ``aad:alice@contoso.com`` stay
readable; anything else is stored as ``~`` + unpadded URL-safe Base64 of its
UTF-8 bytes. ``~`` is not a safe character, so the two forms never collide.
"""

from __future__ import annotations

import base64
import re

from beast.errors import ConfigError

_SAFE_KEY = re.compile(r"[A-Za-z0-9._:@=+-]{1,512}")
_ENCODED_MARK = "~"
_TABLE_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Table names are 3-63 alphanumerics starting with a letter; the longest suffix is
# "idempotency" (11 characters), so the prefix may be at most 52.
_MAX_PREFIX = 63 - len("idempotency")


def encode_key(value: str) -> str:
    """A PartitionKey/RowKey that is legal on Azure and Azurite and maps back to ``value``."""
    if _SAFE_KEY.fullmatch(value):
        return value
    raw = base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")
    return _ENCODED_MARK + raw


def decode_key(key: str) -> str:
    """Inverse of ``encode_key``."""
    if not key.startswith(_ENCODED_MARK):
        return key
    raw = key[len(_ENCODED_MARK) :]
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8")


def table_name(prefix: str, suffix: str) -> str:
    """``prefix + suffix``, after checking the prefix makes a legal table name."""
    if not _TABLE_PREFIX.fullmatch(prefix) or len(prefix) > _MAX_PREFIX:
        raise ConfigError(
            f"Setting BEAST_TABLE_PREFIX must be letters and digits starting with a letter, "
            f"at most {_MAX_PREFIX} characters, not {prefix!r}."
        )
    return prefix + suffix
