"""Slack Web API methods and response_url posts, as pure functions over ``SimState``.

Each method takes the parsed arguments (query string, form body and JSON body merged)
and returns Slack's JSON answer. Auth is checked by ``call_method`` before dispatch, the
way Slack does: no token is ``not_authed``, an unknown one ``invalid_auth``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from local.slacksim.state import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    RESPONSE_URL_LIFETIME_SECONDS,
    RESPONSE_URL_MAX_POSTS,
    TEAM_DOMAIN,
    TEAM_ID,
    JsonDict,
    ResponseUrl,
    SimState,
)

Method = Callable[[SimState, JsonDict], JsonDict]

# Fields Slack accepts either as JSON values or as JSON-encoded strings in a form body.
_JSON_FIELDS = ("blocks", "attachments", "metadata")


def _error(code: str) -> JsonDict:
    return {"ok": False, "error": code}


def normalise_args(args: JsonDict) -> JsonDict:
    """Decode JSON-in-a-string fields, as Slack does for form-encoded calls."""
    out = dict(args)
    for key in _JSON_FIELDS:
        value = out.get(key)
        if isinstance(value, str) and value.strip().startswith(("[", "{")):
            with contextlib.suppress(ValueError):
                out[key] = json.loads(value)
    return out


def _bot_message(ts: str, args: JsonDict) -> JsonDict:
    message: JsonDict = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "ts": ts,
        "text": args.get("text", ""),
    }
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if key in args:
            message[key] = args[key]
    return message


def _has_content(args: JsonDict) -> bool:
    return bool(args.get("text") or args.get("blocks") or args.get("attachments"))


def auth_test(state: SimState, args: JsonDict) -> JsonDict:
    """auth.test: who the bot token belongs to."""
    return {
        "ok": True,
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": "Beast Local",
        "user": "beast",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def chat_post_message(state: SimState, args: JsonDict) -> JsonDict:
    """chat.postMessage: post to a channel, or to a user id meaning the app's DM."""
    channel = state.resolve_channel(str(args.get("channel", "")))
    if channel is None:
        return _error("channel_not_found")
    if not _has_content(args):
        return _error("no_text")
    message = _bot_message(state.new_ts(), args)
    state.store_message(channel, message)
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}


def chat_post_ephemeral(state: SimState, args: JsonDict) -> JsonDict:
    """chat.postEphemeral: a message only ``user`` sees; it cannot be updated later."""
    channel = state.resolve_channel(str(args.get("channel", "")))
    if channel is None:
        return _error("channel_not_found")
    if state.find_user(str(args.get("user", ""))) is None:
        return _error("user_not_found")
    if not _has_content(args):
        return _error("no_text")
    return {"ok": True, "message_ts": state.new_ts()}


def chat_update(state: SimState, args: JsonDict) -> JsonDict:
    """chat.update: replace the text/blocks of a message the bot posted."""
    channel = state.resolve_channel(str(args.get("channel", "")))
    if channel is None:
        return _error("channel_not_found")
    ts = str(args.get("ts", ""))
    with state.lock:
        old = state.messages.get((channel, ts))
        if old is None:
            return _error("message_not_found")
        if not _has_content(args):
            return _error("no_text")
        message = _bot_message(ts, args)
        message["edited"] = {"user": BOT_USER_ID, "ts": state.new_ts()}
        state.store_message(channel, message)
    return {
        "ok": True,
        "channel": channel,
        "ts": ts,
        "text": message["text"],
        "message": message,
    }


def users_info(state: SimState, args: JsonDict) -> JsonDict:
    """users.info: a member's profile, including ``tz`` and ``tz_offset``."""
    user = state.users.get(str(args.get("user", "")))
    if user is None:
        return _error("user_not_found")
    return {"ok": True, "user": user}


def conversations_open(state: SimState, args: JsonDict) -> JsonDict:
    """conversations.open: the app's DM channel (``D...``) with one member."""
    users = [u for u in str(args.get("users", "")).split(",") if u]
    if not users:
        return _error("users_list_not_supplied")
    if len(users) > 1:
        # Group DMs are not something Beast uses; say so rather than fake one.
        return _error("not_supported")
    if users[0] not in state.users:
        return _error("user_not_found")
    channel = state.open_dm(users[0])
    return {"ok": True, "channel": {"id": channel, "is_im": True, "user": users[0]}}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "users.info": users_info,
    "conversations.open": conversations_open,
}


def call_method(state: SimState, method: str, args: JsonDict, token: str | None) -> JsonDict:
    """Authenticate, run one Web API method, record the call, return Slack's answer."""
    args = normalise_args(args)
    if not token:
        response = _error("not_authed")
    elif token not in state.tokens:
        response = _error("invalid_auth")
    elif method not in METHODS:
        response = _error("unknown_method")
    else:
        response = METHODS[method](state, args)
    extra: JsonDict = {}
    channel = response.get("channel")
    if isinstance(channel, dict):
        channel = channel.get("id")
    if channel is None and method == "chat.postEphemeral" and response.get("ok"):
        channel = state.resolve_channel(str(args.get("channel", "")))
    if channel is not None:
        extra["channel"] = channel
    state.record(method, token=token, args=args, response=response, extra=extra)
    return response


def post_to_response_url(state: SimState, token: str, body: Any) -> tuple[int, JsonDict]:
    """Apply one POST to a response_url under Slack's rules; return (HTTP status, JSON)."""
    with state.lock:
        entry = state.response_urls.get(token)
        args: JsonDict = body if isinstance(body, dict) else {"_raw": body}
        status, response = 200, {"ok": True}
        if entry is None or state.now() - entry.created > RESPONSE_URL_LIFETIME_SECONDS:
            status, response = 404, _error("expired_url")
        elif entry.posts >= RESPONSE_URL_MAX_POSTS:
            status, response = 404, _error("used_url")
        elif not isinstance(body, dict):
            status, response = 400, _error("invalid_payload")
        elif not (_has_content(body) or body.get("delete_original")):
            status, response = 400, _error("no_text")
        else:
            entry.posts += 1
            _apply_response(state, entry, body)
        extra: JsonDict = {"response_token": token}
        if entry is not None:
            extra.update(
                user_id=entry.user_id,
                channel=entry.channel_id,
                response_type=args.get("response_type", "ephemeral"),
                uses=entry.posts,
            )
        state.record("response_url", token=None, args=args, response=response, extra=extra)
        return status, response


def _apply_response(state: SimState, entry: ResponseUrl, body: JsonDict) -> None:
    """Reflect a response_url post in the stored (public) messages; ephemerals are not kept."""
    original = entry.original_ts
    key = (entry.channel_id, original or "")
    if body.get("delete_original"):
        state.messages.pop(key, None)
    elif body.get("replace_original") and key in state.messages:
        state.store_message(entry.channel_id, _bot_message(key[1], body))
    elif body.get("response_type") == "in_channel":
        message = _bot_message(state.new_ts(), body)
        state.store_message(entry.channel_id, message)
        entry.original_ts = message["ts"]
