"""NCRONTAB schedules as the Functions timer reads them: when the idle stop next runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beast.schedule import next_run, parse_schedule, parse_timespan
from beast.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
FRIDAY_1800 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # a Friday


def at(text: str) -> datetime:
    """An aware UTC time from ISO text."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_at_1900_fires_later_the_same_day() -> None:
    assert next_run("0 0 19 * * *", after=FRIDAY_1800) == at("2026-11-20T19:00:00")


def test_a_run_at_the_exact_time_is_not_next_the_next_day_is() -> None:
    assert next_run("0 0 19 * * *", after=at("2026-11-20T19:00:00")) == at("2026-11-21T19:00:00")
    just_before = datetime(2026, 11, 20, 18, 59, 59, 999_999, tzinfo=UTC)
    assert next_run("0 0 19 * * *", after=just_before) == at("2026-11-20T19:00:00")


def test_daily_run_rolls_over_the_end_of_the_year() -> None:
    assert next_run("0 0 19 * * *", after=at("2026-12-31T19:00:01")) == at("2027-01-01T19:00:00")


def test_every_fifteen_minutes() -> None:
    assert next_run("0 */15 * * * *", after=FRIDAY_1800) == at("2026-11-20T18:15:00")
    assert next_run("0 */15 * * * *", after=at("2026-11-20T18:50:00")) == at("2026-11-20T19:00:00")


def test_seconds_are_the_first_of_six_fields() -> None:
    assert next_run("30 */15 * * * *", after=FRIDAY_1800) == at("2026-11-20T18:00:30")
    assert next_run("*/30 * * * * *", after=at("2026-11-20T18:00:30")) == at("2026-11-20T18:01:00")


def test_weekday_names_and_ranges() -> None:
    assert next_run("0 30 9 * * Mon-Fri", after=FRIDAY_1800) == at("2026-11-23T09:30:00")
    assert next_run("0 0 19 * * Sat,Sun", after=FRIDAY_1800) == at("2026-11-21T19:00:00")
    assert next_run("0 0 19 * * saturday", after=FRIDAY_1800) == at("2026-11-21T19:00:00")


def test_weekday_zero_is_sunday() -> None:
    assert next_run("0 0 12 * * 0", after=FRIDAY_1800) == at("2026-11-22T12:00:00")
    assert next_run("0 0 19 * * 1-5", after=FRIDAY_1800) == at("2026-11-20T19:00:00")


def test_month_names_and_days_of_month() -> None:
    assert next_run("0 0 0 1 Jan *", after=FRIDAY_1800) == at("2027-01-01T00:00:00")
    assert next_run("0 0 0 1 Jan,Jul *", after=at("2027-02-01T00:00:00")) == at(
        "2027-07-01T00:00:00"
    )


def test_leap_day_waits_for_a_leap_year() -> None:
    assert next_run("0 0 0 29 2 *", after=FRIDAY_1800) == at("2028-02-29T00:00:00")


def test_stepped_ranges_and_a_start_with_a_step() -> None:
    schedule = parse_schedule("0 5-20/5 * * * *")
    assert schedule.minutes == frozenset({5, 10, 15, 20})
    assert parse_schedule("0 10/15 * * * *").minutes == frozenset({10, 25, 40, 55})
    assert parse_schedule("0 0 1,13-15 * * *").hours == frozenset({1, 13, 14, 15})


def test_times_in_other_zones_are_compared_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    # 19:30 in Paris is 18:30 UTC: the 19:00 UTC run is still ahead.
    assert next_run("0 0 19 * * *", after=datetime(2026, 11, 20, 19, 30, tzinfo=paris)) == at(
        "2026-11-20T19:00:00"
    )


def test_a_naive_time_is_refused_rather_than_read_as_local_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_run("0 0 19 * * *", after=datetime(2026, 11, 20, 18, 0))


def test_timespan_form_means_every_interval() -> None:
    assert next_run("00:05:00", after=FRIDAY_1800) == at("2026-11-20T18:05:00")
    assert next_run("1.00:00:00", after=FRIDAY_1800) == at("2026-11-21T18:00:00")
    assert parse_timespan("1.02:03:04.5") == timedelta(days=1, hours=2, minutes=3, seconds=4.5)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("%BEAST_SWEEP_SCHEDULE%", "six fields"),  # an unresolved app-setting reference
        ("0 19 * * *", "six fields"),  # five-field Unix cron
        ("", "six fields"),
        ("0 60 * * * *", "outside 0-59"),
        ("0 0 24 * * *", "outside 0-23"),
        ("0 0 19 32 * *", "outside 1-31"),
        ("0 0 19 * * 7", "outside 0-6"),
        ("0 0 5-1 * * *", "outside"),
        ("0 0 */0 * * *", "step must be positive"),
        ("0 0 19 * * Funday", "not a number or one of Sun"),
        ("0 0 19 * * Monster", "not a number"),
        ("0 0 19 * Foo *", "not a number or one of Jan"),
        ("1,,2 * * * * *", "not a number"),
        ("0 0 19 * * Mon-", "not a number"),
        ("00:60:00", "TimeSpan"),
        ("25:00:00", "TimeSpan"),
        ("00:00:00", "positive"),
    ],
)
def test_invalid_schedules_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_schedule(text)


def test_a_schedule_that_can_never_fire_says_so() -> None:
    with pytest.raises(ValueError, match="never fires"):
        next_run("0 0 0 30 2 *", after=FRIDAY_1800)


def test_the_default_warning_precedes_the_default_stop_by_an_hour() -> None:
    sample = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    settings = load_settings(sample)
    # What the evening warning tells owners: the stop run after the warning run.
    warned_at = next_run(settings.warn_schedule, after=FRIDAY_1800 - timedelta(minutes=1))
    assert warned_at == FRIDAY_1800
    assert next_run(settings.sweep_schedule, after=warned_at) == at("2026-11-20T19:00:00")


_moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(moment=_moments)
def test_next_run_is_strictly_later_and_matches_every_field(moment: datetime) -> None:
    schedule = parse_schedule("15 */10 9-17 * * Mon-Fri")
    found = schedule.next_after(moment)
    assert found > moment
    assert found.second == 15 and found.minute % 10 == 0 and 9 <= found.hour <= 17
    assert found.isoweekday() <= 5
    # Nothing matching lies between ``moment`` and ``found``.
    candidate = moment.replace(second=15, microsecond=0)
    while candidate < found:
        if candidate > moment:
            assert not (
                candidate.minute % 10 == 0
                and 9 <= candidate.hour <= 17
                and candidate.isoweekday() <= 5
            ), candidate
        candidate += timedelta(minutes=1)
