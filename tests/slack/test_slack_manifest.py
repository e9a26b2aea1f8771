"""The Slack app manifest: one endpoint, the fewest scopes the bot uses."""

import json
import re
from pathlib import Path

from beast.slack import bot, notifier

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "slack" / "manifest.json").read_text())
ENDPOINT = "https://<your-function-app>.azurewebsites.net/api/slack/events"


def test_slash_command_and_interactivity_share_the_one_events_endpoint() -> None:
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/beast"
    assert command["url"] == ENDPOINT
    assert MANIFEST["settings"]["interactivity"] == {"is_enabled": True, "request_url": ENDPOINT}


def test_command_text_arrives_unescaped_as_the_grammar_expects() -> None:
    assert MANIFEST["features"]["slash_commands"][0]["should_escape"] is False


def test_bot_scopes_are_exactly_those_the_code_needs() -> None:
    # commands: /beast. chat:write: chat.postMessage and chat.postEphemeral.
    # im:write: conversations.open for DMs. No users:read: Slack sends the user name
    # with every command and click, so Beast never calls users.info.
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == [
        "chat:write",
        "commands",
        "im:write",
    ]
    source = Path(bot.__file__).read_text() + Path(notifier.__file__).read_text()
    called = set(re.findall(r"\._client\.(\w+)\(", source))
    assert called == {"chat_postEphemeral", "chat_postMessage", "conversations_open"}


def test_direct_messages_show_in_a_read_only_messages_tab() -> None:
    app_home = MANIFEST["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is True
