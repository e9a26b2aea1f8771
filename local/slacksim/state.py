"""The fake Slack workspace: users, channels, messages, response_urls and the call log.

All mutation goes through one lock so the threaded HTTP server can share it. Time comes
from an injectable clock (``now``) plus an offset the control API can advance, so tests
can expire a response_url without sleeping.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

TEAM_ID = "T0BEAST"
TEAM_DOMAIN = "beast-local"
BOT_USER_ID = "U0BEASTBOT"
BOT_ID = "B0BEAST"
APP_ID = "A0BEAST"
DEFAULT_TOKENS: tuple[str, ...] = ("xoxb-local-token",)

# Slack's documented response_url limits: up to 5 uses within 30 minutes.
RESPONSE_URL_MAX_POSTS = 5
RESPONSE_URL_LIFETIME_SECONDS = 30 * 60


def make_user(
    user_id: str,
    name: str,
    *,
    real_name: str,
    tz: str = "Europe/London",
    tz_label: str = "Greenwich Mean Time",
    tz_offset: int = 0,
    is_admin: bool = False,
    display_name: str | None = None,
    email: str | None = None,
) -> JsonDict:
    """Build a user object shaped like the ``user`` field of Slack's ``users.info``."""
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "deleted": False,
        "real_name": real_name,
        "tz": tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "is_admin": is_admin,
        "is_owner": False,
        "is_bot": False,
        "is_app_user": False,
        "profile": {
            "real_name": real_name,
            "display_name": name if display_name is None else display_name,
            "email": email or f"{name}@example.com",
        },
    }


def default_users() -> list[JsonDict]:
    """Return the seeded workspace members: alice, bob and the admin carol."""
    return [
        make_user("U0ALICE", "alice", real_name="Alice Archer"),
        make_user(
            "U0BOB",
            "bob",
            real_name="Bob Baker",
            tz="America/New_York",
            tz_label="Eastern Standard Time",
            tz_offset=-18000,
        ),
        make_user(
            "U0CAROL",
            "carol",
            real_name="Carol Chen",
            tz="Australia/Sydney",
            tz_label="Australian Eastern Daylight Time",
            tz_offset=39600,
            is_admin=True,
        ),
    ]


def default_channels() -> dict[str, str]:
    """Return the seeded public channels, id to name."""
    return {"C0BEAST": "beast", "C0GENERAL": "general"}


def dm_channel_id(user_id: str) -> str:
    """Return the app's DM channel id with a user (deterministic: U0ALICE -> D0ALICE)."""
    return "D" + user_id[1:]


@dataclass
class ResponseUrl:
    """One minted response_url and how it has been used."""

    token: str
    user_id: str
    channel_id: str
    created: float
    original_ts: str | None = None
    posts: int = 0


