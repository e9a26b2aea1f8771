"""Deterministic names: ARM's uniqueString() and guid().

uniqueString: ARM hashes the arguments joined with "-" using a 64-bit MurmurHash
variant (two 32-bit lanes, ARM-specific seeds) and writes the top 65 bits as 13
lower-case base32 characters. This implementation reproduces published outputs of
Bicep's uniqueString (see the engine tests), but it was reconstructed from public
re-implementations, not from Microsoft's source: treat exact equality with Azure as
very likely, not guaranteed.

guid: a name-based version-5 UUID (SHA-1) of the arguments joined with "-", under
ARM's fixed namespace 11fb06fb-712d-4ddd-98c7-e71bbd588830.
"""

from __future__ import annotations

import uuid

_M32 = 0xFFFFFFFF
_C1, _C2 = 0xAB0E9789, 0x239B961B  # lane multipliers
_F1, _F2 = 0x85EBCA6B, 0xC2B2AE35  # finaliser multipliers (MurmurHash3's fmix32)
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M32


def _fmix(h: int) -> int:
    h = ((h ^ (h >> 16)) * _F1) & _M32
    h = ((h ^ (h >> 13)) * _F2) & _M32
    return h ^ (h >> 16)


def _lane1(k: int) -> int:
    return (_rotl((k * _C2) & _M32, 15) * _C1) & _M32


def _lane2(k: int) -> int:
    return (_rotl((k * _C1) & _M32, 17) * _C2) & _M32


def murmur64(data: bytes) -> int:
    """ARM's 64-bit MurmurHash variant of `data`."""
    h1 = h2 = 0
    length = len(data)
    full = length - length % 8
    for i in range(0, full, 8):
        k1 = int.from_bytes(data[i : i + 4], "little")
        k2 = int.from_bytes(data[i + 4 : i + 8], "little")
        h1 = _rotl(h1 ^ _lane1(k1), 19)
        h1 = ((h1 + h2) * 5 + 0x561CCD1B) & _M32
        h2 = _rotl(h2 ^ _lane2(k2), 13)
        h2 = ((h2 + h1) * 5 + 0x0BCAA747) & _M32
    tail = data[full:]
    if tail:
        h1 ^= _lane1(int.from_bytes(tail[:4], "little"))
        if len(tail) > 4:
            h2 ^= _lane2(int.from_bytes(tail[4:], "little"))
    h2 = (h2 ^ length) & _M32
    h1 = ((h1 ^ length) + h2) & _M32
    h2 = (h2 + h1) & _M32
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & _M32
    h2 = (h2 + h1) & _M32
    return (h2 << 32) | h1


def unique_string(*parts: str) -> str:
    """ARM's uniqueString(parts...): 13 characters of [a-z2-7]."""
    value = murmur64("-".join(parts).encode("utf-8"))
    # 13 five-bit groups from the top; the last one is padded with a zero bit.
    return "".join(_BASE32[((value << (5 * i)) >> 59) & 31] for i in range(13))


def arm_guid(*parts: str) -> str:
    """ARM's guid(parts...)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "-".join(parts)))
