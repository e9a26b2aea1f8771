"""Build requests exactly as Slack sends them to Beast, signed with the signing secret.

Slack signs every request: ``X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret,
"v0:{timestamp}:{raw body}"))`` and ``X-Slack-Request-Timestamp = timestamp``; receivers
refuse timestamps more than 5 minutes away from their clock.

The small API:

- ``signed_command(text, *, user_id, user_name, secret, response_url, timestamp=None,
  channel_id="C0BEAST", channel_name="beast", retry_num=None, retry_reason=None)
  -> (body: bytes, headers: dict)``: a ``/beast`` slash command (form-encoded).
- ``signed_action(action_id, value, *, user_id, user_name, secret, response_url,
  block_id="beast", message_ts=None, message=None, ..., timestamp=None)
  -> (body, headers)``: a ``block_actions`` button click (``payload=<json>`` form field).
- ``command_body(...)`` / ``action_payload(...)`` build the unsigned parts;
  ``slack_headers(body, *, secret, timestamp=None, retry_num=None, retry_reason=None)``
  signs any body; ``signature(body, *, secret, timestamp)`` is the bare HMAC.

POST ``body`` with ``headers`` to ``{host}/api/slack/events``. Pass ``timestamp`` (epoch
seconds) to test stale requests; ``retry_num``/``retry_reason`` add the
``X-Slack-Retry-Num``/``X-Slack-Retry-Reason`` headers Slack sets on a redelivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from local.slacksim.state import APP_ID, TEAM_DOMAIN, TEAM_ID

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# A token Slack used to send for verification; deprecated, still present in the form.
VERIFICATION_TOKEN = "local-verification-token"


def signature(body: bytes, *, secret: str, timestamp: int) -> str:
    """Return Slack's ``v0=`` signature of a raw request body."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(
    body: bytes,
    *,
    secret: str,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """Return the headers Slack sends with a form-encoded body, signature included."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    headers = {
        "Content-Type": FORM_CONTENT_TYPE,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, secret=secret, timestamp=ts),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


def _trigger_id() -> str:
    return f"{secrets.randbelow(10**13)}.{secrets.randbelow(10**13)}.{secrets.token_hex(16)}"


def command_body(
    text: str,
    *,
    user_id: str,
    user_name: str,
    response_url: str,
    command: str = "/beast",
    channel_id: str = "C0BEAST",
    channel_name: str = "beast",
) -> bytes:
    """Return a slash-command body with Slack's fields in Slack's order, form-encoded."""
    fields = [
        ("token", VERIFICATION_TOKEN),
        ("team_id", TEAM_ID),
        ("team_domain", TEAM_DOMAIN),
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id),
        ("user_name", user_name),
        ("command", command),
        ("text", text),
        ("api_app_id", APP_ID),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", _trigger_id()),
    ]
    return urlencode(fields).encode()


def action_payload(
    action_id: str,
    value: str,
    *,
    user_id: str,
    user_name: str,
    response_url: str,
    block_id: str = "beast",
    label: str | None = None,
    channel_id: str = "C0BEAST",
    channel_name: str = "beast",
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    is_ephemeral: bool = False,
) -> dict[str, Any]:
    """Return a ``block_actions`` payload for one button click, shaped like Slack's."""
    now = time.time()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts or f"{now:.6f}",
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": _trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": label or action_id, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{now:.6f}",
            }
        ],
    }
    if message is not None:
        # Slack includes the clicked message for channel messages, not for ephemerals.
        payload["message"] = message
    return payload


def action_body(payload: dict[str, Any]) -> bytes:
    """Return the form body Slack posts for an interaction: one ``payload`` JSON field."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def signed_command(
    text: str,
    *,
    user_id: str,
    user_name: str,
    secret: str,
    response_url: str,
    timestamp: int | None = None,
    channel_id: str = "C0BEAST",
    channel_name: str = "beast",
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """Return (body, headers) of a signed ``/beast`` slash command."""
    body = command_body(
        text,
        user_id=user_id,
        user_name=user_name,
        response_url=response_url,
        channel_id=channel_id,
        channel_name=channel_name,
    )
    headers = slack_headers(
        body, secret=secret, timestamp=timestamp, retry_num=retry_num, retry_reason=retry_reason
    )
    return body, headers


def signed_action(
    action_id: str,
    value: str,
    *,
    user_id: str,
    user_name: str,
    secret: str,
    response_url: str,
    block_id: str = "beast",
    channel_id: str = "C0BEAST",
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """Return (body, headers) of a signed ``block_actions`` button click."""
    payload = action_payload(
        action_id,
        value,
        user_id=user_id,
        user_name=user_name,
        response_url=response_url,
        block_id=block_id,
        channel_id=channel_id,
        message_ts=message_ts,
        message=message,
    )
    body = action_body(payload)
    headers = slack_headers(
        body, secret=secret, timestamp=timestamp, retry_num=retry_num, retry_reason=retry_reason
    )
    return body, headers
