"""`python -m local.armsim --state-file F` removes F when it stops: no client finds a dead URL."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopped_simulator_removes_its_state_file(tmp_path: Path, signum: signal.Signals) -> None:
    state_file = tmp_path / "armsim.json"
    command = [sys.executable, "-m", "local.armsim", "--port", "0"]
    command += ["--state-file", str(state_file), "--cert-dir", str(tmp_path / "certs")]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        # The state file is in place before the first line is printed.
        assert "ARM simulator listening on" in proc.stdout.readline()
        assert state_file.exists()
        proc.send_signal(signum)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert not state_file.exists()
