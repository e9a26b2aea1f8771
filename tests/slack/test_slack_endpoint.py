"""POST /api/slack/events through the real Bolt app: signatures, every command and button."""

import logging
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beast.models import OperationKind, VmState
from beast.ports import SizesQuery
from beast.settings import Settings
from beast.slack import blocks
from beast.slack.notifier import slack_notifier
from local.slacksim import RunningSlackSim
from local.slacksim.signing import action_body, action_payload, slack_headers
from tests.slack.helpers import Clock, make_settings
from tests.slack.world import SlackWorld


@pytest.fixture
def world(sim: RunningSlackSim, settings: Settings, clock: Clock) -> Iterator[SlackWorld]:
    yield SlackWorld(sim=sim, settings=settings, clock=clock)


def deployed(world: SlackWorld, state: VmState = VmState.RUNNING) -> str:
    """Alice's first VM, requested through Slack and moved to ``state``."""
    assert world.command("up E4s_v3 1000").status == 200
    world.set_state("beast-alice-1", state)
    return "beast-alice-1"


# --- signatures --------------------------------------------------------------------


def test_up_e4s_v3_1000_acks_ephemerally_with_what_will_happen(world: SlackWorld) -> None:
    answer = world.command("up E4s_v3 1000")
    assert answer.status == 200
    assert answer.json["response_type"] == "ephemeral"
    assert answer.text == (
        "Deploying *beast-alice-1*: E4s_v3, 1000 GB Premium SSD in eastus. "
        "I'll message you when it's ready."
    )
    [job] = world.queue.jobs
    assert job.kind is OperationKind.DEPLOY
    assert job.vm_name == "beast-alice-1"
    assert job.reply.user_id == "U0ALICE"
    assert job.reply.response_url and "/response/" in job.reply.response_url
    assert job.reply.channel_id == "C0BEAST"


def test_forged_signature_gets_401_and_nothing_is_queued(world: SlackWorld) -> None:
    answer = world.command("up E4s_v3 1000", secret="not-the-signing-secret")
    assert answer.status == 401
    assert world.queue.jobs == []
    assert world.vms.list() == []


def test_signature_older_than_five_minutes_gets_401(world: SlackWorld) -> None:
    answer = world.command("up E4s_v3 1000", timestamp=int(time.time()) - 5 * 60 - 10)
    assert answer.status == 401
    assert world.queue.jobs == []


def test_signature_just_inside_five_minutes_is_accepted(world: SlackWorld) -> None:
    answer = world.command("up E4s_v3 1000", timestamp=int(time.time()) - 4 * 60)
    assert answer.status == 200
    assert len(world.queue.jobs) == 1


def test_missing_signature_gets_401(world: SlackWorld) -> None:
    body, headers = world.signed_command("up E4s_v3 1000")
    del headers["X-Slack-Signature"]
    del headers["X-Slack-Request-Timestamp"]
    assert world.post(body, headers).status == 401
    assert world.queue.jobs == []


def test_a_body_changed_after_signing_gets_401(world: SlackWorld) -> None:
    body, headers = world.signed_command("up E4s_v3 1000")
    assert world.post(body.replace(b"1000", b"4000"), headers).status == 401
    assert world.queue.jobs == []


def test_forged_button_click_gets_401_and_deletes_nothing(world: SlackWorld) -> None:
    name = deployed(world)
    answer = world.click(blocks.ACTION_DELETE, name, user="bob", secret="forged")
    assert answer.status == 401
    assert len(world.queue.jobs) == 1  # only the deploy
    assert world.vms.get(name).state is VmState.RUNNING


def test_repeated_delivery_of_one_command_starts_one_job(world: SlackWorld) -> None:
    body, headers = world.signed_command("up E4s_v3 1000")
    first = world.post(body, headers)
    retry_headers = slack_headers(body, secret="test-signing-secret", retry_num=1)
    second = world.post(body, retry_headers)
    assert first.status == second.status == 200
    assert second.text == first.text
    assert len(world.queue.jobs) == 1
    assert len(world.vms.list()) == 1


def test_repeated_delivery_of_one_click_starts_one_job(world: SlackWorld) -> None:
    name = deployed(world)
    payload = action_payload(
        blocks.ACTION_STOP,
        name,
        user_id="U0ALICE",
        user_name="alice",
        response_url=world.sim.response_url(user_id="U0ALICE"),
    )
    body = action_body(payload)
    for retry in (None, 1, 2):
        headers = slack_headers(body, secret="test-signing-secret", retry_num=retry)
        assert world.post(body, headers).status == 200
    assert [job.kind for job in world.queue.jobs] == [OperationKind.DEPLOY, OperationKind.STOP]


# --- commands ----------------------------------------------------------------------


def test_up_with_options_reaches_the_request(world: SlackWorld) -> None:
    answer = world.command("up D8s_v5 256 --disk standardssd --name lab-box --ttl 3d")
    assert answer.text.startswith("Deploying *lab-box*: D8s_v5, 256 GB Standard SSD")
    vm = world.vms.get("lab-box")
    assert (vm.size, vm.disk_gb, vm.expires_at is not None) == ("Standard_D8s_v5", 256, True)


