"""Timer triggers fire on their NCRONTAB schedules and on demand through the admin API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from beast.schedule import parse_schedule
from local.host.launch import RunningHost, start_host, write_local_settings

WAIT_SECONDS = 30.0


@pytest.fixture(scope="module")
def record_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("timers") / "record.jsonl"


@pytest.fixture(scope="module")
def timer_host(record_file: Path) -> Iterator[RunningHost]:
    host = start_host(
        app="tests.local.host_apps.timer_app:app",
        settings=write_local_settings(record_file.with_name("local.settings.json")),
        overrides={
            "BEAST_HOST_TEST_SCHEDULE": "* * * * * *",
            "BEAST_HOST_TEST_RECORD": str(record_file),
        },
    )
    yield host
    host.stop()


def _notes(record_file: Path, function: str) -> list[dict[str, object]]:
    if not record_file.exists():
        return []
    notes = map(json.loads, record_file.read_text(encoding="utf-8").splitlines())
    return [note for note in notes if note["function"] == function]


def test_timer_fires_on_the_schedule_named_by_a_setting(
    timer_host: RunningHost, record_file: Path
) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(_notes(record_file, "often")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_notes(record_file, "often")) >= 2


def test_admin_invoke_runs_a_timer_now_and_answers_202(
    timer_host: RunningHost, record_file: Path
) -> None:
    session = requests.Session()
    session.trust_env = False
    answer = session.post(
        timer_host.url("/admin/functions/yearly"),
        json={"input": ""},
        headers={"x-functions-key": timer_host.master_key or ""},
    )
    assert answer.status_code == 202
    assert timer_host.wait(answer.headers["x-beast-invocation-id"]) == "Succeeded"
    assert _notes(record_file, "yearly") == [{"function": "yearly", "past_due": False}]


def test_admin_invoke_reports_a_failing_timer(timer_host: RunningHost) -> None:
    assert timer_host.run("failing") == "Failed"


def test_admin_invoke_of_an_unknown_function_is_404(timer_host: RunningHost) -> None:
    session = requests.Session()
    session.trust_env = False
    answer = session.post(
        timer_host.url("/admin/functions/nothing"),
        json={"input": ""},
        headers={"x-functions-key": timer_host.master_key or ""},
    )
    assert answer.status_code == 404


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_six_fields_start_with_seconds() -> None:
    schedule = parse_schedule("30 */15 * * * *")
    assert schedule.next_after(_at("2026-01-01T10:00:00")) == _at("2026-01-01T10:00:30")
    assert schedule.next_after(_at("2026-01-01T10:00:30")) == _at("2026-01-01T10:15:30")


def test_nightly_schedule_rolls_over_to_the_next_day() -> None:
    schedule = parse_schedule("0 0 19 * * *")
    assert schedule.next_after(_at("2026-03-04T19:00:00")) == _at("2026-03-05T19:00:00")


def test_weekday_names_and_ranges() -> None:
    schedule = parse_schedule("0 0 9 * * Mon-Fri")
    # 2026-03-07 is a Saturday: the next weekday 09:00 is Monday the 9th.
    assert schedule.next_after(_at("2026-03-07T08:00:00")) == _at("2026-03-09T09:00:00")


def test_sunday_is_day_zero() -> None:
    assert parse_schedule("0 0 0 * * 0").next_after(_at("2026-03-07T00:00:00")) == _at(
        "2026-03-08T00:00:00"
    )


def test_month_names_and_lists() -> None:
    schedule = parse_schedule("0 0 0 1 Jan,Jul *")
    assert schedule.next_after(_at("2026-02-01T00:00:00")) == _at("2026-07-01T00:00:00")


def test_timespan_schedule_means_every_interval() -> None:
    schedule = parse_schedule("00:05:00")
    assert schedule.next_after(_at("2026-01-01T10:00:00")) == _at("2026-01-01T10:05:00")


@pytest.mark.parametrize("text", ["0 0 * * *", "61 * * * * *", "* * * * * Funday", "*/0 * * * * *"])
def test_malformed_schedules_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(text)
