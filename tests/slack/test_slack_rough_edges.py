"""What real people type and click that the happy path does not: through the real endpoint."""

from collections.abc import Iterator

import pytest

from beast.models import VmState
from beast.settings import Settings
from beast.slack import blocks
from beast.slack.commands import Keep, parse
from local.slacksim import RunningSlackSim
from tests.slack.helpers import Clock
from tests.slack.world import SlackWorld

PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACBzZWNyZXRzZWNyZXRzZWNyZXRzZWNyZXRzZWNyZXQAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
SECRET_LINE = "QyNTUxOQAAACBzZWNyZXRzZWNyZXRzZWNyZXRzZWNyZXRzZWNyZXQAAAAA"


@pytest.fixture
def world(sim: RunningSlackSim, settings: Settings, clock: Clock) -> Iterator[SlackWorld]:
    yield SlackWorld(sim=sim, settings=settings, clock=clock)


def running_vm(world: SlackWorld) -> str:
    assert world.command("up E4s_v3 1000").status == 200
    world.set_state("beast-alice-1", VmState.RUNNING)
    return "beast-alice-1"


def test_a_pasted_private_key_is_refused_as_private_never_echoed_nor_saved(
    world: SlackWorld,
) -> None:
    answer = world.command(f"key {PRIVATE_KEY}")
    assert answer.status == 200
    assert "private key" in answer.text
    assert ".pub" in answer.text
    assert SECRET_LINE not in answer.body.decode()
    assert world.users.get_ssh_key("slack:U0ALICE") is None


def test_a_key_that_is_not_a_public_key_gets_a_key_example_not_an_up_example(
    world: SlackWorld,
) -> None:
    answer = world.command("key ssh-ed25519 not-base64!")
    assert "/beast key ssh-ed25519" in answer.text
    assert "/beast up E4s_v3 1000" not in answer.text


def test_keep_for_longer_than_allowed_names_the_limit_and_a_keep_example(
    world: SlackWorld,
) -> None:
    name = running_vm(world)
    answer = world.command(f"keep {name} 500h")
    assert "336" in answer.text
    assert f"/beast keep {name} 4h" in answer.text
    assert "/beast up E4s_v3 1000" not in answer.text


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("keep beast-alice-1 4 h", 4),
        ("keep beast-alice-1 4hours", 4),
        ("keep beast-alice-1 4 hours", 4),
        ("keep beast-alice-1 1 hour", 1),
        ("keep beast-alice-1 2 days", 48),
        ("keep beast-alice-1 2D", 48),
    ],
)
def test_keep_reads_durations_as_people_write_them(text: str, hours: int) -> None:
    assert parse(text) == Keep(name="beast-alice-1", hours=hours)


def test_keep_for_zero_hours_says_what_would_work(world: SlackWorld) -> None:
    name = running_vm(world)
    answer = world.command(f"keep {name} 0h")
    assert "at least 1 hour" in answer.text
    assert world.vms.get(name).keep_until is None


def test_cancel_after_the_delete_was_queued_does_not_claim_the_vm_stays(
    world: SlackWorld,
) -> None:
    # Two "down" confirmations: Delete clicked on one, then Cancel on the other.
    name = running_vm(world)
    confirm = f"{blocks.CONFIRM_BLOCK_PREFIX}{name}"
    world.click(blocks.ACTION_DELETE, name, block_id=confirm)
    world.click(blocks.ACTION_CANCEL, name, block_id=confirm)
    last = world.replies()[-1]["text"]
    assert "stays" not in last
    assert "already being deleted" in last
