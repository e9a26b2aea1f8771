"""End to end: signed Slack requests to the local host's /api/slack/events.

The host runs the real function_app against Azurite and the ARM simulator, with
SLACK_API_URL pointed at the fake Slack; the deploy job runs in the host from the
queue, and what the person sees is read back from the fake Slack.
"""

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.azurite import Azurite
from local.host.launch import RunningHost, start_host
from local.slacksim import RunningSlackSim, start_slacksim
from local.slacksim.signing import signed_action, signed_command
from tests.slack.helpers import BOT_TOKEN, SIGNING_SECRET

WAIT_SECONDS = 60.0


@pytest.fixture(scope="module")
def slack() -> Iterator[RunningSlackSim]:
    running = start_slacksim(port=0)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def slack_host(azurite: Azurite, armsim: Any, slack: RunningSlackSim) -> Iterator[RunningHost]:
    """The host, with Slack settings pointing at the fake Slack."""
    session = uuid.uuid4().hex[:8]
    running = start_host(
        overrides={
            "AzureWebJobsStorage": azurite.connection_string,
            "BEAST_ARM_ENDPOINT": armsim.url,
            "BEAST_ARM_CA_BUNDLE": str(armsim.ca_bundle),
            "BEAST_METRICS_ENDPOINT": armsim.url,
            "BEAST_SUBSCRIPTION_ID": armsim.subscription_id,
            "BEAST_TABLE_PREFIX": f"s{session}",
            "BEAST_JOBS_QUEUE": f"slack-{session}",
            "BEAST_POLL_SECONDS": "1",
            "SLACK_API_URL": slack.api_url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
        }
    )
    yield running
    running.stop()


def post(host: RunningHost, body: bytes, headers: dict[str, str]) -> requests.Response:
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 never goes through a proxy
    return session.post(host.url("/api/slack/events"), data=body, headers=headers, timeout=30)


def command(
    host: RunningHost, slack: RunningSlackSim, text: str, *, user: str, **signing: Any
) -> requests.Response:
    user_id = "U0" + user.upper()
    body, headers = signed_command(
        text,
        user_id=user_id,
        user_name=user,
        secret=signing.pop("secret", SIGNING_SECRET),
        response_url=slack.response_url(user_id=user_id, channel_id="C0BEAST"),
        **signing,
    )
    return post(host, body, headers)


def wait_for(
    found: Callable[[], Any], what: str, *, host: RunningHost, slack: RunningSlackSim
) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.2)
    seen = [
        (c["method"], c.get("error"), str(c["args"].get("text", ""))[:80]) for c in slack.calls()
    ]
    raise AssertionError(
        f"timed out waiting for {what}; Slack saw {seen}; host said:\n{host.service.last_lines(60)}"
    )


def dm_containing(slack: RunningSlackSim, user_id: str, words: str) -> Callable[[], Any]:
    def find() -> Any:
        channel = "D" + user_id[1:]
        return [m for m in slack.state.messages_in(channel) if words in m.get("text", "")]

    return find


def test_up_e4s_v3_1000_ends_with_a_dm_holding_jupyterhub_and_a_private_password(
    slack_host: RunningHost, slack: RunningSlackSim
) -> None:
    ack = command(slack_host, slack, "up E4s_v3 1000", user="alice")
    assert ack.status_code == 200
    assert ack.json()["response_type"] == "ephemeral"
    assert ack.json()["text"].startswith("Deploying *beast-alice-1*: E4s_v3, 1000 GB Premium SSD")

    [ready] = wait_for(
        dm_containing(slack, "U0ALICE", "is ready"), "the ready DM", host=slack_host, slack=slack
    )
    assert "*JupyterHub:* https://" in ready["text"]
    assert ":8000" in ready["text"]
    assert "beast_stop" in str(ready["blocks"])

    passwords = [
        call["args"]
        for call in slack.calls("response_url")
        if "Password for" in call["args"].get("text", "")
    ]
    assert len(passwords) == 1
    assert passwords[0]["response_type"] == "ephemeral"
    secret = passwords[0]["text"].split("`")[3]
    assert len(secret) >= 12
    everything_kept = str(slack.state.messages_in())
    assert secret not in everything_kept  # in no channel and no DM
    assert all(secret not in str(call["args"]) for call in slack.calls("chat.postMessage"))
    assert secret not in slack_host.service.last_lines(400)


def test_stop_button_on_the_ready_message_deallocates_through_the_host(
    slack_host: RunningHost, slack: RunningSlackSim
) -> None:
    wait_for(
        dm_containing(slack, "U0ALICE", "is ready"), "the ready DM", host=slack_host, slack=slack
    )
    body, headers = signed_action(
        "beast_stop",
        "beast-alice-1",
        user_id="U0ALICE",
        user_name="alice",
        secret=SIGNING_SECRET,
        response_url=slack.response_url(user_id="U0ALICE", channel_id="D0ALICE"),
        channel_id="D0ALICE",
    )
    assert post(slack_host, body, headers).status_code == 200

    def stopped() -> Any:
        texts = [c["args"].get("text", "") for c in slack.calls("response_url")]
        texts += [m.get("text", "") for m in slack.state.messages_in("D0ALICE")]
        return [t for t in texts if "is stopped and deallocated" in t]

    assert wait_for(stopped, "the stopped message", host=slack_host, slack=slack)


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "forged-secret"},
        {"timestamp": int(time.time()) - 6 * 60},
    ],
    ids=["forged", "expired"],
)
def test_bad_signatures_get_401_and_record_nothing(
    slack_host: RunningHost, slack: RunningSlackSim, signing: dict[str, Any]
) -> None:
    answer = command(slack_host, slack, "up E4s_v3 1000", user="bob", **signing)
    assert answer.status_code == 401
    listing = command(slack_host, slack, "list", user="bob")
    assert listing.json()["text"].startswith("No VMs.")


def test_missing_signature_gets_401(slack_host: RunningHost, slack: RunningSlackSim) -> None:
    body, _ = signed_command(
        "up",
        user_id="U0BOB",
        user_name="bob",
        secret=SIGNING_SECRET,
        response_url=slack.response_url(user_id="U0BOB"),
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(slack_host, body, headers).status_code == 401


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=80))
def test_fuzzed_command_text_through_the_host_never_gets_a_server_error(
    slack_host: RunningHost, slack: RunningSlackSim, text: str
) -> None:
    answer = command(slack_host, slack, text, user="carol")
    assert answer.status_code == 200
    assert answer.json()["text"]
