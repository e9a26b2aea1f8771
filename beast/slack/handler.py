"""``POST /api/slack/events`` as a plain function: bytes and headers in, a response out.

Front-end glue (``functions/slack.py``) converts the Functions request to these
arguments; nothing here knows about Azure Functions.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from functools import cache

from slack_bolt import App, BoltRequest

from beast.slack.bot import Bot, build_app

log = logging.getLogger(__name__)

Response = tuple[int, dict[str, str], bytes]

TIMESTAMP_HEADER = "x-slack-request-timestamp"
# Slack's timestamps are epoch seconds: ten digits until the year 2286.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_UNSIGNED: Response = (401, {"Content-Type": "text/plain"}, b"Invalid request signature")


def _malformed_timestamp(headers: Mapping[str, str]) -> bool:
    """True when the timestamp header is present but not whole epoch seconds."""
    for name, value in headers.items():
        if name.lower() == TIMESTAMP_HEADER:
            return _TIMESTAMP.fullmatch(value.strip()) is None
    return False


def dispatch(app: App, *, body: bytes, headers: Mapping[str, str], query: str = "") -> Response:
    """Run one Slack delivery through ``app`` (which checks the signature first)."""
    try:
        # Slack signs the exact bytes; a body that is not UTF-8 cannot carry a valid signature.
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, {"Content-Type": "text/plain"}, b"Bad request"
    if _malformed_timestamp(headers):
        # slack_sdk's verifier calls int() on the header and Bolt answers the
        # ValueError with a 500 and a logged traceback: refuse it as unsigned instead.
        return _UNSIGNED
    try:
        response = app.dispatch(BoltRequest(body=raw, query=query, headers=dict(headers)))
    except Exception:
        ref = secrets.token_hex(3).upper()
        log.exception("Slack delivery failed (ref %s)", ref)
        return 500, {"Content-Type": "text/plain"}, f"Something went wrong (ref {ref})".encode()
    out_headers = {name: values[0] for name, values in response.headers.items() if values}
    return response.status, out_headers, response.body.encode("utf-8")


@cache
def default_app() -> App:
    """The Bolt app on the wired Beast service, built on first use."""
    from beast.wiring import services

    wired = services()
    return build_app(bot=Bot(beast=wired.beast, settings=wired.settings), settings=wired.settings)


def handle(body: bytes, headers: Mapping[str, str], query: str) -> Response:
    """Answer one signed Slack delivery (slash command or interactivity)."""
    return dispatch(default_app(), body=body, headers=headers, query=query)
