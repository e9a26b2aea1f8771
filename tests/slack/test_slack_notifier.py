"""SlackNotifier against the fake Slack: response_url while valid, then DM; passwords private."""

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from beast.models import OperationKind, ReplyTo, Vm
from beast.settings import Secret, Settings
from beast.slack.notifier import SlackNotifier, slack_notifier
from local.slacksim import RunningSlackSim
from tests.factories import make_ready_vm
from tests.slack.helpers import Clock

PASSWORD = "Sup3r-Secret-Pa55!"


def a_vm() -> Vm:
    return make_ready_vm()


@pytest.fixture
def notifier(settings: Settings, clock: Clock) -> SlackNotifier:
    return slack_notifier(settings, clock=clock)


@pytest.fixture
def reply(sim: RunningSlackSim, clock: Clock) -> ReplyTo:
    return ReplyTo(
        front_end="slack",
        user_id="U0ALICE",
        response_url=sim.response_url(user_id="U0ALICE", channel_id="C0BEAST"),
        channel_id="C0BEAST",
        issued_at=clock(),
    )


def sent(sim: RunningSlackSim) -> list[tuple[str, dict[str, Any]]]:
    """(where, args) of every message Beast sent: response_url, chat.postMessage, ..."""
    return [
        (call["method"], call["args"])
        for call in sim.calls()
        if call["method"] in {"response_url", "chat.postMessage", "chat.postEphemeral"}
    ]


def test_progress_goes_to_the_response_url_as_an_ephemeral_reply(
    notifier: SlackNotifier, sim: RunningSlackSim, reply: ReplyTo
) -> None:
    notifier.progress(reply, vm_name="beast-alice-1", text="Creating the network")
    [(where, args)] = sent(sim)
    assert where == "response_url"
    assert args["response_type"] == "ephemeral"
    assert args["text"] == "Creating the network"


def test_after_30_minutes_news_goes_by_direct_message(
    notifier: SlackNotifier, sim: RunningSlackSim, reply: ReplyTo, clock: Clock
) -> None:
    clock.advance(minutes=31)
    notifier.finished(reply, vm=a_vm(), kind=OperationKind.STOP)
    assert [c["method"] for c in sim.calls()] == ["conversations.open", "chat.postMessage"]
    message = sim.calls("chat.postMessage")[0]
    assert message["channel"] == "D0ALICE"
    assert "stopped and deallocated" in message["args"]["text"]


def test_the_fifth_response_url_post_is_kept_for_the_password(
    notifier: SlackNotifier, sim: RunningSlackSim, reply: ReplyTo
) -> None:
    for step in range(5):
        notifier.progress(reply, vm_name="beast-alice-1", text=f"step {step}")
    notifier.password(reply, vm=a_vm(), password=Secret(PASSWORD))
    where = [w for w, _ in sent(sim)]
    assert where == ["response_url"] * 4 + ["chat.postMessage"] + ["response_url"]
    assert PASSWORD in sent(sim)[-1][1]["text"]


def test_a_response_url_slack_refuses_falls_back_to_a_direct_message(
    notifier: SlackNotifier, sim: RunningSlackSim, reply: ReplyTo
) -> None:
    sim.state.advance_clock(31 * 60)  # Slack's clock says the URL expired; Beast's does not yet
    notifier.failed(
        reply, vm_name="beast-alice-1", kind=OperationKind.DEPLOY, reason="Quota exceeded."
    )
    assert [c["method"] for c in sim.calls()] == [
        "response_url",
        "conversations.open",
        "chat.postMessage",
    ]
    assert sim.calls("response_url")[0]["error"] == "expired_url"
    assert "I could not deploy *beast-alice-1*. Quota exceeded." in sent(sim)[-1][1]["text"]


def test_ready_goes_by_direct_message_with_jupyterhub_url_and_buttons(
    notifier: SlackNotifier, sim: RunningSlackSim, reply: ReplyTo
) -> None:
    notifier.ready(reply, vm=a_vm())
    [dm] = sim.state.messages_in("D0ALICE")
    assert "https://20.1.2.3:8000" in dm["text"]
    assert "ssh alice@20.1.2.3" in dm["text"]
    assert "beast_stop" in str(dm["blocks"]) and "beast_delete" in str(dm["blocks"])


def test_password_goes_only_to_an_ephemeral_reply(
    notifier: SlackNotifier, sim: RunningSlackSim, reply: ReplyTo
) -> None:
    notifier.password(reply, vm=a_vm(), password=Secret(PASSWORD))
    [(where, args)] = sent(sim)
    assert where == "response_url"
    assert args["response_type"] == "ephemeral"
    assert PASSWORD in args["text"]
    assert sim.state.messages_in() == []  # nothing kept in any channel or DM


def test_password_after_the_reply_window_is_a_channel_ephemeral(
    notifier: SlackNotifier, sim: RunningSlackSim, reply: ReplyTo, clock: Clock
) -> None:
    clock.advance(minutes=45)
    notifier.password(reply, vm=a_vm(), password=Secret(PASSWORD))
    [(where, args)] = sent(sim)
    assert where == "chat.postEphemeral"
    assert (args["channel"], args["user"]) == ("C0BEAST", "U0ALICE")
    assert PASSWORD in args["text"]


def test_password_with_no_private_route_left_is_never_sent_by_dm(
    notifier: SlackNotifier, sim: RunningSlackSim, clock: Clock
) -> None:
    reply = ReplyTo(front_end="slack", user_id="U0ALICE")
    notifier.password(reply, vm=a_vm(), password=Secret(PASSWORD))
    [(where, args)] = sent(sim)
    assert where == "chat.postMessage"
    assert PASSWORD not in str(args)
    assert "Reset password" in args["text"]


def test_the_password_is_never_logged_even_at_debug(
    notifier: SlackNotifier, reply: ReplyTo, caplog: pytest.LogCaptureFixture, clock: Clock
) -> None:
    caplog.set_level(logging.DEBUG)
    notifier.password(reply, vm=a_vm(), password=Secret(PASSWORD))  # response_url
    clock.advance(minutes=45)
    notifier.password(reply, vm=a_vm(), password=Secret(PASSWORD))  # chat.postEphemeral
    notifier.password(replace(reply, channel_id=None), vm=a_vm(), password=Secret(PASSWORD))
    assert any("No private route" in record.getMessage() for record in caplog.records)
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)


def test_idle_warning_reaches_the_owner_by_dm_with_a_keep_alive_button(
    notifier: SlackNotifier, sim: RunningSlackSim
) -> None:
    notifier.idle_warning(
        ReplyTo(front_end="slack", user_id="U0ALICE"),
        vm=a_vm(),
        stop_at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC),
    )
    [dm] = sim.state.messages_in("D0ALICE")
    assert "looks idle" in dm["text"]
    assert "beast_keep" in str(dm["blocks"])


def test_news_for_someone_who_asked_through_the_http_api_is_not_sent_to_slack(
    notifier: SlackNotifier, sim: RunningSlackSim
) -> None:
    notifier.idle_stopped(ReplyTo(front_end="api", user_id="alice@example.com"), vm=a_vm())
    assert sim.calls() == []
