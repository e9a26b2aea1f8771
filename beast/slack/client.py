"""Slack Web API and ``response_url`` clients, configured the one way Beast uses them."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from beast.settings import Settings

TIMEOUT_SECONDS = 10


def quiet_logger() -> logging.Logger:
    """The SDK clients' logger, never below INFO.

    The SDKs log whole request bodies at DEBUG, and a body may carry a VM's
    password: Beast never logs a password, whatever the root log level is.
    """
    logger = logging.getLogger("beast.slack.sdk")
    logger.setLevel(logging.INFO)
    return logger


def web_client(settings: Settings) -> WebClient:
    """A bot-token Web API client for ``settings.slack_api_url`` (Slack, or a stand-in)."""
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=settings.slack_bot_token.reveal(),
        base_url=base_url,
        timeout=TIMEOUT_SECONDS,
        logger=quiet_logger(),
    )


def webhook_client(url: str) -> WebhookClient:
    """A client for one ``response_url``."""
    return WebhookClient(url, timeout=TIMEOUT_SECONDS, logger=quiet_logger())
