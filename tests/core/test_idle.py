"""The idle policy as rules: pure functions, time passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from beast.idle import (
    IDLE_NETWORK_BYTES,
    WARNING_VALID_FOR,
    IdleRules,
    Verdict,
    is_idle,
    stop_verdict,
    warn_verdict,
)
from beast.models import Vm, VmState
from beast.ports import Activity
from tests.factories import make_vm

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
RULES = IdleRules(cpu_percent=5.0, lookback=timedelta(hours=2))
QUIET = Activity(max_cpu_percent=1.5, network_bytes=10 * 1024 * 1024)
BUSY = Activity(max_cpu_percent=80.0, network_bytes=10 * 1024 * 1024)
DOWNLOADING = Activity(max_cpu_percent=1.5, network_bytes=5 * 1024 * 1024 * 1024)
NO_SAMPLES = Activity(max_cpu_percent=None, network_bytes=0.0)


def vm(**changes: object) -> Vm:
    """A running VM with nothing special about it."""
    return make_vm(
        created_at=NOW - timedelta(days=2),
        vm_id="/subscriptions/s/resourceGroups/rg-beast-alice-1/providers/"
        "Microsoft.Compute/virtualMachines/beast-alice-1",
    ).evolve(**changes)


# --- what counts as idle ---------------------------------------------------------


def test_low_cpu_and_little_network_is_idle() -> None:
    assert is_idle(QUIET, RULES)


def test_cpu_at_the_threshold_is_not_idle() -> None:
    assert not is_idle(Activity(max_cpu_percent=5.0, network_bytes=0.0), RULES)


def test_low_cpu_with_heavy_network_is_not_idle() -> None:
    assert not is_idle(DOWNLOADING, RULES)
    assert not is_idle(Activity(max_cpu_percent=0.0, network_bytes=IDLE_NETWORK_BYTES), RULES)


def test_no_samples_is_unknown_and_not_idle() -> None:
    assert not is_idle(NO_SAMPLES, RULES)
    assert not is_idle(None, RULES)


# --- the evening warning ---------------------------------------------------------


def test_idle_vm_is_warned() -> None:
    assert warn_verdict(vm(), QUIET, RULES, NOW) is Verdict.WARN


def test_busy_vm_is_left_alone() -> None:
    assert warn_verdict(vm(), BUSY, RULES, NOW) is Verdict.LEAVE


def test_downloading_vm_with_low_cpu_is_not_warned() -> None:
    assert warn_verdict(vm(), DOWNLOADING, RULES, NOW) is Verdict.LEAVE


def test_vm_without_metric_samples_is_not_warned() -> None:
    assert warn_verdict(vm(), NO_SAMPLES, RULES, NOW) is Verdict.LEAVE
    assert warn_verdict(vm(), None, RULES, NOW) is Verdict.LEAVE


def test_kept_idle_vm_is_never_warned() -> None:
    kept = vm(keep_until=NOW + timedelta(hours=4))
    assert warn_verdict(kept, QUIET, RULES, NOW) is Verdict.LEAVE


def test_a_keep_that_ran_out_no_longer_protects() -> None:
    lapsed = vm(keep_until=NOW - timedelta(minutes=1))
    assert warn_verdict(lapsed, QUIET, RULES, NOW) is Verdict.WARN


def test_expired_busy_vm_is_warned() -> None:
    expired = vm(expires_at=NOW - timedelta(minutes=5))
    assert warn_verdict(expired, BUSY, RULES, NOW) is Verdict.WARN


def test_vm_that_is_not_running_is_never_warned() -> None:
    for state in VmState:
        if state is not VmState.RUNNING:
            assert warn_verdict(vm(state=state), QUIET, RULES, NOW) is Verdict.LEAVE


# --- the later stop ---------------------------------------------------------------


def test_warned_vm_still_idle_is_stopped() -> None:
    warned = vm(warned_at=NOW - timedelta(hours=1))
    assert stop_verdict(warned, QUIET, RULES, NOW) is Verdict.STOP


def test_idle_vm_that_was_never_warned_is_not_stopped() -> None:
    assert stop_verdict(vm(), QUIET, RULES, NOW) is Verdict.LEAVE


def test_warned_vm_that_got_busy_is_not_stopped() -> None:
    warned = vm(warned_at=NOW - timedelta(hours=1))
    assert stop_verdict(warned, BUSY, RULES, NOW) is Verdict.LEAVE
    assert stop_verdict(warned, DOWNLOADING, RULES, NOW) is Verdict.LEAVE


def test_warned_vm_whose_metrics_vanished_is_not_stopped() -> None:
    warned = vm(warned_at=NOW - timedelta(hours=1))
    assert stop_verdict(warned, NO_SAMPLES, RULES, NOW) is Verdict.LEAVE
    assert stop_verdict(warned, None, RULES, NOW) is Verdict.LEAVE


def test_a_warning_older_than_its_validity_does_not_allow_a_stop() -> None:
    stale = vm(warned_at=NOW - WARNING_VALID_FOR - timedelta(minutes=1))
    assert stop_verdict(stale, QUIET, RULES, NOW) is Verdict.LEAVE
    just_valid = vm(warned_at=NOW - WARNING_VALID_FOR)
    assert stop_verdict(just_valid, QUIET, RULES, NOW) is Verdict.STOP


def test_kept_vm_is_never_stopped_even_when_warned_idle_and_expired() -> None:
    kept = vm(
        keep_until=NOW + timedelta(hours=4),
        warned_at=NOW - timedelta(hours=1),
        expires_at=NOW - timedelta(hours=1),
    )
    assert stop_verdict(kept, QUIET, RULES, NOW) is Verdict.LEAVE


def test_expired_vm_is_stopped_even_when_busy_and_unwarned() -> None:
    expired = vm(expires_at=NOW)
    assert stop_verdict(expired, BUSY, RULES, NOW) is Verdict.STOP
    assert stop_verdict(expired, None, RULES, NOW) is Verdict.STOP


def test_vm_before_its_expiry_is_judged_on_idleness() -> None:
    not_yet = vm(expires_at=NOW + timedelta(minutes=1))
    assert stop_verdict(not_yet, BUSY, RULES, NOW) is Verdict.LEAVE


def test_vm_that_is_not_running_is_never_stopped() -> None:
    for state in VmState:
        if state is not VmState.RUNNING:
            stopped = vm(state=state, warned_at=NOW, expires_at=NOW - timedelta(hours=1))
            assert stop_verdict(stopped, QUIET, RULES, NOW) is Verdict.LEAVE


# --- properties ----------------------------------------------------------------------

_moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)
_activity = st.none() | st.builds(
    Activity,
    max_cpu_percent=st.none() | st.floats(min_value=0, max_value=100),
    network_bytes=st.floats(min_value=0, max_value=1e12),
)


@given(
    now=_moments,
    keep_for=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=14)),
    activity=_activity,
    warned_ago=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    expires_in=st.none() | st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)),
)
def test_a_kept_vm_is_always_left_alone(
    now: datetime,
    keep_for: timedelta,
    activity: Activity | None,
    warned_ago: timedelta | None,
    expires_in: timedelta | None,
) -> None:
    kept = vm(
        keep_until=now + keep_for,
        warned_at=None if warned_ago is None else now - warned_ago,
        expires_at=None if expires_in is None else now + expires_in,
    )
    assert warn_verdict(kept, activity, RULES, now) is Verdict.LEAVE
    assert stop_verdict(kept, activity, RULES, now) is Verdict.LEAVE


@given(now=_moments, activity=_activity)
def test_an_unwarned_unexpired_vm_is_never_stopped(
    now: datetime, activity: Activity | None
) -> None:
    assert stop_verdict(vm(), activity, RULES, now) is Verdict.LEAVE


@given(now=_moments, activity=_activity)
def test_whatever_is_stopped_tonight_was_warnable_tonight(
    now: datetime, activity: Activity | None
) -> None:
    warned = vm(warned_at=now - timedelta(hours=1))
    if stop_verdict(warned, activity, RULES, now) is Verdict.STOP:
        assert warn_verdict(warned, activity, RULES, now) is Verdict.WARN
