"""The fake Slack Web API answers the real slack_sdk WebClient the way Slack does."""

import json
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from local.slacksim import RunningSlackSim

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*beast-alice-1* is ready"}}]


def _control(sim: RunningSlackSim, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{sim.url}/_sim/{path}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_auth_test_names_the_bot(client: WebClient) -> None:
    response = client.auth_test()
    assert response["ok"] is True
    assert response["user_id"] == "U0BEASTBOT"
    assert response["team_id"] == "T0BEAST"


def test_post_message_returns_ts_and_is_recorded_with_token(
    client: WebClient, sim: RunningSlackSim
) -> None:
    response = client.chat_postMessage(channel="C0BEAST", text="hello", blocks=BLOCKS)
    assert response["channel"] == "C0BEAST"
    assert response["ts"] == response["message"]["ts"]
    [call] = sim.calls("chat.postMessage")
    assert call["token"] == "xoxb-local-token"
    assert call["args"]["text"] == "hello"
    assert call["args"]["blocks"] == BLOCKS
    assert call["channel"] == "C0BEAST"


def test_post_message_to_a_user_id_lands_in_their_dm(client: WebClient) -> None:
    response = client.chat_postMessage(channel="U0BOB", text="your VM is idle")
    assert response["channel"] == "D0BOB"


def test_each_message_gets_a_distinct_ts(client: WebClient) -> None:
    first = client.chat_postMessage(channel="C0BEAST", text="one")["ts"]
    second = client.chat_postMessage(channel="C0BEAST", text="two")["ts"]
    assert first != second


def test_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOPE", text="hi")
    assert raised.value.response["error"] == "channel_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_without_text_or_blocks_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0BEAST")
    assert raised.value.response["error"] == "no_text"


def test_ephemeral_message_returns_message_ts_and_records_user(
    client: WebClient, sim: RunningSlackSim
) -> None:
    response = client.chat_postEphemeral(channel="C0BEAST", user="U0ALICE", text="only you")
    assert response["message_ts"]
    [call] = sim.calls("chat.postEphemeral")
    assert call["args"]["user"] == "U0ALICE"


def test_ephemeral_to_unknown_user_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postEphemeral(channel="C0BEAST", user="U0NOBODY", text="hi")
    assert raised.value.response["error"] == "user_not_found"


def test_update_replaces_the_stored_message(client: WebClient, sim: RunningSlackSim) -> None:
    posted = client.chat_postMessage(channel="C0BEAST", text="deploying")
    updated = client.chat_update(channel="C0BEAST", ts=posted["ts"], text="ready")
    assert updated["ts"] == posted["ts"]
    assert [m["text"] for m in sim.state.messages_in("C0BEAST")] == ["ready"]


def test_update_of_unknown_message_is_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C0BEAST", ts="1.000001", text="x")
    assert raised.value.response["error"] == "message_not_found"


def test_users_info_gives_timezone_and_names(client: WebClient) -> None:
    user = client.users_info(user="U0BOB")["user"]
    assert user["name"] == "bob"
    assert user["real_name"] == "Bob Baker"
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] == -18000
    assert user["profile"]["display_name"] == "bob"


def test_carol_is_a_workspace_admin(client: WebClient) -> None:
    assert client.users_info(user="U0CAROL")["user"]["is_admin"] is True
    assert client.users_info(user="U0ALICE")["user"]["is_admin"] is False


def test_unknown_user_is_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U0NOBODY")
    assert raised.value.response["error"] == "user_not_found"


def test_users_added_through_control_api_are_served(
    client: WebClient, sim: RunningSlackSim
) -> None:
    _control(sim, "users", {"id": "U0DAVE", "name": "dave", "tz": "Asia/Tokyo", "tz_offset": 32400})
    assert client.users_info(user="U0DAVE")["user"]["tz_offset"] == 32400


def test_conversations_open_gives_a_stable_dm_channel(client: WebClient) -> None:
    first = client.conversations_open(users="U0ALICE")["channel"]["id"]
    second = client.conversations_open(users=["U0ALICE"])["channel"]["id"]
    assert first == second == "D0ALICE"
    assert client.chat_postMessage(channel=first, text="hi")["channel"] == "D0ALICE"


def test_wrong_token_is_invalid_auth(sim: RunningSlackSim) -> None:
    client = WebClient(base_url=sim.api_url, token="xoxb-wrong")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0BEAST", text="hi")
    assert raised.value.response["error"] == "invalid_auth"
    assert sim.calls("chat.postMessage")[0]["ok"] is False


def test_missing_token_is_not_authed(sim: RunningSlackSim) -> None:
    client = WebClient(base_url=sim.api_url)
    with pytest.raises(SlackApiError) as raised:
        client.auth_test()
    assert raised.value.response["error"] == "not_authed"


def test_form_encoded_call_with_token_argument_works(sim: RunningSlackSim) -> None:
    body = b"token=xoxb-local-token&channel=C0BEAST&text=via+form&blocks=%5B%5D"
    request = urllib.request.Request(
        f"{sim.api_url}chat.postMessage",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["ok"] is True
    [call] = sim.calls("chat.postMessage")
    assert call["args"]["blocks"] == []
    assert "token" not in call["args"]


def test_calls_endpoint_filters_by_method_and_since(
    client: WebClient, sim: RunningSlackSim
) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C0BEAST", text="one")
    client.chat_postMessage(channel="C0BEAST", text="two")
    posts = _control(sim, "calls?method=chat.postMessage")
    assert [c["args"]["text"] for c in posts] == ["one", "two"]  # type: ignore[union-attr]
    later = _control(sim, f"calls?since={posts[0]['seq']}")  # type: ignore[index]
    assert [c["args"]["text"] for c in later] == ["two"]  # type: ignore[union-attr]


def test_reset_forgets_calls_and_added_users(client: WebClient, sim: RunningSlackSim) -> None:
    client.chat_postMessage(channel="C0BEAST", text="one")
    _control(sim, "users", {"id": "U0DAVE", "name": "dave"})
    _control(sim, "reset", {})
    assert _control(sim, "calls") == []
    with pytest.raises(SlackApiError):
        client.users_info(user="U0DAVE")
