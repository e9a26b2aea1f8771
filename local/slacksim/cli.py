"""Type a Slack command at Beast from a terminal and watch what the person would see.

``python -m local.slacksim "/beast up E4s_v3 1000" --user alice`` mints a response_url at
the fake Slack, signs the command the way Slack does, POSTs it to
``{host}/api/slack/events``, prints the ack, then prints each message that reaches the
person (response_url posts, DMs, ephemerals, updates in the channel) until ``--wait``
seconds pass, or ``--quiet`` seconds after the answer is complete (an ack that promises
nothing more, the one reply to a lookup, a ready/failed/stopped/deleted message or one
with buttons), or ``--idle`` seconds with nothing new. ``--action ACTION_ID --value V``
clicks a button instead; under each message with buttons it prints the flags that click
them. Without ``--host`` it talks to the stack ``make run`` recorded in
``.local/stack.json``, else to port 7071.

``python -m local.slacksim serve --port P [--state-file F]`` runs the fake Slack itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from local.slacksim.render import (
    button_hints,
    looks_final,
    promises_news,
    promises_one_reply,
    render_message,
)
from local.slacksim.server import RunningSlackSim, start_slacksim
from local.slacksim.signing import signed_action, signed_command
from local.slacksim.state import dm_channel_id

DEFAULT_PORT = 7075
DEFAULT_STATE_FILE = Path(".local/slacksim.json")
STACK_STATE_FILE = Path(".local/stack.json")  # written by `make run` while it runs
DEFAULT_HOST = "http://127.0.0.1:7071"
EVENTS_PATH = "/api/slack/events"
POLL_SECONDS = 0.2

# Local traffic must not go through a proxy some machines set in the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class CliError(Exception):
    """A problem the person running the CLI can fix (message says how)."""


# -- HTTP --------------------------------------------------------------------------------


def http(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, bytes]:
    """Send one request without proxies; return (status, body) even for HTTP errors."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError as error:
        raise CliError(f"cannot reach {url}: {error}") from error


