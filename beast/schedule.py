"""Six-field NCRONTAB schedules, as Azure Functions timer triggers use them. Pure.

Beast reads them to tell owners when the idle stop runs; the local host runs
timers with the same parser.

``{second} {minute} {hour} {day} {month} {day-of-week}``, each field ``*``, a
number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list of those;
months and weekdays also by English abbreviation (``Jan``, ``Mon``); weekday 0
is Sunday. Times are UTC, as on Azure without ``WEBSITE_TIME_ZONE``. A TimeSpan
(``00:05:00``) means "every five minutes", as on an App Service plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_FULL_NAMES = {
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december", "sunday", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday",
}  # fmt: skip
# (low, high, names) per field; names map to numbers starting at ``low``.
_FIELDS: list[tuple[int, int, list[str]]] = [
    (0, 59, []),
    (0, 59, []),
    (0, 23, []),
    (1, 31, []),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
]
_SEARCH_DAYS = 366 * 5


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; ``next_after`` gives the next occurrence strictly after a time."""

    text: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    interval: timedelta | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence after ``moment`` (an aware datetime)."""
        if moment.tzinfo is None:
            # A naive time would be read as this machine's local time, not UTC.
            raise ValueError(f"next_after needs an aware datetime, not {moment!r}")
        moment = moment.astimezone(UTC)
        if self.interval is not None:
            return moment + self.interval
        start = moment.replace(microsecond=0) + timedelta(seconds=1)
        day = start.date()
        for offset in range(_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            # isoweekday(): Monday 1 .. Sunday 7; NCRONTAB: Sunday 0.
            if (
                candidate.month in self.months
                and candidate.day in self.days
                and candidate.isoweekday() % 7 in self.weekdays
            ):
                earliest = start.time() if offset == 0 else time(0, 0, 0)
                found = self._first_time_at_or_after(earliest)
                if found is not None:
                    return datetime.combine(candidate, found, tzinfo=UTC)
        raise ValueError(f"schedule {self.text!r} never fires")

    def _first_time_at_or_after(self, earliest: time) -> time | None:
        for hour in sorted(h for h in self.hours if h >= earliest.hour):
            for minute in sorted(self.minutes):
                if (hour, minute) < (earliest.hour, earliest.minute):
                    continue
                for second in sorted(self.seconds):
                    if (hour, minute, second) >= (earliest.hour, earliest.minute, earliest.second):
                        return time(hour, minute, second)
        return None


def parse_schedule(text: str) -> Schedule:
    """Parse an NCRONTAB expression (six fields) or a TimeSpan."""
    fields = text.split()
    if len(fields) == 1 and ":" in text:
        every = parse_timespan(text)
        if every <= timedelta(0):
            raise ValueError(f"timer interval must be positive: {text!r}")
        empty: frozenset[int] = frozenset()
        return Schedule(text, empty, empty, empty, empty, empty, empty, interval=every)
    if len(fields) != 6:
        raise ValueError(
            f"NCRONTAB needs six fields (second minute hour day month day-of-week): {text!r}"
        )
    parsed = [_parse_field(part, *spec) for part, spec in zip(fields, _FIELDS, strict=True)]
    seconds, minutes, hours, days, months, weekdays = parsed
    return Schedule(text, seconds, minutes, hours, days, months, weekdays)


def _parse_field(text: str, low: int, high: int, names: list[str]) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        body, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step must be positive in {text!r}")
        if body == "*":
            first, last = low, high
        elif "-" in body:
            left, right = body.split("-", 1)
            first, last = _value(left, low, names), _value(right, low, names)
        else:
            first = _value(body, low, names)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high and first <= last):
            raise ValueError(f"{item!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, low: int, names: list[str]) -> int:
    lowered = text.strip().lower()
    # An abbreviation ("Mon") or the whole English name ("Monday"), never any word
    # that merely starts like one ("Monster").
    if lowered in names or (lowered in _FULL_NAMES and lowered[:3] in names):
        return names.index(lowered[:3]) + low
    if not lowered.isdigit():
        hint = f" or one of {', '.join(n.title() for n in names)}" if names else ""
        raise ValueError(f"{text!r} is not a number{hint}")
    return int(lowered)


def parse_timespan(text: str) -> timedelta:
    """Parse a .NET TimeSpan as host.json writes it: ``hh:mm:ss`` or ``d.hh:mm:ss.fff``."""
    found = _TIMESPAN.match(text.strip())
    if found is None:
        raise ValueError(f"not a TimeSpan (hh:mm:ss): {text!r}")
    days, hours, minutes, seconds, fraction = found.groups()
    if int(hours) > 23 or int(minutes) > 59 or int(seconds) > 59:
        # .NET refuses these too; "00:60:00" is a typo, not an hour.
        raise ValueError(f"not a TimeSpan (hours 0-23, minutes and seconds 0-59): {text!r}")
    return timedelta(
        days=int(days or 0),
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds),
        microseconds=int((fraction or "0")[:6].ljust(6, "0")),
    )


def next_run(text: str, *, after: datetime) -> datetime:
    """When the schedule ``text`` next fires after ``after``."""
    return parse_schedule(text).next_after(after)
