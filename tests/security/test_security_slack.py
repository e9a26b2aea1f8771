"""Slack requests: signed within 5 minutes either way, replays harmless, only owners act."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from beast.models import OperationKind, VmState
from beast.slack import blocks
from local.slacksim import start_slacksim
from local.slacksim.signing import action_body, action_payload, slack_headers
from tests.slack.helpers import SIGNING_SECRET, Clock, make_settings
from tests.slack.world import SlackWorld


@pytest.fixture
def slack() -> Iterator[SlackWorld]:
    sim = start_slacksim(port=0)
    yield SlackWorld(
        sim=sim, settings=make_settings(sim.api_url, BEAST_ADMINS="U0CAROL"), clock=Clock()
    )
    sim.stop()


def alices_vm(world: SlackWorld) -> str:
    assert world.command("up E4s_v3 100").status == 200
    world.set_state("beast-alice-1", VmState.RUNNING)
    return "beast-alice-1"


def test_a_signature_more_than_five_minutes_in_the_future_gets_401(slack: SlackWorld) -> None:
    answer = slack.command("up E4s_v3 100", timestamp=int(time.time()) + 5 * 60 + 10)
    assert answer.status == 401
    assert slack.queue.jobs == []


def test_a_signature_a_little_in_the_future_is_accepted(slack: SlackWorld) -> None:
    assert slack.command("list", timestamp=int(time.time()) + 60).status == 200


def test_a_signature_with_another_version_prefix_gets_401(slack: SlackWorld) -> None:
    body, headers = slack.signed_command("up E4s_v3 100")
    headers["X-Slack-Signature"] = headers["X-Slack-Signature"].replace("v0=", "v1=")
    assert slack.post(body, headers).status == 401
    assert slack.queue.jobs == []


def test_a_signature_without_its_timestamp_gets_401(slack: SlackWorld) -> None:
    body, headers = slack.signed_command("up E4s_v3 100")
    del headers["X-Slack-Request-Timestamp"]
    assert slack.post(body, headers).status == 401


@pytest.mark.parametrize("stamp", ["abc", "1.5", "", " ", "9" * 5000, "-1", "１２３"])
def test_a_malformed_timestamp_gets_401_never_a_500_or_a_logged_traceback(
    slack: SlackWorld, stamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    body, headers = slack.signed_command("up E4s_v3 100")
    headers["X-Slack-Request-Timestamp"] = stamp
    answer = slack.post(body, headers)
    assert answer.status == 401
    assert b"Traceback" not in answer.body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert slack.queue.jobs == []


def test_a_replayed_up_inside_the_window_makes_one_vm_and_one_job(slack: SlackWorld) -> None:
    body, headers = slack.signed_command("up E4s_v3 100")
    answers = [slack.post(body, headers) for _ in range(3)]
    assert {a.status for a in answers} == {200}
    assert len(slack.queue.jobs) == 1
    assert [vm.name for vm in slack.vms.list()] == ["beast-alice-1"]


def test_a_replayed_delete_click_queues_one_delete(slack: SlackWorld) -> None:
    name = alices_vm(slack)
    payload = action_payload(
        blocks.ACTION_DELETE,
        name,
        user_id="U0ALICE",
        user_name="alice",
        response_url=slack.sim.response_url(user_id="U0ALICE"),
    )
    body = action_body(payload)
    headers = slack_headers(body, secret=SIGNING_SECRET)
    for _ in range(3):
        assert slack.post(body, headers).status == 200
    kinds = [job.kind for job in slack.queue.jobs]
    assert kinds == [OperationKind.DEPLOY, OperationKind.DELETE]


@pytest.mark.parametrize(
    "text",
    ["stop beast-alice-1", "start beast-alice-1", "keep beast-alice-1 8h", "down beast-alice-1"],
)
def test_someone_elses_command_on_a_vm_is_refused_and_changes_nothing(
    slack: SlackWorld, text: str
) -> None:
    name = alices_vm(slack)
    slack.set_state(name, VmState.STOPPED if text.startswith("start") else VmState.RUNNING)
    before = slack.vms.get(name)
    answer = slack.command(text, user="bob")
    assert answer.status == 200
    assert "only its owner or an admin" in answer.text
    assert len(slack.queue.jobs) == 1  # only the deploy
    after = slack.vms.get(name)
    assert (after.state, after.keep_until) == (before.state, before.keep_until)


def test_someone_elses_status_is_refused(slack: SlackWorld) -> None:
    alices_vm(slack)
    answer = slack.command("status beast-alice-1", user="bob")
    assert "only its owner or an admin" in answer.text
    assert "20." not in answer.text  # no address of Alice's VM


def test_a_confirm_delete_click_by_someone_else_deletes_nothing(slack: SlackWorld) -> None:
    name = alices_vm(slack)
    answer = slack.click(
        blocks.ACTION_DELETE, name, user="bob", block_id=f"{blocks.CONFIRM_BLOCK_PREFIX}{name}"
    )
    assert answer.status == 200
    assert slack.vms.get(name).state is VmState.RUNNING
    assert [job.kind for job in slack.queue.jobs] == [OperationKind.DEPLOY]
    assert "only its owner or an admin" in slack.replies()[-1]["text"]


def test_an_admin_named_in_beast_admins_may_delete_anyones_vm(slack: SlackWorld) -> None:
    name = alices_vm(slack)
    slack.click(blocks.ACTION_DELETE, name, user="carol")
    assert slack.vms.get(name).state is VmState.DELETING


def test_list_all_is_refused_to_a_non_admin(slack: SlackWorld) -> None:
    alices_vm(slack)
    answer = slack.command("list all", user="bob")
    assert "beast-alice-1" not in answer.text
    assert "Only admins" in answer.text


def test_a_click_is_attributed_to_the_signed_user_not_to_fields_in_the_action(
    slack: SlackWorld,
) -> None:
    name = alices_vm(slack)
    payload = action_payload(
        blocks.ACTION_STOP,
        name,
        user_id="U0BOB",
        user_name="alice",  # a name is not an identity
        response_url=slack.sim.response_url(user_id="U0BOB"),
    )
    payload["user_id"] = "U0ALICE"  # stray fields Slack never sends are ignored
    payload["actions"][0]["user"] = {"id": "U0ALICE"}
    body = action_body(payload)
    assert slack.post(body, slack_headers(body, secret=SIGNING_SECRET)).status == 200
    assert slack.vms.get(name).state is VmState.RUNNING
    assert [job.kind for job in slack.queue.jobs] == [OperationKind.DEPLOY]