def _json(method: str, url: str, payload: Any = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    status, raw = http(method, url, body=data, headers={"Content-Type": "application/json"})
    if status >= 400:
        raise CliError(f"{method} {url} -> {status}: {raw.decode(errors='replace')}")
    return json.loads(raw)


# -- configuration -----------------------------------------------------------------------


def sim_url(value: str | None, *, env: Mapping[str, str]) -> str:
    """Resolve ``--sim`` (URL or state file), then ``BEAST_SLACKSIM``, then the defaults."""
    value = value or env.get("BEAST_SLACKSIM")
    if value is None:
        value = str(DEFAULT_STATE_FILE) if DEFAULT_STATE_FILE.exists() else None
    if value is None:
        return f"http://127.0.0.1:{DEFAULT_PORT}"
    if value.startswith(("http://", "https://")):
        return value.rstrip("/")
    try:
        return str(json.loads(Path(value).read_text())["url"]).rstrip("/")
    except (OSError, ValueError, KeyError) as error:
        raise CliError(f"--sim {value}: not a URL nor a slacksim state file ({error})") from error


def host_url(value: str | None, *, root: Path) -> str:
    """Resolve ``--host``, then the host of the running ``make run`` stack, then port 7071."""
    if value:
        return value.rstrip("/")
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return str(json.loads((root / STACK_STATE_FILE).read_text())["host"]).rstrip("/")
    return DEFAULT_HOST


def signing_secret(*, env: Mapping[str, str], root: Path) -> str:
    """Find the signing secret: env ``SLACK_SIGNING_SECRET``, else local.settings(.sample).json."""
    if env.get("SLACK_SIGNING_SECRET"):
        return env["SLACK_SIGNING_SECRET"]
    for name in ("local.settings.json", "local.settings.sample.json"):
        path = root / name
        if path.exists():
            secret = json.loads(path.read_text()).get("Values", {}).get("SLACK_SIGNING_SECRET")
            if secret:
                return str(secret)
    raise CliError("no SLACK_SIGNING_SECRET in the environment or local.settings(.sample).json")


def split_command(line: str) -> tuple[str, str]:
    """Split ``/beast up E4s_v3 1000`` into (``/beast``, ``up E4s_v3 1000``)."""
    line = line.strip()
    if not line.startswith("/"):
        return "/beast", line
    command, _, text = line.partition(" ")
    return command, text.strip()


# -- what the person sees ----------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Who is typing, where, and which response_url Slack gave the request."""

    user_id: str
    channel_id: str
    response_token: str


def seen_by(call: Mapping[str, Any], audience: Audience) -> str | None:
    """Label a recorded call the person would see (``ephemeral``, ``DM``...), else None."""
    if not call.get("ok"):
        return None
    method, args, channel = call["method"], call.get("args", {}), call.get("channel")
    dm = dm_channel_id(audience.user_id)
    if method == "response_url" and call.get("response_token") == audience.response_token:
        label = f"response_url · {call.get('response_type', 'ephemeral')}"
        if args.get("replace_original"):
            label += " · replaces original"
        if args.get("delete_original"):
            label += " · deletes original"
        return label
    if method == "chat.postEphemeral" and args.get("user") == audience.user_id:
        return "ephemeral"
    if method in ("chat.postMessage", "chat.update") and channel in (dm, audience.channel_id):
        where = "DM" if channel == dm else f"channel {channel}"
        return where + (" · updated" if method == "chat.update" else "")
    return None


def describe_ack(status: int, body: bytes) -> str:
    """Render the endpoint's immediate answer as a person would read it."""
    text = body.decode(errors="replace").strip()
    if not text:
        return EMPTY_ACK if status < 300 else f"(HTTP {status}, empty answer)"
    try:
        message = json.loads(text)
    except ValueError:
        return f"(HTTP {status}) {text}"
    if isinstance(message, dict):
        rendered = render_message(message)
        return rendered if status < 300 and rendered else f"(HTTP {status}) {rendered or text}"
    return f"(HTTP {status}) {text}"


EMPTY_ACK = "(empty ack: Slack shows nothing until Beast answers on the response_url)"


def shown_text(message: Mapping[str, Any], *, user: str) -> str:
    """The message as the person reads it, then the CLI flags that click each of its buttons."""
    text = render_message(dict(message)) or "(no text)"
    clicks = "".join(f"\n   click {hint} --user {user}" for hint in button_hints(dict(message)))
    return text + clicks


def _print_block(out: TextIO, label: str, text: str) -> None:
    out.write(f"── {label} ──\n{text}\n")
    out.flush()


@dataclass
class Follow:
    """When to stop following: overall deadline, quiet after final, idle without news."""

    wait: float
    quiet: float
    idle: float


@dataclass(frozen=True)
class Followed:
    """How following ended: messages shown, and why it stopped."""

    shown: int
    reason: str  # "complete", "idle" or "wait"


@dataclass(frozen=True)
class Expect:
    """What the ack told us about the rest of the answer."""

    final_seen: bool = False  # the ack is the whole answer
    answer_pending: bool = False  # empty ack (a click): the first reply is the answer
    one_reply: bool = False  # a lookup: its single reply completes the answer


def follow(
    sim: str,
    audience: Audience,
    *,
    since: int,
    limits: Follow,
    out: TextIO,
    expect: Expect | None = None,
    user: str = "alice",
    clock: Callable[[], float] = time.monotonic,
) -> Followed:
    """Print each new message for the person until a stop rule fires; say how it ended."""
    expect = expect or Expect()
    final_seen, pending, one_reply = expect.final_seen, expect.answer_pending, expect.one_reply
    start = last_news = clock()
    shown = 0
    if limits.wait <= 0:
        return Followed(shown, "wait")
    while True:
        # Poll before judging, so news that came during the last sleep is never left out.
        for call in _json("GET", f"{sim}/_sim/calls?since={since}"):
            since = max(since, int(call["seq"]))
            label = seen_by(call, audience)
            if label is None:
                continue
            message = call["args"]
            seen = f"{label} · +{clock() - start:.1f} s"
            _print_block(out, seen, shown_text(message, user=user))
            shown += 1
            last_news = clock()
            answered = pending and not promises_news(message)
            final_seen = final_seen or looks_final(message) or one_reply or answered
            pending = one_reply = False
        now = clock()
        out_of_time = now - start >= limits.wait
        idle = bool(limits.idle) and now - last_news >= limits.idle
        # Once the answer is complete, whichever rule ends the wait, nothing is missing.
        if final_seen and (now - last_news >= limits.quiet or out_of_time or idle):
            return Followed(shown, "complete")
        if out_of_time:
            return Followed(shown, "wait")
        if idle:
            return Followed(shown, "idle")
        time.sleep(POLL_SECONDS)


# -- entry points ------------------------------------------------------------------------


def _send_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local.slacksim",
        description="Send a signed Slack command (or button click) to Beast and follow it.",
        epilog="Run the fake Slack itself with: python -m local.slacksim serve --port P",
    )
    parser.add_argument("command", nargs="?", help='e.g. "/beast up E4s_v3 1000"')
    parser.add_argument("--user", default="alice", help="member name or id (default alice)")
    parser.add_argument("--channel", default="C0BEAST", help="channel id (default C0BEAST)")
    parser.add_argument(
        "--host",
        help="local Functions host base URL (default: the one `make run` wrote to"
        " .local/stack.json, else http://127.0.0.1:7071)",
    )
    parser.add_argument("--events-url", help="full URL to POST to (overrides --host)")
    parser.add_argument(
        "--sim", help="fake Slack URL or state file (default: .local/slacksim.json)"
    )
    parser.add_argument(
        "--wait", type=float, default=120, help="most seconds to follow (0: ack only)"
    )
    parser.add_argument(
        "--quiet", type=float, default=2, help="stop this long after the answer is complete"
    )
    parser.add_argument("--idle", type=float, default=30, help="stop after this long without news")
    parser.add_argument("--action", help="click a button: its action_id")
    parser.add_argument("--value", default="", help="the button's value (with --action)")
    parser.add_argument("--block-id", default="beast", help="the button's block_id")
    parser.add_argument("--message-ts", help="ts of the message holding the button")
    return parser


