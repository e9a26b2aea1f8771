"""Timer triggers for the local host's tests."""

import azure.functions as func

from tests.local.host_apps.recorder import record

app = func.FunctionApp()


@app.timer_trigger(schedule="%BEAST_HOST_TEST_SCHEDULE%", arg_name="timer")
def often(timer: func.TimerRequest) -> None:
    """Fires on the schedule named by a setting."""
    record({"function": "often", "past_due": timer.past_due})


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer")
def yearly(timer: func.TimerRequest) -> None:
    """Fires once a year, so only an on-demand run shows up in a test."""
    record({"function": "yearly", "past_due": timer.past_due})


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer")
def failing(timer: func.TimerRequest) -> None:
    """Always fails."""
    raise RuntimeError("failing on purpose")
