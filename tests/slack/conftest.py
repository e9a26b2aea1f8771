"""Fixtures for the Slack tests: a fake Slack on a free port, settings that point at it."""

from collections.abc import Iterator

import pytest

from beast.settings import Settings
from local.slacksim import RunningSlackSim, start_slacksim
from tests.slack.helpers import Clock, make_settings


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(clock: Clock) -> Iterator[RunningSlackSim]:
    running = start_slacksim(port=0, now=clock.epoch)
    yield running
    running.stop()


@pytest.fixture
def settings(sim: RunningSlackSim) -> Settings:
    return make_settings(sim.api_url, BEAST_ADMINS="U0CAROL")