@dataclass
class SimState:
    """Everything the fake Slack remembers; safe to share between request threads."""

    tokens: tuple[str, ...] = DEFAULT_TOKENS
    seed_users: list[JsonDict] = field(default_factory=default_users)
    seed_channels: dict[str, str] = field(default_factory=default_channels)
    now_fn: Callable[[], float] = time.time
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.clock_offset = 0.0
        self.reset()

    # -- lifecycle -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget calls, messages, response_urls and users added since start."""
        with self.lock:
            self.users: dict[str, JsonDict] = {u["id"]: copy.deepcopy(u) for u in self.seed_users}
            self.channels: dict[str, str] = dict(self.seed_channels)
            self.dms: dict[str, str] = {}
            self.messages: dict[tuple[str, str], JsonDict] = {}
            self.response_urls: dict[str, ResponseUrl] = {}
            self.calls: list[JsonDict] = []
            self._seq = itertools.count(1)
            self._ts_seq = itertools.count(1)
            self.clock_offset = 0.0

    def now(self) -> float:
        """Return the simulated time (epoch seconds)."""
        return self.now_fn() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the simulated clock forward; return the new time."""
        with self.lock:
            self.clock_offset += seconds
            return self.now()

    def set_clock(self, epoch: float) -> float:
        """Jump the simulated clock to ``epoch``; return it."""
        with self.lock:
            self.clock_offset = epoch - self.now_fn()
            return self.now()

    # -- lookups ---------------------------------------------------------------------

    def new_ts(self) -> str:
        """Return a unique message timestamp in Slack's ``seconds.micro`` form."""
        with self.lock:
            return f"{int(self.now())}.{next(self._ts_seq):06d}"

    def upsert_user(self, user: JsonDict) -> JsonDict:
        """Add or replace a workspace member; missing fields get sensible defaults."""
        user_id = str(user["id"])
        name = str(user.get("name") or user_id.lower())
        profile = user.get("profile") or {}
        built = make_user(
            user_id,
            name,
            real_name=str(user.get("real_name") or name.title()),
            tz=str(user.get("tz", "Europe/London")),
            tz_label=str(user.get("tz_label", "")),
            tz_offset=int(user.get("tz_offset", 0)),
            is_admin=bool(user.get("is_admin", False)),
            display_name=profile.get("display_name"),
            email=profile.get("email"),
        )
        with self.lock:
            self.users[user_id] = built
            return built

    def find_user(self, id_or_name: str) -> JsonDict | None:
        """Find a member by id (U0ALICE) or name (alice, @alice)."""
        key = id_or_name.lstrip("@")
        with self.lock:
            if key in self.users:
                return self.users[key]
            for user in self.users.values():
                if key.lower() in (user["name"].lower(), user["profile"]["display_name"].lower()):
                    return user
        return None

    def open_dm(self, user_id: str) -> str:
        """Return (creating on first use) the app's DM channel with a member."""
        with self.lock:
            channel = self.dms.get(user_id)
            if channel is None:
                channel = dm_channel_id(user_id)
                self.dms[user_id] = channel
            return channel

    def resolve_channel(self, channel: str) -> str | None:
        """Map a channel argument to a channel id; a user id means the app's DM with them."""
        with self.lock:
            if channel in self.channels or channel in self.dms.values():
                return channel
            if channel in self.users:
                return self.open_dm(channel)
            by_name = {name: cid for cid, name in self.channels.items()}
            return by_name.get(channel.lstrip("#"))

    # -- recording -------------------------------------------------------------------

    def record(
        self,
        method: str,
        *,
        token: str | None,
        args: JsonDict,
        response: JsonDict,
        extra: JsonDict | None = None,
    ) -> JsonDict:
        """Append one call to the log and return the entry."""
        with self.lock:
            entry: JsonDict = {
                "seq": next(self._seq),
                "method": method,
                "token": token,
                "args": args,
                "time": self.now(),
                "ok": bool(response.get("ok")),
                "error": response.get("error"),
                "response": response,
            }
            if extra:
                entry.update(extra)
            self.calls.append(entry)
            return entry

    def last_seq(self) -> int:
        """Return the sequence number of the newest call (0 when none)."""
        with self.lock:
            return self.calls[-1]["seq"] if self.calls else 0

    def calls_matching(self, *, method: str | None = None, since: int = 0) -> list[JsonDict]:
        """Return recorded calls, optionally only one method and only after ``since``."""
        with self.lock:
            return [
                copy.deepcopy(c)
                for c in self.calls
                if c["seq"] > since and (method is None or c["method"] == method)
            ]

    # -- response_url ----------------------------------------------------------------

    def mint_response_url(
        self, *, user_id: str, channel_id: str, original_ts: str | None = None
    ) -> ResponseUrl:
        """Create a fresh response_url token for a user in a channel."""
        with self.lock:
            entry = ResponseUrl(
                token=secrets.token_urlsafe(12),
                user_id=user_id,
                channel_id=channel_id,
                created=self.now(),
                original_ts=original_ts,
            )
            self.response_urls[entry.token] = entry
            return entry

    def messages_in(self, channel: str | None = None) -> list[JsonDict]:
        """Return stored messages (oldest first), optionally of one channel."""
        with self.lock:
            found = [
                copy.deepcopy(m)
                for (cid, _), m in self.messages.items()
                if channel is None or cid == channel
            ]
        return sorted(found, key=lambda m: m["ts"])

    def store_message(self, channel: str, message: JsonDict) -> None:
        """Keep a posted message so chat.update and replace_original can find it."""
        with self.lock:
            self.messages[(channel, message["ts"])] = message


def seed_from(users: Iterable[JsonDict] | None) -> list[JsonDict]:
    """Return the users to seed: the given ones or the defaults."""
    return list(users) if users is not None else default_users()
