"""`python -m local.armsim` serves HTTPS and writes URL, CA bundle and subscription to a file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.credential import StaticTokenCredential

ROOT = Path(__file__).resolve().parents[3]


def test_cli_writes_a_state_file_that_sdk_clients_can_use(tmp_path: Path) -> None:
    state_file = tmp_path / "armsim.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.armsim",
            "--port",
            "0",
            "--state-file",
            str(state_file),
            "--cert-dir",
            str(tmp_path / "certs"),
            "--subscription",
            "11111111-2222-3333-4444-555555555555",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not state_file.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        state = json.loads(state_file.read_text())
        client = ResourceManagementClient(
            StaticTokenCredential(),
            state["subscription_id"],
            base_url=state["url"],
            connection_verify=state["ca_bundle"],
        )

        client.resource_groups.create_or_update("rg1", {"location": "westeurope"})

        assert state["url"].startswith("https://127.0.0.1:")
        assert state["subscription_id"] == "11111111-2222-3333-4444-555555555555"
        assert Path(state["ca_bundle"]).parent == tmp_path / "certs"
        assert client.resource_groups.get("rg1").location == "westeurope"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
    assert "ARM simulator listening on https://127.0.0.1:" in output
    assert proc.returncode == 0
