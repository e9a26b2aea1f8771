"""The nightly idle sweep: warn owners of idle VMs, later deallocate those still idle.

Bulk work isolates failures: one VM's failure never stops the rest, every outcome
is logged with the VM's name and resource id, and the run reports failure at the
end if anything failed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from beast.errors import BeastError
from beast.idle import IdleRules, Verdict, stop_verdict, warn_verdict
from beast.models import Caller, Vm, VmState
from beast.ports import Activity, Metrics, Notifier, VmStore
from beast.service import Beast, owner_reply

log = logging.getLogger(__name__)

SWEEPER = Caller(id="system:sweep", name="beast", front_end="system", is_admin=True)


@dataclass
class SweepReport:
    """What one run did, VM by VM."""

    acted: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed


class Sweep:
    """Warn and stop idle VMs."""

    def __init__(
        self,
        *,
        beast: Beast,
        vms: VmStore,
        metrics: Callable[[], Metrics],
        notifier: Notifier,
        rules: IdleRules,
    ) -> None:
        self._beast = beast
        self._vms = vms
        self._metrics = metrics
        self._notifier = notifier
        self._rules = rules

    def warn(self, *, now: datetime, stop_at: datetime) -> SweepReport:
        """Warn the owner of every idle running VM that it will be deallocated at ``stop_at``."""
        return self._run(now=now, judge=warn_verdict, act=lambda vm: self._warn(vm, now, stop_at))

    def stop(self, *, now: datetime) -> SweepReport:
        """Deallocate the VMs warned tonight that are still idle, and the expired ones."""
        return self._run(now=now, judge=stop_verdict, act=lambda vm: self._stop(vm, now))

    def _run(
        self,
        *,
        now: datetime,
        judge: Callable[[Vm, Activity | None, IdleRules, datetime], Verdict],
        act: Callable[[Vm], None],
    ) -> SweepReport:
        report = SweepReport()
        running = [vm for vm in self._vms.list() if vm.state is VmState.RUNNING]
        activity = self._activity(running, now=now, report=report)
        for vm in running:
            if vm.name in report.failed:
                continue  # logged with its resource id when its metrics failed
            try:
                # Judge the record as it is now, not as it was before the metrics came back:
                # a Keep-alive click in between must save the VM.
                vm = self._vms.get(vm.name)
                verdict = judge(vm, activity.get((vm.vm_id or "").lower()), self._rules, now)
                if verdict is Verdict.LEAVE:
                    report.left.append(vm.name)
                    log.info("sweep leave %s (%s)", vm.name, vm.vm_id)
                    continue
                act(vm)
                report.acted.append(vm.name)
                log.info("sweep %s %s (%s)", verdict.value, vm.name, vm.vm_id)
            except Exception as exc:
                report.failed[vm.name] = _why(exc)
                log.exception("sweep failed on %s (%s)", vm.name, vm.vm_id)
        return report

    def _activity(
        self, vms: Sequence[Vm], *, now: datetime, report: SweepReport
    ) -> Mapping[str, Activity]:
        """Metrics per region in batches; a region that fails marks only its VMs failed."""
        by_region: dict[str, list[Vm]] = defaultdict(list)
        for vm in vms:
            if vm.vm_id:
                by_region[vm.region].append(vm)
        found: dict[str, Activity] = {}
        start = now - self._rules.lookback
        for region, members in sorted(by_region.items()):
            try:
                found.update(self._measure(members, region=region, start=start, end=now))
            except Exception as exc:
                log.exception("metrics failed for %d VMs in %s", len(members), region)
                # One unreadable VM (a bad resource id) fails its whole batch: ask for each
                # VM alone, so only that one fails and its neighbours are still handled.
                for vm in members:
                    error = (
                        self._measure_alone(vm, region=region, start=start, end=now, into=found)
                        if len(members) > 1
                        else exc
                    )
                    if error is not None:
                        report.failed[vm.name] = _why(error)
                        log.error("sweep failed on %s (%s): no metrics", vm.name, vm.vm_id)
        return found

    def _measure(
        self, vms: Sequence[Vm], *, region: str, start: datetime, end: datetime
    ) -> Mapping[str, Activity]:
        return self._metrics().activity(
            [vm.vm_id or "" for vm in vms], region=region, start=start, end=end
        )

    def _measure_alone(
        self, vm: Vm, *, region: str, start: datetime, end: datetime, into: dict[str, Activity]
    ) -> Exception | None:
        try:
            into.update(self._measure([vm], region=region, start=start, end=end))
        except Exception as exc:
            return exc
        return None

    def _warn(self, vm: Vm, now: datetime, stop_at: datetime) -> None:
        self._beast.mutate(vm.name, lambda v: v.evolve(warned_at=now))
        self._notifier.idle_warning(owner_reply(vm), vm=vm, stop_at=stop_at)

    def _stop(self, vm: Vm, now: datetime) -> None:
        self._beast.stop(SWEEPER, vm.name, reply=owner_reply(vm), now=now)
        self._notifier.idle_stopped(owner_reply(vm), vm=vm)


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, BeastError) else type(exc).__name__
