"""The core's ``Notifier`` port on Slack.

News goes to the ``response_url`` of the command that caused it while Slack still
accepts posts there (30 minutes, 5 posts), and by direct message after that. The
"ready" message always goes by DM: it holds the URLs and buttons the owner will
come back to.

The generated password is only ever shown ephemerally: through the
``response_url`` as an ephemeral reply, else by ``chat.postEphemeral`` in the
channel the command came from. Never in a DM: a DM stays in the workspace's
history and exports for as long as the workspace keeps messages, while an
ephemeral message lives only in the owner's client and is never stored by Slack.
If neither ephemeral route is open, the owner gets a DM saying how to reset the
password instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from beast.errors import UpstreamError
from beast.models import OperationKind, ReplyTo, Vm
from beast.ports import SizeOffer
from beast.settings import Secret, Settings
from beast.slack import blocks
from beast.slack.blocks import Message
from beast.slack.client import post_to_response_url, web_client

log = logging.getLogger(__name__)

RESPONSE_URL_LIFETIME = timedelta(minutes=30)
RESPONSE_URL_MAX_POSTS = 5
# Stop using a response_url a little before Slack does, so a slow post is not refused.
_LIFETIME_MARGIN = timedelta(minutes=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SlackNotifier:
    """Tells people about their VMs in Slack (implements ``beast.ports.Notifier``)."""

    def __init__(
        self,
        *,
        client: WebClient,
        clock: Callable[[], datetime] = _utcnow,
        post_url: Callable[[str, dict[str, Any]], bool] | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._post_url = post_url or post_to_response_url
        # Posts made per response_url by this process. Best effort across processes:
        # a post Slack refuses (used or expired URL) also falls back to a DM.
        self._url_posts: dict[str, int] = {}
        self._dm_channels: dict[str, str] = {}

    # --- the port -----------------------------------------------------------------

    def progress(self, reply: ReplyTo, *, vm_name: str, text: str) -> None:
        """A short progress line."""
        self._reply(reply, blocks.plain(text))

    def password(self, reply: ReplyTo, *, vm: Vm, password: Secret) -> None:
        """The generated password, ephemerally to the owner only, once."""
        user = self._slack_user(reply)
        if user is None:
            return
        message = blocks.password(vm, password.reveal())
        if self._url_usable(reply, reserve=0) and self._post_ephemeral_url(reply, message):
            return
        if reply.channel_id and self._post_ephemeral(reply.channel_id, user, message):
            return
        log.warning("No private route for the password of %s; told the owner by DM", vm.name)
        self._dm(user, blocks.password_undeliverable(vm))

    def ready(self, reply: ReplyTo, *, vm: Vm) -> None:
        """The VM is up: always a DM, which the owner can come back to."""
        user = self._slack_user(reply)
        if user is not None:
            self._dm(user, blocks.ready(vm))

    def finished(self, reply: ReplyTo, *, vm: Vm, kind: OperationKind) -> None:
        """A start, stop or delete completed."""
        self._reply(reply, blocks.finished(vm, kind))

    def failed(self, reply: ReplyTo, *, vm_name: str, kind: OperationKind, reason: str) -> None:
        """An operation failed: plain words with ARM's reason."""
        self._reply(reply, blocks.failed(vm_name, kind, reason))

    def idle_warning(self, reply: ReplyTo, *, vm: Vm, stop_at: datetime) -> None:
        """The VM looks idle, with a Keep alive button."""
        self._reply(reply, blocks.idle_warning(vm, stop_at))

    def idle_stopped(self, reply: ReplyTo, *, vm: Vm) -> None:
        """The VM was deallocated for idleness."""
        self._reply(reply, blocks.idle_stopped(vm))

    def sizes(self, reply: ReplyTo, *, region: str, offers: Sequence[SizeOffer]) -> None:
        """The sizes a person asked for, looked up after the ack."""
        self._reply(reply, blocks.sizes(offers, region=region))

    # --- routes -------------------------------------------------------------------

    def _reply(self, reply: ReplyTo, message: Message) -> None:
        user = self._slack_user(reply)
        if user is None:
            return
        # Keep one response_url post in reserve for the password.
        if self._url_usable(reply, reserve=1) and self._post_ephemeral_url(reply, message):
            return
        self._dm(user, message)

    @staticmethod
    def _slack_user(reply: ReplyTo) -> str | None:
        if reply.front_end != "slack":
            log.info("Not a Slack reply (front end %s); nothing sent", reply.front_end)
            return None
        return reply.user_id.removeprefix("slack:")

    def _url_usable(self, reply: ReplyTo, *, reserve: int) -> bool:
        if not reply.response_url or reply.issued_at is None:
            return False
        age = self._clock() - reply.issued_at
        if age > RESPONSE_URL_LIFETIME - _LIFETIME_MARGIN:
            return False
        return self._url_posts.get(reply.response_url, 0) < RESPONSE_URL_MAX_POSTS - reserve

    def _post_ephemeral_url(self, reply: ReplyTo, message: Message) -> bool:
        assert reply.response_url is not None
        url = reply.response_url
        self._url_posts[url] = self._url_posts.get(url, 0) + 1
        body = {"response_type": "ephemeral", "replace_original": False, **message.as_dict()}
        return self._post_url(url, body)

    def _post_ephemeral(self, channel: str, user: str, message: Message) -> bool:
        try:
            self._client.chat_postEphemeral(channel=channel, user=user, **message.as_dict())
        except SlackApiError as exc:
            # not_in_channel / channel_not_found: the bot cannot post there.
            log.info("chat.postEphemeral refused: %s", exc.response.get("error"))
            return False
        except OSError as exc:
            log.warning("chat.postEphemeral failed: %s", type(exc).__name__)
            return False
        return True

    def _dm(self, user: str, message: Message) -> None:
        try:
            channel = self._dm_channels.get(user)
            if channel is None:
                opened = self._client.conversations_open(users=user)
                channel = str(opened["channel"]["id"])
                self._dm_channels[user] = channel
            self._client.chat_postMessage(channel=channel, **message.as_dict())
        except SlackApiError as exc:
            error = exc.response.get("error")
            raise UpstreamError(f"Slack refused a direct message to {user}: {error}.") from exc
        except OSError as exc:
            raise UpstreamError(f"Slack could not be reached ({type(exc).__name__}).") from exc


def slack_notifier(settings: Settings, *, clock: Callable[[], datetime] = _utcnow) -> SlackNotifier:
    """The notifier wired to the Slack Web API of ``settings``."""
    return SlackNotifier(client=web_client(settings), clock=clock)