def test_up_with_a_bad_value_names_the_option_in_slack_words(world: SlackWorld) -> None:
    answer = world.command("up E4s_v3 10")
    assert answer.status == 200
    assert "DISK_GB: The OS disk must be" in answer.text
    assert world.queue.jobs == []


def test_up_ssh_without_a_saved_key_says_how_to_save_one(world: SlackWorld) -> None:
    answer = world.command("up --ssh")
    assert "/beast key ssh-ed25519" in answer.text
    assert "with the request" not in answer.text  # a slash command cannot carry a key
    assert world.queue.jobs == []


def test_key_then_up_ssh_deploys_with_the_saved_key(world: SlackWorld) -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh5ejEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w alice@lap"
    saved = world.command(f"key {key}")
    assert saved.text.startswith("Saved your ssh-ed25519 key")
    assert world.command("up --ssh").text.startswith("Deploying *beast-alice-1*: E4s_v3")
    assert world.vms.get("beast-alice-1").ssh_public_key == key


def test_list_shows_my_vms(world: SlackWorld) -> None:
    deployed(world)
    assert "*beast-alice-1* · running · E4s_v3, 1000 GB Premium SSD" in world.command("list").text


def test_list_all_is_for_admins(world: SlackWorld) -> None:
    deployed(world)
    assert "Only admins" in world.command("list all", user="bob").text
    assert "beast-alice-1" in world.command("list all", user="carol").text


def test_status_shows_the_vm_to_its_owner_with_buttons(world: SlackWorld) -> None:
    name = deployed(world)
    answer = world.command(f"status {name}")
    assert answer.text.startswith("*beast-alice-1* · running")
    assert "beast_stop" in str(answer.json["blocks"])


def test_status_of_someone_elses_vm_is_refused_politely(world: SlackWorld) -> None:
    name = deployed(world)
    assert "belongs to alice" in world.command(f"status {name}", user="bob").text


def test_stop_queues_a_deallocation(world: SlackWorld) -> None:
    name = deployed(world)
    assert world.command(f"stop {name}").text.startswith("Stopping *beast-alice-1* (deallocating")
    assert world.queue.jobs[-1].kind is OperationKind.STOP


def test_start_queues_a_start(world: SlackWorld) -> None:
    name = deployed(world, VmState.STOPPED)
    assert world.command(f"start {name}").text.startswith("Starting *beast-alice-1*")
    assert world.queue.jobs[-1].kind is OperationKind.START


def test_down_asks_before_deleting_and_queues_nothing(world: SlackWorld) -> None:
    name = deployed(world)
    answer = world.command(f"down {name}")
    assert answer.text.startswith("Delete *beast-alice-1*")
    assert "beast_delete" in str(answer.json["blocks"])
    assert len(world.queue.jobs) == 1


def test_down_of_an_unknown_vm_says_so_at_once(world: SlackWorld) -> None:
    answer = world.command("down beast-nobody-9")
    assert "beast_delete" not in str(answer.json.get("blocks", ""))
    assert "beast-nobody-9" in answer.text


def test_keep_exempts_the_vm_from_the_idle_sweep(world: SlackWorld) -> None:
    name = deployed(world)
    assert "skips the idle shutdown until" in world.command(f"keep {name} 4h").text
    keep_until = world.vms.get(name).keep_until
    assert keep_until is not None
    assert (keep_until - world.clock()).total_seconds() == 4 * 3600


def test_sizes_acks_at_once_and_answers_from_the_queue_with_quota(world: SlackWorld) -> None:
    # The catalogue is in ARM: the ack must not wait on it, so the question is queued.
    assert "Looking up sizes in eastus" in world.command("sizes E4").text
    [query] = [q.job for q in world.queue.sent if isinstance(q.job, SizesQuery)]
    assert (query.region, query.contains) == ("eastus", "E4")
    # What the worker then does with the question:
    offers = world.beast.sizes(region=query.region, contains=query.contains)
    slack_notifier(world.settings, clock=world.clock).sizes(
        query.reply, region=query.region, offers=offers
    )
    assert "`E4s_v3` 4 vCPU, 32 GB" in world.replies()[-1]["text"]


def test_help_shows_the_headline_example(world: SlackWorld) -> None:
    assert "/beast up E4s_v3 1000" in world.command("help").text


def test_unknown_command_gets_usage_help_with_an_example(world: SlackWorld) -> None:
    answer = world.command("launch rockets")
    assert answer.status == 200
    assert "I don't know the command `launch`" in answer.text
    assert "/beast up E4s_v3 1000" in answer.text


