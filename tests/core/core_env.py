"""Settings for core tests that run on in-memory doubles: no Azure, no storage."""

from __future__ import annotations

from beast.settings import Settings, load_settings
from tests.factories import base_env

BASE_ENV = base_env(BEAST_DEFAULT_REGION="westeurope", BEAST_ADMINS="slack:U0CAROL")

RSA_KEY = "ssh-rsa " + "B" * 372 + "== bob@desk"


def make_settings(**extra: str) -> Settings:
    """Settings from ``BASE_ENV`` with ``extra`` keys replaced or added."""
    return load_settings({**BASE_ENV, **extra})
