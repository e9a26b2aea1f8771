"""The security tests run on the same wiring as the core tests: Azurite and the ARM simulator."""

from tests.core.conftest import world

__all__ = ["world"]
