"""Helpers shared by the Slack tests: a hand-moved clock and test settings."""

from datetime import UTC, datetime, timedelta

from beast.settings import Settings
from tests import factories

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-local-token"  # one the fake Slack accepts


class Clock:
    """A hand-moved clock shared by Beast's side and the fake Slack."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        """The same instant as epoch seconds, for the fake Slack."""
        return self.now.timestamp()

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


def make_settings(api_url: str, **extra: str) -> Settings:
    """Settings for tests: the fake Slack, a test signing secret, eastus."""
    return factories.make_settings(
        **{
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": api_url,
            **extra,
        }
    )