def send(argv: Sequence[str], *, out: TextIO, env: Mapping[str, str], root: Path) -> int:
    """Run the command sender; return the process exit code."""
    args = _send_parser().parse_args(argv)
    if not args.command and not args.action:
        raise CliError('give a command such as "/beast up E4s_v3 1000", or --action')
    sim = sim_url(args.sim, env=env)
    secret = signing_secret(env=env, root=root)
    try:
        minted = _json(
            "POST",
            f"{sim}/_sim/response_urls",
            {"user": args.user, "channel_id": args.channel, "original_ts": args.message_ts},
        )
    except CliError as error:
        raise CliError(
            f"{error}\nThe fake Slack is not there: is `make run` going? Run this from the"
            " directory it runs in, or pass --sim with the Fake Slack URL it printed."
        ) from error
    who = {"user_id": minted["user_id"], "user_name": minted["user_name"]}
    if args.action:
        body, headers = signed_action(
            args.action,
            args.value,
            **who,
            secret=secret,
            response_url=minted["response_url"],
            block_id=args.block_id,
            channel_id=minted["channel_id"],
            message_ts=args.message_ts,
        )
        said = f"{minted['user_name']} clicks {args.action} ({args.value})"
    else:
        _, text = split_command(args.command)
        body, headers = signed_command(
            text,
            **who,
            secret=secret,
            response_url=minted["response_url"],
            channel_id=minted["channel_id"],
            channel_name=minted["channel_name"],
        )
        said = f"{minted['user_name']}: {args.command}"
    host = host_url(args.host, root=root)
    url = args.events_url or host + EVENTS_PATH
    out.write(f"{said}\n")
    try:
        status, ack = http("POST", url, body=body, headers=headers)
    except CliError as error:
        raise CliError(
            f"{error}\nIs `make run` going? Pass --host with the Functions host URL it printed."
        ) from error
    answer = json.loads(ack) if ack.strip().startswith(b"{") else {}
    user = str(minted["user_name"])
    shown = shown_text(answer, user=user) if answer and status < 300 else None
    _print_block(out, f"ack · HTTP {status}", shown or describe_ack(status, ack))
    if status >= 300:
        return 1
    # An ack that promises news ("I'll message you when it's ready") is not the end;
    # any other non-empty ack is the whole answer.
    expect = Expect(
        final_seen=bool(answer) and not promises_news(answer),
        answer_pending=not answer,
        one_reply=bool(answer) and promises_one_reply(answer),
    )
    audience = Audience(minted["user_id"], minted["channel_id"], minted["token"])
    limits = Follow(wait=args.wait, quiet=args.quiet, idle=args.idle)
    followed = follow(
        sim, audience, since=int(minted["seq"]), limits=limits, out=out, expect=expect, user=user
    )
    if args.wait > 0 and followed.reason != "complete":
        out.write(_why_stopped(followed, limits, host=host, sim=sim))
        out.flush()
    return 0


def _why_stopped(followed: Followed, limits: Follow, *, host: str, sim: str) -> str:
    """Say why following ended before the answer looked complete, and what to do next."""
    if followed.reason == "idle":
        why = f"nothing new for {limits.idle:g} s (--idle)"
    else:
        why = f"{limits.wait:g} s passed (--wait)"
    line = f"── stopped following: {why}; more may still come: /beast status NAME ──\n"
    if followed.shown == 0:
        line += (
            f"No message reached the fake Slack at {sim}: if {host} is not the host"
            " `make run` printed, pass --host with that one.\n"
        )
    return line


def write_state_file(running: RunningSlackSim, path: Path) -> None:
    """Record where a running fake Slack listens, for the CLI's ``--sim FILE``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"url": running.url, "api_url": running.api_url, "pid": os.getpid()}
    path.write_text(json.dumps(state))


def serve(argv: Sequence[str], *, out: TextIO) -> int:
    """Run the fake Slack in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m local.slacksim serve")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-file", type=Path, help="write {url, api_url, pid} here")
    args = parser.parse_args(argv)
    running = start_slacksim(port=args.port, host=args.host)
    if args.state_file:
        write_state_file(running, args.state_file)
    out.write(f"fake Slack on {running.url} (SLACK_API_URL={running.api_url})\n")
    out.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
        if args.state_file:
            args.state_file.unlink(missing_ok=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m local.slacksim``: ``serve`` runs the fake Slack, anything else sends."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["serve"]:
            return serve(argv[1:], out=sys.stdout)
        return send(argv, out=sys.stdout, env=os.environ, root=Path.cwd())
    except CliError as error:
        sys.stderr.write(f"slacksim: {error}\n")
        return 2