def test_an_unexpected_failure_gets_a_reference_never_a_stack_trace(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**_: object) -> object:
        raise RuntimeError("storage exploded at /srv/secret/path")

    world.vms.list = broken  # type: ignore[method-assign]
    answer = world.command("list")
    assert answer.status == 200
    assert answer.text.startswith("Something went wrong (ref ")
    ref = answer.text.split("(ref ")[1].split(")")[0]
    assert "exploded" not in answer.text and "Traceback" not in answer.text
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_fuzzed_command_text_never_gets_a_server_error(world: SlackWorld, text: str) -> None:
    answer = world.command(text)
    assert answer.status == 200
    assert answer.text


# --- buttons -----------------------------------------------------------------------


def test_stop_button_queues_a_deallocation_and_answers_by_response_url(world: SlackWorld) -> None:
    name = deployed(world)
    assert world.click(blocks.ACTION_STOP, name).status == 200
    assert world.queue.jobs[-1].kind is OperationKind.STOP
    [reply] = world.replies()
    assert reply["response_type"] == "ephemeral"
    assert reply["replace_original"] is False
    assert reply["text"].startswith("Stopping *beast-alice-1*")


def test_start_button_queues_a_start(world: SlackWorld) -> None:
    name = deployed(world, VmState.STOPPED)
    world.click(blocks.ACTION_START, name)
    assert world.queue.jobs[-1].kind is OperationKind.START


def test_keep_alive_button_keeps_the_vm_for_four_hours(world: SlackWorld) -> None:
    name = deployed(world)
    world.click(blocks.ACTION_KEEP, name)
    assert world.vms.get(name).keep_until is not None
    assert "skips the idle shutdown" in world.replies()[-1]["text"]


def test_delete_button_on_the_down_confirmation_queues_the_delete_and_replaces_it(
    world: SlackWorld,
) -> None:
    name = deployed(world)
    world.click(blocks.ACTION_DELETE, name, block_id=f"{blocks.CONFIRM_BLOCK_PREFIX}{name}")
    assert world.queue.jobs[-1].kind is OperationKind.DELETE
    assert world.replies()[-1]["replace_original"] is True


def test_cancel_button_deletes_nothing(world: SlackWorld) -> None:
    name = deployed(world)
    world.click(blocks.ACTION_CANCEL, name, block_id=f"{blocks.CONFIRM_BLOCK_PREFIX}{name}")
    assert len(world.queue.jobs) == 1
    assert world.replies()[-1]["text"] == "OK, *beast-alice-1* stays."


def test_someone_elses_button_click_is_refused_politely_and_changes_nothing(
    world: SlackWorld,
) -> None:
    name = deployed(world)
    for action in (blocks.ACTION_STOP, blocks.ACTION_DELETE, blocks.ACTION_KEEP):
        assert world.click(action, name, user="bob").status == 200
    assert len(world.queue.jobs) == 1
    assert world.vms.get(name).state is VmState.RUNNING
    texts = [reply["text"] for reply in world.replies()]
    assert texts and all("belongs to alice; only its owner or an admin" in t for t in texts)
    assert all(reply["response_type"] == "ephemeral" for reply in world.replies())


def test_an_admin_may_stop_anyones_vm(world: SlackWorld) -> None:
    name = deployed(world)
    world.click(blocks.ACTION_STOP, name, user="carol")
    assert world.queue.jobs[-1].kind is OperationKind.STOP


def test_unhandled_failures_in_a_click_are_logged_with_a_reference(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    name = deployed(world)
    caplog.set_level(logging.ERROR)

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("boom")

    world.beast.stop = broken  # type: ignore[method-assign]
    assert world.click(blocks.ACTION_STOP, name).status == 200
    assert world.replies()[-1]["text"].startswith("Something went wrong (ref ")


def test_requests_from_another_workspace_are_refused_when_a_team_is_set(
    sim: RunningSlackSim, clock: Clock
) -> None:
    ours = SlackWorld(sim, make_settings(sim.api_url, SLACK_TEAM_ID="T0BEAST"), clock)
    theirs = SlackWorld(sim, make_settings(sim.api_url, SLACK_TEAM_ID="T0ELSEWHERE"), clock)

    assert "No VMs" in ours.command("list").text
    refused = theirs.command("up E4s_v3 1000")
    assert "serves another Slack workspace" in refused.text
    assert theirs.queue.jobs == [] and theirs.vms.list() == []
    theirs.click(blocks.ACTION_STOP, "x")  # a click is answered on its response_url
    assert "serves another Slack workspace" in theirs.replies()[-1]["text"]


def test_down_on_a_deleted_vm_says_so_instead_of_asking_to_confirm(world: SlackWorld) -> None:
    name = deployed(world)
    world.set_state(name, VmState.DELETED)
    answer = world.command(f"down {name}")
    assert "already deleted" in answer.text
    assert "beast_delete" not in str(answer.json.get("blocks", ""))


def test_status_of_a_deleted_vm_shows_no_stale_addresses(world: SlackWorld) -> None:
    name = deployed(world)
    world.set_state(name, VmState.DELETED)
    text = world.command(f"status {name}").text
    assert "deleted" in text and "JupyterHub" not in text and "SSH" not in text
