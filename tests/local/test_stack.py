"""``make run``'s launcher brings the whole stack up and leaves nothing behind on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import requests

from local.processes import python, start_service
from local.stack import READY_LINE, ROOT


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stack_answers_health_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    stack = start_service(
        "stack",
        [python(), "-m", "local.stack", "--host-port", "0", "--state-dir", str(tmp_path)],
        ready=READY_LINE,
        cwd=ROOT,
        timeout=120,
    )
    try:
        state = json.loads((tmp_path / "stack.json").read_text())
        session = requests.Session()
        session.trust_env = False
        health = session.get(state["host"] + "/api/health", timeout=60)
        assert health.status_code == 200, health.text
        assert len(state["pids"]) >= 3
        assert all(_alive(pid) for pid in state["pids"])
    finally:
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(60) == 0
    assert [pid for pid in state["pids"] if _alive(pid)] == []
    assert not (tmp_path / "stack.json").exists()
