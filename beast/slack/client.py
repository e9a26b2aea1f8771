"""Slack Web API and ``response_url`` clients, configured the one way Beast uses them."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from beast.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


def quiet_logger() -> logging.Logger:
    """The SDK clients' logger, never below INFO.

    The SDKs log whole request bodies at DEBUG, and a body may carry a VM's
    password: Beast never logs a password, whatever the root log level is.
    """
    logger = logging.getLogger("beast.slack.sdk")
    logger.setLevel(logging.INFO)
    return logger


def api_base_url(settings: Settings) -> str:
    """``settings.slack_api_url`` with the trailing slash the SDK joins method names to."""
    return settings.slack_api_url.rstrip("/") + "/"


def web_client(settings: Settings) -> WebClient:
    """A bot-token Web API client for ``settings.slack_api_url`` (Slack, or a stand-in)."""
    return WebClient(
        token=settings.slack_bot_token.reveal(),
        base_url=api_base_url(settings),
        timeout=TIMEOUT_SECONDS,
        logger=quiet_logger(),
    )


def webhook_client(url: str) -> WebhookClient:
    """A client for one ``response_url``."""
    return WebhookClient(url, timeout=TIMEOUT_SECONDS, logger=quiet_logger())


def post_to_response_url(url: str, body: dict[str, Any]) -> bool:
    """POST to a response_url; False when Slack refuses it or cannot be reached."""
    try:
        response = webhook_client(url).send_dict(body)
    except OSError as exc:
        log.info("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        # Slack answers 404 used_url / expired_url once the URL is spent.
        log.info("response_url refused: %s %s", response.status_code, response.body[:100])
        return False
    return True
