"""Settings for core tests that run on in-memory doubles: no Azure, no storage."""

from __future__ import annotations

from beast.settings import Settings, load_settings

BASE_ENV = {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "BEAST_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
    "BEAST_ALLOWED_SOURCE_PREFIXES": "203.0.113.0/24",
    "BEAST_DEFAULT_REGION": "westeurope",
    "BEAST_ADMINS": "slack:U0CAROL",
    "SLACK_SIGNING_SECRET": "core-signing-secret",
    "SLACK_BOT_TOKEN": "xoxb-core",
}

SSH_KEY = "ssh-ed25519 " + "A" * 68 + " alice@laptop"
RSA_KEY = "ssh-rsa " + "B" * 372 + "== bob@desk"


def make_settings(**extra: str) -> Settings:
    """Settings from ``BASE_ENV`` with ``extra`` keys replaced or added."""
    return load_settings({**BASE_ENV, **extra})
