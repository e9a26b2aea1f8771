"""Under a message with buttons the CLI prints, per button, the flags that really click it."""

from __future__ import annotations

import io
import shlex
from pathlib import Path
from typing import Any

from local.slacksim import RunningSlackSim
from local.slacksim.cli import send
from tests.local.slacksim.scripted_beast import SECRET, scripted_beast


def _button(label: str, action_id: str, value: str) -> dict[str, Any]:
    text = {"type": "plain_text", "text": label}
    return {"type": "button", "text": text, "action_id": action_id, "value": value}


READY = {
    "response_type": "ephemeral",
    "text": "beast-alice-1 is ready",
    "blocks": [
        {
            "type": "section",
            "block_id": "note",
            "text": {"type": "mrkdwn", "text": "✅ *beast-alice-1* is ready"},
            "accessory": _button("Keep alive 8h", "beast_keep", "beast-alice-1 8h"),
        },
        {
            "type": "actions",
            "block_id": "vm:beast-alice-1",
            "elements": [
                _button("Stop", "beast_stop", "beast-alice-1"),
                _button("Delete", "beast_delete", "beast-alice-1"),
            ],
        },
    ],
}

# (label, action_id, value, block_id) of each button above, in the order they show.
BUTTONS = [
    ("Keep alive 8h", "beast_keep", "beast-alice-1 8h", "note"),
    ("Stop", "beast_stop", "beast-alice-1", "vm:beast-alice-1"),
    ("Delete", "beast_delete", "beast-alice-1", "vm:beast-alice-1"),
]


def run(argv: list[str], *, root: Path) -> str:
    """Run the command sender as a person would, and return what it printed."""
    out = io.StringIO()
    argv = [*argv, "--quiet", "0", "--idle", "2"]
    assert send(argv, out=out, env={"SLACK_SIGNING_SECRET": SECRET}, root=root) == 0
    return out.getvalue()


def click_lines(output: str) -> list[str]:
    """The printed hint lines, without their leading ``click ``."""
    return [
        line.strip().removeprefix("click ") for line in output.splitlines() if "click [" in line
    ]


def test_each_button_gets_a_click_line_with_its_action_value_block_and_user(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    with scripted_beast(ack=READY) as beast:
        output = run(["/beast status", "--host", beast.url, "--sim", sim.url], root=tmp_path)
    assert (
        "   click [Delete] --action beast_delete --value beast-alice-1"
        " --block-id vm:beast-alice-1 --user alice\n"
    ) in output
    assert (
        "   click [Keep alive 8h] --action beast_keep --value 'beast-alice-1 8h'"
        " --block-id note --user alice\n"
    ) in output
    assert [line.split("]")[0] for line in click_lines(output)] == [
        f"[{label}" for label, *_ in BUTTONS
    ]


def test_the_click_line_names_the_person_who_was_shown_the_message(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    with scripted_beast(ack=READY) as beast:
        output = run(
            ["/beast status", "--user", "bob", "--host", beast.url, "--sim", sim.url],
            root=tmp_path,
        )
    assert all(line.endswith(" --user bob") for line in click_lines(output))
    assert len(click_lines(output)) == len(BUTTONS)


def test_running_the_cli_with_a_click_lines_flags_clicks_that_button(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    with scripted_beast(ack=READY) as beast:
        shown = run(["/beast status", "--host", beast.url, "--sim", sim.url], root=tmp_path)
        for line in click_lines(shown):
            flags = shlex.split(line.split("] ", 1)[1])
            run([*flags, "--host", beast.url, "--sim", sim.url, "--wait", "0"], root=tmp_path)
        clicks = beast.payloads()
    assert [request["valid"] for request in beast.received] == [True] * (1 + len(BUTTONS))
    assert len(clicks) == len(BUTTONS)
    for click, (_, action_id, value, block_id) in zip(clicks, BUTTONS, strict=True):
        [action] = click["actions"]
        assert click["type"] == "block_actions"
        assert click["user"]["id"] == "U0ALICE"
        assert (action["action_id"], action["value"], action["block_id"]) == (
            action_id,
            value,
            block_id,
        )
