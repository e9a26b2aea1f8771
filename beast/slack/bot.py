"""The Slack bot: ``/beast`` commands and button clicks, answered within Slack's 3 s.

``Bot`` turns a Slack payload into calls on the Beast service and a reply; it only
does what the fast path allows (table reads and writes, enqueueing a job). Long
work runs later from the queue and reports through the ``SlackNotifier``.
``build_app`` puts a ``Bot`` behind a Bolt app that checks Slack's signature.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from beast import naming
from beast.errors import BeastError, ValidationError
from beast.models import Caller, OperationKind, ReplyTo, VmRequest, VmState
from beast.service import Beast
from beast.settings import Settings
from beast.slack import blocks, commands
from beast.slack.blocks import Message
from beast.slack.client import api_base_url, post_to_response_url, quiet_logger

log = logging.getLogger(__name__)

# How the API's field names read to someone typing /beast.
_FIELD_WORDS = {
    "size": "SIZE",
    "diskGb": "DISK_GB",
    "diskType": "--disk",
    "variant": "--ssh/--vpn",
    "name": "--name",
    "region": "--region",
    "ttl": "--ttl",
    "sshPublicKey": "your SSH key",
    "allowedSourcePrefixes": "--from",
    "hours": "hours",
}


# A private key pasted by mistake (PEM, OpenSSH or PuTTY): refused without a word of it.
_PRIVATE_KEY = re.compile(r"PRIVATE KEY|PuTTY-User-Key-File|Private-Lines:", re.IGNORECASE)
PRIVATE_KEY_REFUSED = (
    "That is a private key: Beast did not save it, and it should never leave your computer. "
    "Send the public half instead, the one line of `~/.ssh/id_ed25519.pub`: "
    "`/beast key ssh-ed25519 AAAA... you@laptop`."
)
NOT_A_PUBLIC_KEY = (
    "That is not an OpenSSH public key. Paste the one line of your `.pub` file, e.g. "
    "`/beast key ssh-ed25519 AAAA... you@laptop` (no key yet? `ssh-keygen -t ed25519`)."
)

RequestBuilder = Callable[..., VmRequest]
UrlPoster = Callable[[str, dict[str, Any]], bool]


@dataclass(frozen=True)
class Reply:
    """What the bot says back: always ephemeral to the person who asked."""

    message: Message
    replace_original: bool = False


def _utcnow() -> datetime:
    return datetime.now(UTC)


def operation_id_for(trigger_id: str | None, action: str, user_id: str) -> str | None:
    """A stable operation id for one Slack delivery (None: let the service pick one)."""
    # Derived from Slack's trigger_id, so a repeated delivery of the same command or
    # click maps to the same operation and never starts a second job; the user is in
    # the key too, so one person's delivery can never name another's operation.
    if not trigger_id:
        return None
    return naming.operation_id_for(f"slack:{user_id}:{trigger_id}:{action}")


def dns_name(username: str, user_id: str) -> str:
    """A Slack username as a lowercase, DNS-safe short name for VM names."""
    name = re.sub(r"[^a-z0-9]+", "-", username.lower()).strip("-")[:20].strip("-")
    return name or f"u{user_id.lower()}"[:20]


class Bot:
    """Answers Slack commands and clicks by calling the Beast service."""

    def __init__(
        self,
        *,
        beast: Beast,
        settings: Settings,
        build_request: RequestBuilder | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if build_request is None:
            from beast.requests import build_request as core_build_request

            build_request = core_build_request
        self._beast = beast
        self._settings = settings
        self._build_request = build_request
        self._clock = clock

    # --- entry points (never raise) ----------------------------------------------

    def command(self, payload: Mapping[str, Any]) -> Reply:
        """Answer one ``/beast`` slash command."""
        return self._safely(lambda: self._command(payload), team=payload.get("team_id"))

    def action(self, payload: Mapping[str, Any]) -> Reply:
        """Answer one button click."""
        user = payload.get("user") or {}
        team = user.get("team_id") or (payload.get("team") or {}).get("id")
        return self._safely(lambda: self._action(payload), team=team)

    def _safely(self, work: Callable[[], Reply], *, team: object) -> Reply:
        expected = self._settings.slack_team_id
        if expected and team != expected:
            # Slack Connect guests and other installs reach the same endpoint; VMs cost money.
            return Reply(blocks.plain("This Beast serves another Slack workspace."))
        try:
            return work()
        except ValidationError as exc:
            return Reply(blocks.plain(_validation_text(exc)))
        except BeastError as exc:
            return Reply(blocks.plain(exc.message))
        except Exception:
            ref = secrets.token_hex(3).upper()
            log.exception("Slack request failed (ref %s)", ref)
            return Reply(blocks.plain(f"Something went wrong (ref {ref}). Please try again."))

    # --- commands -----------------------------------------------------------------

    def _command(self, payload: Mapping[str, Any]) -> Reply:
        user_id = str(payload.get("user_id", ""))
        caller = self._caller(user_id, str(payload.get("user_name", "")))
        command = commands.parse(str(payload.get("text", "")))
        trigger = str(payload.get("trigger_id") or "")
        now = self._clock()
        reply = ReplyTo(
            front_end="slack",
            user_id=user_id,
            response_url=payload.get("response_url"),
            channel_id=payload.get("channel_id"),
            issued_at=now,
        )
        beast = self._beast
        match command:
            case commands.Help():
                return Reply(blocks.plain(commands.HELP))
            case commands.Up():
                op_id = operation_id_for(trigger, "up", user_id)
                return Reply(self._up(caller, command, reply=reply, now=now, op_id=op_id))
            case commands.ListVms(everyone=everyone):
                vms = beast.list_vms(caller, everyone=everyone)
                return Reply(blocks.vm_list(vms, show_owner=everyone))
            case commands.Status(name=name):
                return Reply(blocks.status(beast.status(caller, name)))
            case commands.Stop(name=name):
                beast.stop(
                    caller,
                    name,
                    reply=reply,
                    now=now,
                    operation_id=operation_id_for(trigger, "stop", user_id),
                )
                return Reply(blocks.queued(OperationKind.STOP, name))
            case commands.Start(name=name):
                beast.start(
                    caller,
                    name,
                    reply=reply,
                    now=now,
                    operation_id=operation_id_for(trigger, "start", user_id),
                )
                return Reply(blocks.queued(OperationKind.START, name))
            case commands.Down(name=name):
                # Refuse now (not found, forbidden, already gone), not after a click.
                if beast.status(caller, name).state is VmState.DELETED:
                    return Reply(blocks.plain(f"{name} is already deleted; nothing is left."))
                return Reply(blocks.confirm_delete(name))
            case commands.Keep(name=name, hours=hours):
                try:
                    vm = beast.keep(caller, name, hours=hours, now=now)
                except ValidationError as exc:
                    # The generic answer's example is for "up"; this one is about "keep".
                    example = f"/beast keep {name} {blocks.KEEP_BUTTON_HOURS}h"
                    return Reply(blocks.plain(f"{exc.message} For example: `{example}`."))
                return Reply(blocks.kept(vm))
            case commands.Sizes(contains=contains):
                # The catalogue lives in ARM: looked up from the queue, never before the ack.
                region = beast.ask_sizes(region=None, contains=contains, reply=reply)
                return Reply(blocks.plain(f"Looking up sizes in {region}…"))
            case commands.Key(public_key=key):
                if _PRIVATE_KEY.search(key):
                    # Never echoed, never handed to the service (which might store or log it).
                    return Reply(blocks.plain(PRIVATE_KEY_REFUSED))
                try:
                    beast.remember_ssh_key(caller, key)
                except ValidationError:
                    return Reply(blocks.plain(NOT_A_PUBLIC_KEY))
                return Reply(blocks.key_saved(key))
        raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover

    def _up(
        self,
        caller: Caller,
        up: commands.Up,
        *,
        reply: ReplyTo,
        now: datetime,
        op_id: str | None,
    ) -> Message:
        # No SSH key here: for --ssh the service uses the one remembered by "/beast key".
        request = self._build_request(
            size=up.size,
            disk_gb=up.disk_gb,
            disk_type=up.disk_type.value if up.disk_type else None,
            variant=up.variant.value if up.variant else None,
            name=up.name,
            region=up.region,
            ttl=up.ttl,
            ssh_public_key=None,
            allowed_source_prefixes=list(up.allowed_from) or None,
            settings=self._settings,
        )
        vm, _ = self._beast.request_vm(caller, request, reply=reply, now=now, operation_id=op_id)
        return blocks.deploying(vm)

    # --- buttons ------------------------------------------------------------------

    def _action(self, payload: Mapping[str, Any]) -> Reply:
        actions = payload.get("actions") or [{}]
        action = actions[0]
        action_id = str(action.get("action_id", ""))
        name = str(action.get("value", ""))
        user = payload.get("user") or {}
        user_id = str(user.get("id", ""))
        caller = self._caller(user_id, str(user.get("username") or user.get("name") or ""))
        channel = payload.get("channel") or {}
        now = self._clock()
        reply = ReplyTo(
            front_end="slack",
            user_id=user_id,
            response_url=payload.get("response_url"),
            channel_id=channel.get("id"),
            issued_at=now,
        )
        op_id = operation_id_for(str(payload.get("trigger_id") or ""), action_id, user_id)
        # A click on a "down NAME" confirmation replaces it, so it cannot be clicked twice.
        confirming = str(action.get("block_id", "")).startswith(blocks.CONFIRM_BLOCK_PREFIX)
        beast = self._beast
        if action_id == blocks.ACTION_STOP:
            beast.stop(caller, name, reply=reply, now=now, operation_id=op_id)
            return Reply(blocks.queued(OperationKind.STOP, name))
        if action_id == blocks.ACTION_START:
            beast.start(caller, name, reply=reply, now=now, operation_id=op_id)
            return Reply(blocks.queued(OperationKind.START, name))
        if action_id == blocks.ACTION_KEEP:
            vm = beast.keep(caller, name, hours=blocks.KEEP_BUTTON_HOURS, now=now)
            return Reply(blocks.kept(vm))
        if action_id == blocks.ACTION_DELETE:
            beast.delete(caller, name, reply=reply, now=now, operation_id=op_id)
            return Reply(blocks.queued(OperationKind.DELETE, name), replace_original=confirming)
        if action_id == blocks.ACTION_CANCEL:
            # Another confirmation's Delete may already have been clicked: never claim it stays.
            if beast.status(caller, name).state in {VmState.DELETING, VmState.DELETED}:
                text = f"Too late to cancel: *{name}* is already being deleted."
                return Reply(blocks.plain(text), replace_original=True)
            return Reply(blocks.cancelled(name), replace_original=True)
        return Reply(blocks.plain("That button is no longer supported."))

    def _caller(self, user_id: str, username: str) -> Caller:
        admins = self._settings.admins
        return Caller(
            id=f"slack:{user_id}",
            name=dns_name(username, user_id),
            front_end="slack",
            is_admin=user_id in admins or f"slack:{user_id}" in admins,
        )


def _validation_text(exc: ValidationError) -> str:
    if not exc.fields:
        return exc.message
    lines = ["That request has problems:"]
    lines += [f"• {_FIELD_WORDS.get(f, f)}: {problem}" for f, problem in exc.fields.items()]
    lines.append("For example: `/beast up E4s_v3 1000`. `/beast help` shows every option.")
    return "\n".join(lines)


def build_app(
    *,
    bot: Bot,
    settings: Settings,
    post_url: UrlPoster = post_to_response_url,
) -> App:
    """A Bolt app for ``bot``: checks Slack's signature, acks within Slack's 3 s."""
    bot_token = settings.slack_bot_token.reveal()

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # Single workspace: the bot token from the settings, with no auth.test call.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token)

    app = App(
        name="beast",
        # FaaS: nothing may run after the HTTP response, so listeners finish first.
        process_before_response=True,
        signing_secret=settings.slack_signing_secret.reveal(),
        authorize=authorize,
        # No token on the client: Bolt takes it from ``authorize`` and would warn otherwise.
        client=WebClient(base_url=api_base_url(settings), logger=quiet_logger()),
        token_verification_enabled=False,
        request_verification_enabled=True,
        logger=logging.getLogger("beast.slack.bolt"),
    )

    @app.command(re.compile(r"^/beast"))
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        reply = bot.command(body)
        ack(response_type="ephemeral", **reply.message.as_dict())

    @app.action(re.compile(r"^beast_"))
    def on_action(ack: Ack, body: dict[str, Any]) -> None:
        # Slack ignores the body of an interactivity ack: the answer goes to response_url.
        ack()
        reply = bot.action(body)
        url = body.get("response_url")
        if url:
            payload = {
                "response_type": "ephemeral",
                "replace_original": reply.replace_original,
                **reply.message.as_dict(),
            }
            if not post_url(url, payload):
                # The person clicked and saw nothing: worth an operator's attention.
                log.warning("The answer to a button click did not reach Slack")

    return app
