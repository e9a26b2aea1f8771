"""How long Beast takes to answer a signed ``/beast`` command, against Slack's 3 s budget.

Each call goes through ``beast.slack.handler.handle`` exactly as the Functions
trigger hands it over: signature check, Bolt, the bot, the Beast service, and its
Table Storage and queue round trips on Azurite. The app is warm (built on an
earlier call); the cold start has its own benchmark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from beast.adapters.tables import build_table_stores
from beast.models import Vm, VmState
from beast.settings import load_settings
from beast.slack.handler import Response, handle
from bench.support import SIGNING_SECRET, SLACK_ACK_BUDGET_S, fresh_user
from local.slacksim import RunningSlackSim, signed_command
from tests.factories import make_vm

# Enough rounds for a stable median without filling Azurite for minutes.
UP_ROUNDS = 40
CROWDED_TABLE_VMS = 300
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def slack_app(
    beast_env: Callable[..., dict[str, str]],
    process_env: Callable[[Mapping[str, str]], None],
) -> Iterator[dict[str, str]]:
    """The handler's settings exported, fresh tables, and the app built once."""
    # Every `up` is by a new person, and the limit is high: neither the per-person
    # limit nor the idempotent replay of a repeated trigger_id cuts a round short.
    env = beast_env(BEAST_MAX_VMS_PER_USER="1000")
    process_env(env)
    yield env


def command(
    slacksim: RunningSlackSim, text: str, *, user: tuple[str, str] | None = None
) -> tuple[bytes, dict[str, str]]:
    """A signed ``/beast`` command with a fresh trigger_id (and user, unless given)."""
    user_id, user_name = user or fresh_user()
    return signed_command(
        text,
        user_id=user_id,
        user_name=user_name,
        secret=SIGNING_SECRET,
        response_url=slacksim.response_url(user_id=user_id),
    )


def answer(body: bytes, headers: dict[str, str]) -> Response:
    """One delivery through the handler, as the Functions trigger makes it."""
    return handle(body, headers, "")


def text_of(response: Response) -> str:
    """The reply's bytes as text (it is JSON with the message blocks)."""
    return response[2].decode("utf-8")


def _tag(benchmark: BenchmarkFixture, note: str = "") -> None:
    benchmark.extra_info["budget_s"] = SLACK_ACK_BUDGET_S
    if note:
        benchmark.extra_info["note"] = note


def test_slack_help(
    benchmark: BenchmarkFixture, slack_app: dict[str, str], slacksim: RunningSlackSim
) -> None:
    body, headers = command(slacksim, "help")
    answer(body, headers)  # builds the app: not part of a warm ack
    benchmark.group = "slack-ack (warm, Azurite)"
    _tag(benchmark, "no storage: signature + Bolt + grammar")

    response = benchmark(answer, body, headers)

    assert response[0] == 200
    assert "/beast up" in text_of(response)


def test_slack_list(
    benchmark: BenchmarkFixture, slack_app: dict[str, str], slacksim: RunningSlackSim
) -> None:
    user = fresh_user()
    for _ in range(3):
        assert answer(*command(slacksim, "up E4s_v3 1000", user=user))[0] == 200
    body, headers = command(slacksim, "list", user=user)
    benchmark.group = "slack-ack (warm, Azurite)"
    _tag(benchmark, "one person with 3 VMs")

    response = benchmark(answer, body, headers)

    assert response[0] == 200
    assert text_of(response).count(f"{user[1]}-") >= 3


def _up_rounds(
    benchmark: BenchmarkFixture, slacksim: RunningSlackSim, *, rounds: int
) -> list[Response]:
    answers: list[Response] = []

    def one_up(body: bytes, headers: dict[str, str]) -> None:
        answers.append(answer(body, headers))

    def fresh() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return command(slacksim, "up E4s_v3 1000"), {}

    benchmark.pedantic(one_up, setup=fresh, rounds=rounds, iterations=1, warmup_rounds=1)
    return answers


def test_slack_up(
    benchmark: BenchmarkFixture, slack_app: dict[str, str], slacksim: RunningSlackSim
) -> None:
    answer(*command(slacksim, "help"))  # builds the app
    benchmark.group = "slack-ack (warm, Azurite)"
    _tag(benchmark, "records VM + operation + audit, enqueues the job")

    answers = _up_rounds(benchmark, slacksim, rounds=UP_ROUNDS)

    assert {status for status, _, _ in answers} == {200}
    assert all("E4s_v3" in text_of(a) for a in answers)


def crowded_vm(number: int) -> Vm:
    """A VM row of someone else's: what a busy team's table holds (deleted ones too)."""
    return make_vm(
        name=f"old-{number:04d}",
        owner=f"slack:UOLD{number % 25}",
        owner_name="someone",
        state=VmState.DELETED if number % 3 else VmState.RUNNING,
        admin_username="someone",
        operation_id=f"old-{number}",
        created_at=T0,
    )


def test_slack_up_with_300_vms_in_the_table(
    benchmark: BenchmarkFixture, slack_app: dict[str, str], slacksim: RunningSlackSim
) -> None:
    # `up` reads the VM partition to pick a free name and count the person's VMs, so its
    # cost grows with every row the team has ever made; this shows by how much.
    vms = build_table_stores(load_settings(slack_app)).vms
    for number in range(CROWDED_TABLE_VMS):
        vms.add(crowded_vm(number))
    answer(*command(slacksim, "help"))
    benchmark.group = "slack-ack (warm, Azurite)"
    _tag(benchmark, f"{CROWDED_TABLE_VMS} VM rows already in the table")

    answers = _up_rounds(benchmark, slacksim, rounds=UP_ROUNDS // 2)

    assert {status for status, _, _ in answers} == {200}
    assert len(vms.list()) >= CROWDED_TABLE_VMS + UP_ROUNDS // 2
