"""HTTP front of the fake Slack: Web API under ``/api/``, response_urls, and ``/_sim/`` control.

Routes:

- ``GET|POST /api/{method}``: Slack Web API (query, form or JSON arguments; token from
  ``Authorization: Bearer`` or a ``token`` argument).
- ``POST /response/{token}``: a response_url (JSON message; 5 posts within 30 minutes).
- ``GET /_sim/calls?method=M&since=SEQ``: the call log as a JSON list.
- ``GET /_sim/messages?channel=C``: messages currently visible in channels/DMs.
- ``GET|POST /_sim/users``: list, or add/replace members (one object or a list).
- ``POST /_sim/response_urls`` ``{"user_id", "channel_id", "original_ts"?}``: mint one.
- ``POST /_sim/clock`` ``{"advance": seconds}`` or ``{"set": epoch}``: move simulated time.
- ``POST /_sim/reset``: back to the seeded state. ``GET /_sim/health``: liveness.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.slacksim.state import DEFAULT_TOKENS, JsonDict, SimState, default_channels, seed_from
from local.slacksim.webapi import call_method, post_to_response_url


class _Handler(BaseHTTPRequestHandler):
    server: SlackSimServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        # Keep test and `make run` output readable; the call log is the record.
        return

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    # -- plumbing --------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _parsed_body(self, raw: bytes) -> Any:
        ctype = (self.headers.get("Content-Type") or "").lower()
        if not raw:
            return {}
        if "json" in ctype:
            return json.loads(raw)
        if "form" in ctype:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        try:
            return json.loads(raw)
        except ValueError:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, verb: str) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        state = self.server.state
        try:
            body = self._parsed_body(self._body()) if verb == "POST" else {}
        except ValueError:
            self._send(400, {"ok": False, "error": "invalid_json"})
            return
        path = parts.path
        if path.startswith("/api/"):
            self._send(200, self._web_api(path.removeprefix("/api/"), query, body))
        elif path.startswith("/response/") and verb == "POST":
            self._send(*post_to_response_url(state, path.removeprefix("/response/"), body))
        elif path.startswith("/_sim/"):
            self._send(*self._control(verb, path.removeprefix("/_sim/"), query, body))
        else:
            self._send(404, {"ok": False, "error": "not_found"})

    def _web_api(self, method: str, query: JsonDict, body: Any) -> JsonDict:
        args: JsonDict = {**query, **(body if isinstance(body, dict) else {})}
        auth = self.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        token = token or args.pop("token", None)
        args.pop("token", None)
        return call_method(self.server.state, method, args, token)

    def _control(self, verb: str, what: str, query: JsonDict, body: Any) -> tuple[int, Any]:
        state = self.server.state
        if what == "health":
            return 200, {"ok": True}
        if what == "calls" and verb == "GET":
            since = int(query.get("since") or 0)
            return 200, state.calls_matching(method=query.get("method"), since=since)
        if what == "messages" and verb == "GET":
            return 200, state.messages_in(query.get("channel"))
        if what == "users" and verb == "GET":
            return 200, list(state.users.values())
        if what == "users" and verb == "POST":
            users = body if isinstance(body, list) else [body]
            return 200, [state.upsert_user(u) for u in users]
        if what == "reset" and verb == "POST":
            state.reset()
            return 200, {"ok": True}
        if what == "clock" and verb == "POST":
            if "set" in body:
                return 200, {"ok": True, "now": state.set_clock(float(body["set"]))}
            return 200, {"ok": True, "now": state.advance_clock(float(body.get("advance", 0)))}
        if what == "response_urls" and verb == "POST":
            return self._mint(body)
        return 404, {"ok": False, "error": "not_found"}

    def _mint(self, body: JsonDict) -> tuple[int, JsonDict]:
        state = self.server.state
        user = state.find_user(str(body.get("user_id") or body.get("user") or ""))
        if user is None:
            return 400, {"ok": False, "error": "user_not_found"}
        channel = state.resolve_channel(str(body.get("channel_id") or "C0BEAST"))
        if channel is None:
            return 400, {"ok": False, "error": "channel_not_found"}
        seq = state.last_seq()
        entry = state.mint_response_url(
            user_id=user["id"], channel_id=channel, original_ts=body.get("original_ts")
        )
        return 200, {
            "ok": True,
            "response_url": f"{self.server.base_url}/response/{entry.token}",
            "token": entry.token,
            "user_id": user["id"],
            "user_name": user["name"],
            "channel_id": channel,
            "channel_name": state.channels.get(channel, channel),
            "seq": seq,
        }


class SlackSimServer(ThreadingHTTPServer):
    """A threaded HTTP server that owns one ``SimState``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        super().__init__(address, _Handler)
        self.state = state
        host, port = self.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"


@dataclass
class RunningSlackSim:
    """A started fake Slack; ``api_url`` is what Beast's ``SLACK_API_URL`` points at."""

    server: SlackSimServer
    thread: threading.Thread

    @property
    def state(self) -> SimState:
        """The live workspace state (for in-process tests)."""
        return self.server.state

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        return self.server.base_url

    @property
    def api_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)``, ending in ``/api/``."""
        return self.url + "/api/"

    def response_url(self, *, user_id: str = "U0ALICE", channel_id: str = "C0BEAST") -> str:
        """Mint a response_url for a user in a channel, as Slack would for a command."""
        entry = self.state.mint_response_url(user_id=user_id, channel_id=channel_id)
        return f"{self.url}/response/{entry.token}"

    def calls(self, method: str | None = None) -> list[JsonDict]:
        """Return recorded calls, optionally of one method (``response_url`` for those)."""
        return self.state.calls_matching(method=method)

    def stop(self) -> None:
        """Shut the server down and free its port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_slacksim(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    users: Iterable[JsonDict] | None = None,
    channels: dict[str, str] | None = None,
    tokens: tuple[str, ...] = DEFAULT_TOKENS,
    now: Callable[[], float] | None = None,
) -> RunningSlackSim:
    """Start the fake Slack in a background thread (``port=0`` picks a free port)."""
    state = SimState(
        tokens=tokens,
        seed_users=seed_from(users),
        seed_channels=channels if channels is not None else default_channels(),
        now_fn=now or time.time,
    )
    server = SlackSimServer((host, port), state)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="slacksim", daemon=True
    )
    thread.start()
    return RunningSlackSim(server=server, thread=thread)
