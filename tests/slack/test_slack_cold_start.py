"""The ack path on a cold process: function_app imported, /beast up answered, no azure.mgmt."""

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from local.azurite import Azurite
from tests.factories import base_env
from tests.slack.helpers import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter, as a cold Functions worker would.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    import function_app  # registers every blueprint, as the host does
    from beast.slack.handler import handle
    from local.slacksim.signing import signed_command

    body, headers = signed_command(
        "up E4s_v3 1000", user_id="U0ALICE", user_name="alice",
        secret=sys.argv[1], response_url="http://127.0.0.1:9/response/cold",
    )
    status, _, answer = handle(body, headers, "")
    print(json.dumps({
        "status": status,
        "text": json.loads(answer).get("text", ""),
        "azure_mgmt": sorted(m for m in sys.modules if m.startswith("azure.mgmt")),
        "function_app_functions": len(function_app.app.get_functions()),
    }))
    """
)


def test_cold_slack_ack_imports_no_azure_mgmt_module(azurite: Azurite) -> None:
    session = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        **base_env(
            AzureWebJobsStorage=azurite.connection_string,
            BEAST_TABLE_PREFIX=f"cold{session}",
            BEAST_JOBS_QUEUE=f"cold-{session}",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_BOT_TOKEN=BOT_TOKEN,
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, SIGNING_SECRET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    assert result["text"].startswith("Deploying *beast-alice-1*: E4s_v3, 1000 GB Premium SSD")
    assert result["azure_mgmt"] == []
    assert result["function_app_functions"] > 0
