"""Timer triggers: fire each function on its schedule until the host stops."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from azure.functions.timer import TimerRequest

from beast.schedule import Schedule, parse_schedule
from local.host.config import resolve_setting
from local.host.index import Function

log = logging.getLogger("local.host")

# A run more than this late counts as past due, as the real host reports it.
_PAST_DUE_AFTER = timedelta(seconds=1)

Runner = Callable[[Function, object], bool]


def schedule_of(function: Function) -> Schedule:
    """The function's schedule, with ``%SETTING%`` resolved from the environment."""
    return parse_schedule(resolve_setting(str(function.trigger.options["schedule"])))


def timer_request(*, past_due: bool, last: datetime | None, following: datetime) -> TimerRequest:
    """The TimerRequest a timer function receives."""
    return TimerRequest(
        past_due=past_due,
        schedule_status={
            "Last": last.isoformat() if last else None,
            "Next": following.isoformat(),
            "LastUpdated": datetime.now(UTC).isoformat(),
        },
        schedule={"AdjustForDST": True},
    )


class TimerLoop(threading.Thread):
    """Sleeps until the next occurrence, runs the function, repeats; ``stop`` ends it."""

    def __init__(self, function: Function, run: Runner, stop: threading.Event) -> None:
        super().__init__(name=f"timer:{function.name}", daemon=True)
        self.function = function
        self.schedule = schedule_of(function)
        self._run = run
        self._stop_event = stop

    def run(self) -> None:
        """Fire on schedule until stopped."""
        last: datetime | None = None
        if self.function.trigger.options.get("runOnStartup"):
            now = datetime.now(UTC)
            self._fire(past_due=False, last=None, following=self.schedule.next_after(now))
            last = now
        due = self.schedule.next_after(datetime.now(UTC))
        log.info("timer %s next fires at %s", self.function.name, due.isoformat())
        while not self._stop_event.wait(max(0.0, (due - datetime.now(UTC)).total_seconds())):
            now = datetime.now(UTC)
            if now < due:
                continue
            following = self.schedule.next_after(now)
            self._fire(past_due=now - due > _PAST_DUE_AFTER, last=last, following=following)
            last, due = due, following

    def _fire(self, *, past_due: bool, last: datetime | None, following: datetime) -> None:
        request = timer_request(past_due=past_due, last=last, following=following)
        self._run(self.function, request)
