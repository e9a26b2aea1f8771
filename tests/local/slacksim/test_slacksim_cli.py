"""The command sender signs like Slack, prints the ack, and follows the person's messages."""

import io
import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from local.slacksim import RunningSlackSim
from local.slacksim.cli import main, send, signing_secret, sim_url, split_command

SECRET = "cli-test-secret"
READY = {
    "text": "✅ beast-alice-1 is ready",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "✅ *beast-alice-1* is ready"}},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Stop"}},
                {"type": "button", "text": {"type": "plain_text", "text": "Delete"}},
            ],
        },
    ],
}


class FakeBeast(ThreadingHTTPServer):
    """A stand-in bot: verifies Slack's signature, acks, then posts once to response_url."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FakeBeastHandler)
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _FakeBeastHandler(BaseHTTPRequestHandler):
    server: FakeBeast

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = SignatureVerifier(SECRET).is_valid_request(body, dict(self.headers))
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.server.received.append({"path": self.path, "valid": valid, "form": form})
        if not valid:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ack = json.dumps({"response_type": "ephemeral", "text": "⏳ Deploying…"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ack)))
        self.end_headers()
        self.wfile.write(ack)
        payload = json.loads(form["payload"]) if "payload" in form else form
        threading.Thread(target=_post_ready, args=(payload["response_url"],)).start()


def _post_ready(response_url: str) -> None:
    request = urllib.request.Request(
        response_url, data=json.dumps(READY).encode(), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture
def beast() -> Iterator[FakeBeast]:
    server = FakeBeast()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _send(argv: list[str], tmp_path: Path, secret: str = SECRET) -> tuple[int, str]:
    out = io.StringIO()
    code = send(argv, out=out, env={"SLACK_SIGNING_SECRET": secret}, root=tmp_path)
    return code, out.getvalue()


FAST = ["--wait", "10", "--quiet", "0.2", "--idle", "5"]


def test_command_is_signed_acked_and_followed_to_the_ready_message(
    sim: RunningSlackSim, beast: FakeBeast, tmp_path: Path
) -> None:
    code, output = _send(
        ["/beast up E4s_v3 1000", "--user", "alice", "--host", beast.url, "--sim", sim.url, *FAST],
        tmp_path,
    )
    assert code == 0
    [request] = beast.received
    assert request["valid"] is True
    assert request["path"] == "/api/slack/events"
    assert request["form"]["text"] == "up E4s_v3 1000"
    assert request["form"]["user_id"] == "U0ALICE"
    assert "⏳ Deploying…" in output
    assert "✅ *beast-alice-1* is ready\n[Stop] [Delete]" in output
    assert output.index("Deploying") < output.index("is ready")


def test_button_click_is_sent_as_a_signed_block_actions_payload(
    sim: RunningSlackSim, beast: FakeBeast, tmp_path: Path
) -> None:
    argv = ["--action", "beast_stop", "--value", "beast-bob-1", "--user", "bob"]
    code, output = _send([*argv, "--host", beast.url, "--sim", sim.url, *FAST], tmp_path)
    assert code == 0
    payload = json.loads(beast.received[0]["form"]["payload"])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0BOB"
    assert payload["actions"][0]["action_id"] == "beast_stop"
    assert payload["actions"][0]["value"] == "beast-bob-1"
    assert "[Stop] [Delete]" in output


def test_rejected_signature_exits_nonzero_without_following(
    sim: RunningSlackSim, beast: FakeBeast, tmp_path: Path
) -> None:
    code, output = _send(
        ["/beast list", "--host", beast.url, "--sim", sim.url, *FAST], tmp_path, secret="wrong"
    )
    assert code == 1
    assert "HTTP 401" in output
    assert beast.received[0]["valid"] is False


def test_messages_for_other_people_are_not_shown(
    sim: RunningSlackSim, beast: FakeBeast, tmp_path: Path
) -> None:
    sim.state.mint_response_url(user_id="U0BOB", channel_id="C0BEAST")
    WebClient(base_url=sim.api_url, token="xoxb-local-token").chat_postMessage(
        channel="U0BOB", text="bob's secret DM"
    )
    code, output = _send(
        ["/beast up E4s_v3 1000", "--host", beast.url, "--sim", sim.url, *FAST], tmp_path
    )
    assert code == 0
    assert "bob's secret DM" not in output


def test_state_file_names_where_the_sim_listens(tmp_path: Path, sim: RunningSlackSim) -> None:
    state = tmp_path / "slacksim.json"
    state.write_text(json.dumps({"url": sim.url, "api_url": sim.api_url}))
    assert sim_url(str(state), env={}) == sim.url
    assert sim_url(None, env={"BEAST_SLACKSIM": "http://127.0.0.1:1/"}) == "http://127.0.0.1:1"


def test_signing_secret_falls_back_to_local_settings(tmp_path: Path) -> None:
    settings = {"Values": {"SLACK_SIGNING_SECRET": "from-sample"}}
    (tmp_path / "local.settings.sample.json").write_text(json.dumps(settings))
    assert signing_secret(env={}, root=tmp_path) == "from-sample"
    assert signing_secret(env={"SLACK_SIGNING_SECRET": "from-env"}, root=tmp_path) == "from-env"


def test_command_line_splits_into_command_and_text() -> None:
    assert split_command("/beast up E4s_v3 1000") == ("/beast", "up E4s_v3 1000")
    assert split_command("list") == ("/beast", "list")


def test_unreachable_sim_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    assert main(["/beast list", "--sim", "http://127.0.0.1:9"]) == 2
    assert "cannot reach" in capsys.readouterr().err


def test_serve_writes_a_state_file_and_answers_until_terminated(tmp_path: Path) -> None:
    state = tmp_path / "slacksim.json"
    command = [sys.executable, "-m", "local.slacksim", "serve", "--port", "0"]
    process = subprocess.Popen([*command, "--state-file", str(state)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        assert "fake Slack on http://127.0.0.1:" in process.stdout.readline().decode()
        url = json.loads(state.read_text())["url"]
        with urllib.request.urlopen(f"{url}/_sim/health", timeout=5) as response:
            assert json.loads(response.read()) == {"ok": True}
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert not state.exists()
