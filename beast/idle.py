"""When a VM counts as idle, and what the nightly sweep does about it. Pure.

Rules, in the order they apply:

- A VM kept alive (``keep NAME 4h``: ``keep_until`` in the future) is never touched.
- A VM past its time-to-live (``expires_at``) is deallocated, busy or not: the
  person said how long they needed it.
- A VM is idle when, over the look-back window, its highest hourly CPU stayed
  under the threshold *and* it moved less than ``IDLE_NETWORK_BYTES`` over the
  network (a long download keeps the CPU low but is real work).
- No metric samples at all means "unknown", never idle: Beast does not stop a
  VM on missing data.
- The evening run warns owners of idle VMs; the later run deallocates the VMs
  it warned about that are still idle and still not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from beast.models import Vm, VmState
from beast.ports import Activity

IDLE_NETWORK_BYTES = 100 * 1024 * 1024  # 100 MiB over the window
WARNING_VALID_FOR = timedelta(hours=20)  # a warning from last night does not count tonight


class Verdict(StrEnum):
    """What the sweep does to one VM."""

    LEAVE = "leave"
    WARN = "warn"
    STOP = "stop"


@dataclass(frozen=True, kw_only=True)
class IdleRules:
    """The thresholds, from settings."""

    cpu_percent: float
    lookback: timedelta


def is_idle(activity: Activity | None, rules: IdleRules) -> bool:
    """Idle when CPU and network both stayed low; unknown is not idle."""
    if activity is None or activity.max_cpu_percent is None:
        return False
    return (
        activity.max_cpu_percent < rules.cpu_percent and activity.network_bytes < IDLE_NETWORK_BYTES
    )


def kept(vm: Vm, now: datetime) -> bool:
    """The owner asked to keep it alive until later than now."""
    return vm.keep_until is not None and vm.keep_until > now


def expired(vm: Vm, now: datetime) -> bool:
    """The VM outlived the time-to-live it was asked with."""
    return vm.expires_at is not None and vm.expires_at <= now


def warn_verdict(vm: Vm, activity: Activity | None, rules: IdleRules, now: datetime) -> Verdict:
    """The evening run: warn owners of idle or expired running VMs."""
    if vm.state is not VmState.RUNNING or kept(vm, now):
        return Verdict.LEAVE
    if expired(vm, now) or is_idle(activity, rules):
        return Verdict.WARN
    return Verdict.LEAVE


def stop_verdict(vm: Vm, activity: Activity | None, rules: IdleRules, now: datetime) -> Verdict:
    """The later run: deallocate warned VMs that are still idle, and expired ones."""
    if vm.state is not VmState.RUNNING or kept(vm, now):
        return Verdict.LEAVE
    if expired(vm, now):
        return Verdict.STOP
    warned = vm.warned_at is not None and now - vm.warned_at <= WARNING_VALID_FOR
    if warned and is_idle(activity, rules):
        return Verdict.STOP
    return Verdict.LEAVE
