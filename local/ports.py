"""Small helpers for picking TCP ports on 127.0.0.1."""

from __future__ import annotations

import socket


def is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def preferred_or_any(port: int) -> int:
    """``port`` when it is free, else 0 (the service then picks any free port itself)."""
    return port if is_free(port) else 0
