"""A scripted stand-in for Beast: checks Slack's signature, acks, then posts set replies."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

SECRET = "cli-follow-secret"


class ScriptedBeast(ThreadingHTTPServer):
    """Acks a command with ``ack`` (a click with an empty 200), then posts ``replies``.

    Each reply goes to the request's response_url ``reply_after`` seconds after the one
    before, so the CLI is already following when it arrives, as with the real bot.
    """

    daemon_threads = True

    def __init__(
        self,
        *,
        ack: dict[str, Any] | None = None,
        replies: Sequence[dict[str, Any]] = (),
        reply_after: float = 0.05,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ack = ack
        self.replies = list(replies)
        self.reply_after = reply_after
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        """Base URL, as ``--host`` takes it."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def payloads(self) -> list[dict[str, Any]]:
        """The ``block_actions`` payloads of the clicks received so far."""
        return [json.loads(r["form"]["payload"]) for r in self.received if "payload" in r["form"]]


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedBeast

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = SignatureVerifier(SECRET).is_valid_request(body, dict(self.headers))
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.server.received.append({"path": self.path, "valid": valid, "form": form})
        if not valid:
            self._answer(401, b"")
            return
        clicked = "payload" in form
        answer = b"" if clicked or self.server.ack is None else json.dumps(self.server.ack).encode()
        self._answer(200, answer)
        request = json.loads(form["payload"]) if clicked else form
        threading.Thread(
            target=_post_replies,
            args=(request["response_url"], self.server.replies, self.server.reply_after),
            daemon=True,
        ).start()

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _post_replies(response_url: str, replies: Sequence[dict[str, Any]], pause: float) -> None:
    for reply in replies:
        time.sleep(pause)
        request = urllib.request.Request(
            response_url,
            data=json.dumps(reply).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=5).close()


@contextmanager
def scripted_beast(
    *,
    ack: dict[str, Any] | None = None,
    replies: Sequence[dict[str, Any]] = (),
    reply_after: float = 0.05,
) -> Iterator[ScriptedBeast]:
    """Run a ``ScriptedBeast`` on a free port for the ``with`` block."""
    server = ScriptedBeast(ack=ack, replies=replies, reply_after=reply_after)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
