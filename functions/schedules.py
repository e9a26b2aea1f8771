"""Timer triggers: the evening idle warning, the later idle stop, and reconciliation."""

import logging
from datetime import UTC, datetime

import azure.functions as func

from beast.schedule import next_run
from beast.wiring import services

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="%BEAST_WARN_SCHEDULE%")
def warn_idle(timer: func.TimerRequest) -> None:
    """Warn owners of idle VMs that they will be deallocated at the next stop run."""
    now = datetime.now(UTC)
    stop_at = next_run(services().settings.sweep_schedule, after=now)
    report = services().sweep.warn(now=now, stop_at=stop_at)
    _finish("warn", report.acted, report.failed)


@bp.timer_trigger(arg_name="timer", schedule="%BEAST_SWEEP_SCHEDULE%")
def stop_idle(timer: func.TimerRequest) -> None:
    """Deallocate the VMs warned tonight that are still idle."""
    report = services().sweep.stop(now=datetime.now(UTC))
    _finish("stop", report.acted, report.failed)


@bp.timer_trigger(arg_name="timer", schedule="%BEAST_RECONCILE_SCHEDULE%")
def reconcile(timer: func.TimerRequest) -> None:
    """Repair drift between the vms table and Azure."""
    report = services().reconciler.run(now=datetime.now(UTC))
    _finish("reconcile", report.repairs, report.failed)


def _finish(run: str, acted: list[str], failed: dict[str, str]) -> None:
    """Log the outcome; fail the invocation if any VM failed, so it shows in monitoring."""
    log.info("%s: %d acted on, %d failed", run, len(acted), len(failed))
    if failed:
        raise RuntimeError(f"{run} failed for {len(failed)} VMs: {', '.join(sorted(failed))}")
