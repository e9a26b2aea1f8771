"""How long a cold Functions worker takes to acknowledge its first ``/beast up``.

On Flex Consumption a new instance starts Python, imports ``function_app`` and
answers the command that woke it, all inside Slack's 3 s. Each round is a fresh
process (``bench/cold_start_probe.py``) on Azurite; the median is wall-clock time
from process start to the reply, interpreter start-up included (the Functions
host's own start-up on Azure is not).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from bench.support import SIGNING_SECRET, SLACK_ACK_BUDGET_S, fresh_user
from local.slacksim import RunningSlackSim, signed_command

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 5


def test_cold_start_answers_one_up(
    benchmark: BenchmarkFixture,
    beast_env: Callable[..., dict[str, str]],
    slacksim: RunningSlackSim,
) -> None:
    env = {**os.environ, **beast_env(BEAST_MAX_VMS_PER_USER="1000"), "PYTHONUNBUFFERED": "1"}
    reports: list[dict[str, Any]] = []

    def delivery() -> tuple[tuple[str], dict[str, Any]]:
        user_id, user_name = fresh_user()
        body, headers = signed_command(
            "up E4s_v3 1000",
            user_id=user_id,
            user_name=user_name,
            secret=SIGNING_SECRET,
            response_url=slacksim.response_url(user_id=user_id),
        )
        return (json.dumps({"body": body.decode("utf-8"), "headers": headers}),), {}

    def cold_start(stdin: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "bench.cold_start_probe"],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
            check=True,
        )
        report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        # The ack path must never pay for the ARM SDKs: they load only in the worker.
        assert report["mgmt_modules"] == [], report["mgmt_modules"]
        reports.append(report)

    benchmark.group = "slack-ack (cold process, Azurite)"
    benchmark.extra_info["budget_s"] = SLACK_ACK_BUDGET_S

    benchmark.pedantic(cold_start, setup=delivery, rounds=ROUNDS, iterations=1, warmup_rounds=1)

    import_s = statistics.median(r["import_s"] for r in reports)
    answer_s = statistics.median(r["answer_s"] for r in reports)
    benchmark.extra_info["import_s"] = import_s
    benchmark.extra_info["first_answer_s"] = answer_s
    benchmark.extra_info["note"] = (
        f"import function_app {import_s:.2f} s, first answer {answer_s:.2f} s (medians)"
    )
    assert {r["status"] for r in reports} == {200}
    assert all("E4s_v3" in r["reply"] for r in reports)
