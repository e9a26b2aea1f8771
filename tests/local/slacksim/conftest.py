"""Fixtures: a fake Slack on a free port with a controllable clock, and a WebClient on it."""

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from local.slacksim import RunningSlackSim, start_slacksim
from tests.local.slacksim.fakeclock import FakeClock

BOT_TOKEN = "xoxb-local-token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[RunningSlackSim]:
    running = start_slacksim(port=0, now=clock)
    yield running
    running.stop()


@pytest.fixture
def client(sim: RunningSlackSim) -> WebClient:
    return WebClient(base_url=sim.api_url, token=BOT_TOKEN)
