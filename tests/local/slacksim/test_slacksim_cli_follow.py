"""The Slack CLI finds the stack's host, stops when the answer is complete, and says why not."""

from __future__ import annotations

import io
import json
from pathlib import Path

from local.slacksim import RunningSlackSim
from local.slacksim.cli import DEFAULT_HOST, host_url, send
from tests.local.slacksim.scripted_beast import SECRET, scripted_beast

HELP_ACK = {"response_type": "ephemeral", "text": "*Beast*\n`/beast list` · `/beast help`"}
LOOKUP_ACK = {"response_type": "ephemeral", "text": "Looking up sizes in eastus…"}
SIZES = {"response_type": "ephemeral", "text": "E4s_v3 · 4 vCPU · 32 GiB · $0.25/h"}
QUEUED_ACK = {"response_type": "ephemeral", "text": "Deploying *beast-alice-1*. I'll tell you."}
PROGRESS = {"response_type": "ephemeral", "text": "⏳ beast-alice-1: creating the disk"}
STOPPED_LINE = "stopped following"


def run(argv: list[str], *, root: Path) -> str:
    """Run the command sender as a person would, and return what it printed."""
    out = io.StringIO()
    assert send(argv, out=out, env={"SLACK_SIGNING_SECRET": SECRET}, root=root) == 0
    return out.getvalue()


def test_without_host_the_cli_posts_to_the_host_make_run_recorded(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    with scripted_beast(ack=HELP_ACK) as beast:
        (tmp_path / ".local").mkdir()
        stack = {"host": beast.url + "/", "slacksim": sim.url}
        (tmp_path / ".local" / "stack.json").write_text(json.dumps(stack))

        run(["/beast help", "--sim", sim.url, "--wait", "0"], root=tmp_path)

        [request] = beast.received
    assert request["path"] == "/api/slack/events"
    assert request["form"]["text"] == "help"


def test_host_flag_wins_over_the_stack_file_and_no_stack_file_means_port_7071(
    tmp_path: Path,
) -> None:
    assert host_url(None, root=tmp_path) == DEFAULT_HOST == "http://127.0.0.1:7071"
    (tmp_path / ".local").mkdir()
    (tmp_path / ".local" / "stack.json").write_text('{"host": "http://127.0.0.1:7999"}')
    assert host_url(None, root=tmp_path) == "http://127.0.0.1:7999"
    assert host_url("http://127.0.0.1:7100/", root=tmp_path) == "http://127.0.0.1:7100"


def test_an_unreadable_stack_file_falls_back_to_port_7071(tmp_path: Path) -> None:
    (tmp_path / ".local").mkdir()
    (tmp_path / ".local" / "stack.json").write_text("{half a file")
    assert host_url(None, root=tmp_path) == DEFAULT_HOST


def test_an_ack_that_promises_nothing_more_stops_within_quiet_not_idle(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    # With --idle 2, following on would end in the "stopped following" line instead.
    limits = ["--wait", "10", "--quiet", "0", "--idle", "2"]
    with scripted_beast(ack=HELP_ACK) as beast:
        output = run(["/beast help", "--host", beast.url, "--sim", sim.url, *limits], root=tmp_path)
    assert "`/beast list` · `/beast help`" in output
    assert STOPPED_LINE not in output


def test_a_looking_up_ack_is_followed_to_its_one_reply_and_no_further(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    limits = ["--wait", "10", "--quiet", "0", "--idle", "2"]
    # The reply comes after the first poll, so stopping at the ack would miss it.
    with scripted_beast(ack=LOOKUP_ACK, replies=[SIZES], reply_after=0.4) as beast:
        output = run(
            ["/beast sizes E4", "--host", beast.url, "--sim", sim.url, *limits], root=tmp_path
        )
    assert "Looking up sizes in eastus…" in output
    assert "E4s_v3 · 4 vCPU · 32 GiB" in output
    assert STOPPED_LINE not in output


def test_stopping_for_lack_of_news_says_it_was_idle_and_what_to_do(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    limits = ["--wait", "10", "--quiet", "0", "--idle", "0.3"]
    with scripted_beast(ack=QUEUED_ACK, replies=[PROGRESS]) as beast:
        output = run(["/beast up", "--host", beast.url, "--sim", sim.url, *limits], root=tmp_path)
    assert "creating the disk" in output
    assert "── stopped following: nothing new for 0.3 s (--idle)" in output
    assert "/beast status NAME" in output
    # A message did arrive, so the host is not in doubt.
    assert "No message reached" not in output


def test_stopping_at_the_wait_limit_says_so_and_doubts_the_host_when_nothing_came(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    limits = ["--wait", "0.3", "--quiet", "0", "--idle", "0"]
    with scripted_beast(ack=QUEUED_ACK) as beast:
        output = run(["/beast up", "--host", beast.url, "--sim", sim.url, *limits], root=tmp_path)
    assert "── stopped following: 0.3 s passed (--wait)" in output
    assert f"No message reached the fake Slack at {sim.url}: if {beast.url} is not" in output


def test_a_complete_answer_cut_short_by_wait_is_not_reported_as_unfinished(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    # --wait ends before --quiet does; the answer was still complete, nothing more will come.
    limits = ["--wait", "0.3", "--quiet", "5", "--idle", "0"]
    with scripted_beast(ack=HELP_ACK) as beast:
        output = run(["/beast help", "--host", beast.url, "--sim", sim.url, *limits], root=tmp_path)
    assert "`/beast help`" in output
    assert STOPPED_LINE not in output


def test_a_complete_answer_cut_short_by_idle_is_not_reported_as_unfinished(
    sim: RunningSlackSim, tmp_path: Path
) -> None:
    limits = ["--wait", "10", "--quiet", "5", "--idle", "0.3"]
    with scripted_beast(ack=HELP_ACK) as beast:
        output = run(["/beast help", "--host", beast.url, "--sim", sim.url, *limits], root=tmp_path)
    assert "`/beast help`" in output
    assert STOPPED_LINE not in output
