"""The nightly idle sweep against Azurite and the ARM simulator's metrics:getBatch."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from beast.adapters.metrics import AzureMetrics
from beast.errors import UpstreamError
from beast.idle import IdleRules
from beast.models import Caller, OperationKind, OperationState, ReplyTo, Vm, VmState
from beast.ports import Activity, Metrics, Notifier, PowerState
from beast.requests import build_request
from beast.sweep import Sweep
from local.armsim.credential import StaticTokenCredential
from tests.core.conftest import ALICE, BOB, World, now, reply_to
from tests.doubles import RecordingNotifier

RULES = IdleRules(cpu_percent=5.0, lookback=timedelta(hours=2))
GETBATCH = "metrics:getBatch"


def metrics_client(world: World, *, endpoint: str | None = None) -> AzureMetrics:
    """The metrics adapter on the simulator's batch API (``endpoint``: a regional base URL)."""
    return AzureMetrics(
        credential=StaticTokenCredential(),
        endpoint=endpoint or world.settings.metrics_endpoint,
        ca_bundle=world.settings.arm_ca_bundle,
    )


def make_sweep(
    world: World,
    *,
    notifier: Notifier | None = None,
    metrics: Callable[[], Metrics] | None = None,
) -> Sweep:
    """The sweep wired as ``beast.wiring`` wires it, with ``notifier`` or ``metrics`` swapped."""
    return Sweep(
        beast=world.beast,
        vms=world.stores.vms,
        metrics=metrics if metrics is not None else (lambda: metrics_client(world)),
        notifier=notifier if notifier is not None else world.notifier,
        rules=RULES,
    )


@pytest.fixture
def sweep(world: World) -> Sweep:
    """The sweep wired as ``beast.wiring`` wires it, on the simulator's batch metrics API."""
    return make_sweep(world)


def deploy(world: World, caller: Caller, name: str, *, region: str | None = None) -> Vm:
    """A running VM, deployed through the worker."""
    request = build_request(
        size="D2s_v3",
        disk_gb="256",
        disk_type=None,
        variant=None,
        name=name,
        region=region,
        ttl=None,
        ssh_public_key=None,
        allowed_source_prefixes=None,
        settings=world.settings,
    )
    vm, op = world.beast.request_vm(caller, request, reply=reply_to(caller), now=now())
    assert world.drain(op.id).state is OperationState.SUCCEEDED
    running = world.stores.vms.get(vm.name)
    assert running.state is VmState.RUNNING and running.vm_id
    return running


def cpu(world: World, vm: Vm, percent: float, *, network_bytes: float = 1000.0) -> None:
    """Give ``vm`` two hours of samples every five minutes, up to now."""
    end = now()
    stamps = [(end - timedelta(minutes=5 * i)).isoformat() for i in range(1, 24)]
    world.armsim.sim_put(
        "/_sim/metrics",
        {
            vm.vm_id: {
                "Percentage CPU": [[t, percent] for t in stamps],
                "Network In Total": [[t, network_bytes] for t in stamps],
                "Network Out Total": [[t, network_bytes] for t in stamps],
            }
        },
    )


def owners_told(world: World, method: str) -> list[tuple[str, str]]:
    """(Slack user id, VM name) of each ``method`` notification."""
    return [(c.reply.user_id, c.details["vm"].name) for c in world.notifier.named(method)]


def stop_ops(world: World, vm: Vm) -> list[str]:
    """Operation ids of the stops recorded for ``vm``."""
    return [e.operation_id or "" for e in world.stores.audit.for_vm(vm.name) if e.action == "stop"]


@pytest.fixture
def idle_and_busy(world: World) -> tuple[Vm, Vm]:
    """Alice's VM sits idle; Bob's works hard."""
    idle = deploy(world, ALICE, "beast-idle")
    busy = deploy(world, BOB, "beast-busy")
    cpu(world, idle, 1.0)
    cpu(world, busy, 85.0)
    return idle, busy


def test_only_the_idle_vms_owner_is_warned_and_the_warning_is_recorded(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, busy = idle_and_busy
    evening = now()
    stop_at = evening + timedelta(hours=1)

    report = sweep.warn(now=evening, stop_at=stop_at)

    assert report.ok and report.acted == [idle.name] and report.left == [busy.name]
    assert owners_told(world, "idle_warning") == [("U0ALICE", idle.name)]
    assert world.notifier.named("idle_warning")[0].details["stop_at"] == stop_at
    assert world.stores.vms.get(idle.name).warned_at == evening
    assert world.stores.vms.get(busy.name).warned_at is None
    # The batch API was asked, once, for both VMs of the region.
    assert len(world.armsim.requests_log(method="POST", path=GETBATCH)) == 1


def test_the_stop_run_deallocates_only_the_warned_idle_vm_and_tells_its_owner(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, busy = idle_and_busy
    evening = now()
    sweep.warn(now=evening, stop_at=evening + timedelta(hours=1))

    report = sweep.stop(now=evening + timedelta(minutes=1))

    assert report.ok and report.acted == [idle.name] and report.left == [busy.name]
    assert world.stores.vms.get(idle.name).state is VmState.STOPPING
    (op_id,) = stop_ops(world, idle)
    assert world.drain(op_id).state is OperationState.SUCCEEDED
    assert world.stores.vms.get(idle.name).state is VmState.STOPPED
    assert world.arm.power_state(group=idle.resource_group, vm=idle.name) is PowerState.DEALLOCATED
    assert owners_told(world, "idle_stopped") == [("U0ALICE", idle.name)]
    # The busy VM was never touched.
    assert stop_ops(world, busy) == []
    assert world.arm.power_state(group=busy.resource_group, vm=busy.name) is PowerState.RUNNING
    assert world.stores.vms.get(busy.name).state is VmState.RUNNING


def test_keeping_a_warned_vm_saves_it_from_the_stop(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, _ = idle_and_busy
    evening = now()
    sweep.warn(now=evening, stop_at=evening + timedelta(hours=1))
    world.beast.keep(ALICE, idle.name, hours=4, now=evening + timedelta(minutes=10))

    report = sweep.stop(now=evening + timedelta(hours=1))

    assert report.ok and report.acted == []
    assert stop_ops(world, idle) == []
    assert world.stores.vms.get(idle.name).state is VmState.RUNNING
    assert world.notifier.named("idle_stopped") == []


def test_an_idle_vm_that_was_not_warned_tonight_is_not_stopped(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, _ = idle_and_busy
    report = sweep.stop(now=now())
    assert report.ok and report.acted == []
    assert stop_ops(world, idle) == []


def test_an_expired_busy_vm_is_stopped_without_a_warning(world: World, sweep: Sweep) -> None:
    vm = deploy(world, ALICE, "beast-ttl")
    cpu(world, vm, 90.0)
    world.beast.mutate(vm.name, lambda v: v.evolve(expires_at=now() - timedelta(minutes=1)))

    report = sweep.stop(now=now())

    assert report.acted == [vm.name]
    (op_id,) = stop_ops(world, vm)
    assert world.drain(op_id).state is OperationState.SUCCEEDED
    assert world.stores.vms.get(vm.name).state is VmState.STOPPED


def test_a_vm_without_metric_samples_is_left_running(world: World, sweep: Sweep) -> None:
    vm = deploy(world, ALICE, "beast-quiet")  # no series set: Azure returns empty buckets
    report = sweep.warn(now=now(), stop_at=now() + timedelta(hours=1))
    assert report.ok and report.left == [vm.name] and report.acted == []
    assert world.notifier.named("idle_warning") == []


class RegionalMetrics:
    """Azure Monitor's batch API is regional; this one sends each region to its own base URL."""

    def __init__(self, world: World, endpoints: dict[str, str]) -> None:
        self._world = world
        self._endpoints = endpoints

    def activity(
        self, vm_ids: Sequence[str], *, region: str, start: datetime, end: datetime
    ) -> Mapping[str, Activity]:
        """Ask the region's own endpoint."""
        regional = metrics_client(self._world, endpoint=self._endpoints.get(region))
        return regional.activity(vm_ids, region=region, start=start, end=end)


def test_a_metrics_failure_in_one_region_fails_only_that_regions_vms(
    world: World, idle_and_busy: tuple[Vm, Vm], caplog: pytest.LogCaptureFixture
) -> None:
    idle, busy = idle_and_busy
    abroad = deploy(world, ALICE, "beast-abroad", region="westeurope")
    also_abroad = deploy(world, BOB, "beast-abroad-2", region="westeurope")
    cpu(world, abroad, 1.0)
    cpu(world, also_abroad, 1.0)
    # westeurope's metrics endpoint refuses Beast (its identity lacks Monitoring Reader there).
    world.armsim.sim_post(
        "/_sim/faults",
        {
            "kind": "error",
            "path": "^/westeurope/.*" + GETBATCH,
            "status": 403,
            "code": "AuthorizationFailed",
            "count": 100,
        },
    )
    endpoints = {"westeurope": world.settings.metrics_endpoint.rstrip("/") + "/westeurope"}
    sweep = make_sweep(world, metrics=lambda: RegionalMetrics(world, endpoints))

    report = sweep.warn(now=now(), stop_at=now() + timedelta(hours=1))

    assert not report.ok
    assert sorted(report.failed) == [abroad.name, also_abroad.name]
    assert "Azure Monitor" in report.failed[abroad.name]
    assert report.acted == [idle.name] and report.left == [busy.name]
    assert owners_told(world, "idle_warning") == [("U0ALICE", idle.name)]
    assert world.stores.vms.get(abroad.name).warned_at is None
    logged = caplog.text
    assert f"{abroad.name} ({abroad.vm_id})" in logged
    assert f"{also_abroad.name} ({also_abroad.vm_id})" in logged


def test_a_batch_refused_once_is_asked_again_vm_by_vm(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, busy = idle_and_busy
    world.armsim.sim_post(
        "/_sim/faults",
        {"kind": "error", "path": GETBATCH, "status": 400, "code": "BadRequest", "count": 1},
    )

    report = sweep.warn(now=now(), stop_at=now() + timedelta(hours=1))

    assert report.ok and report.acted == [idle.name] and report.left == [busy.name]
    assert len(world.armsim.requests_log(method="POST", path=GETBATCH)) == 3


def test_one_vm_with_a_broken_resource_id_does_not_fail_its_neighbours(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, busy = idle_and_busy
    broken = deploy(world, ALICE, "beast-broken")
    world.beast.mutate(broken.name, lambda v: v.evolve(vm_id="/subscriptions/nope"))

    report = sweep.warn(now=now(), stop_at=now() + timedelta(hours=1))

    assert not report.ok and list(report.failed) == [broken.name]
    assert report.acted == [idle.name] and report.left == [busy.name]
    assert owners_told(world, "idle_warning") == [("U0ALICE", idle.name)]


def test_a_notification_that_fails_for_one_owner_fails_only_that_vm(
    world: World, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, _ = idle_and_busy
    bobs = deploy(world, BOB, "beast-bobs-idle")
    cpu(world, bobs, 1.0)

    class SlackRefusesBob(RecordingNotifier):
        def idle_warning(self, reply: ReplyTo, *, vm: Vm, stop_at: datetime) -> None:
            if reply.user_id == "U0BOB":
                raise UpstreamError("Slack said user_not_found.")
            super().idle_warning(reply, vm=vm, stop_at=stop_at)

    notifier = SlackRefusesBob()
    sweep = make_sweep(world, notifier=notifier)

    report = sweep.warn(now=now(), stop_at=now() + timedelta(hours=1))

    assert report.failed == {bobs.name: "Slack said user_not_found."}
    assert report.acted == [idle.name] and not report.ok
    assert [c.details["vm"].name for c in notifier.named("idle_warning")] == [idle.name]


def test_every_outcome_is_logged_with_the_vms_resource_id(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm], caplog: pytest.LogCaptureFixture
) -> None:
    idle, busy = idle_and_busy
    broken = deploy(world, ALICE, "beast-broken")
    world.beast.mutate(broken.name, lambda v: v.evolve(vm_id="/subscriptions/nope"))
    caplog.set_level(logging.INFO, logger="beast.sweep")

    sweep.warn(now=now(), stop_at=now() + timedelta(hours=1))

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "beast.sweep")
    for vm, outcome in ((idle, "warn"), (busy, "leave"), (broken, "failed")):
        vm_id = "/subscriptions/nope" if vm is broken else vm.vm_id
        line = next((ln for ln in logged.splitlines() if f"({vm_id})" in ln), "")
        assert outcome in line and vm.name in line, logged


def test_the_sweep_never_deletes_or_merely_powers_off(
    world: World, sweep: Sweep, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, _ = idle_and_busy
    evening = now()
    sweep.warn(now=evening, stop_at=evening + timedelta(hours=1))
    sweep.stop(now=evening + timedelta(minutes=1))
    (op_id,) = stop_ops(world, idle)
    world.drain(op_id)
    assert world.stores.operations.get(op_id).kind is OperationKind.STOP
    assert world.armsim.requests_log(method="POST", path="(?i)/powerOff") == []
    assert world.armsim.requests_log(method="DELETE") == []
    assert len(world.armsim.requests_log(method="POST", path="(?i)/deallocate")) == 1


# --- the metrics adapter under the sweep ------------------------------------------------


def synthetic_id(world: World, number: int) -> str:
    """A VM resource id in the simulated subscription (metrics need no real VM behind it)."""
    return (
        f"/subscriptions/{world.armsim.subscription_id}/resourceGroups/rg-beast-{number}"
        f"/providers/Microsoft.Compute/virtualMachines/beast-{number}"
    )


def test_metrics_for_many_vms_go_fifty_to_a_call_and_come_back_per_vm(world: World) -> None:
    end = now()
    ids = [synthetic_id(world, n) for n in range(120)]
    stamp = (end - timedelta(minutes=30)).isoformat()
    world.armsim.sim_put(
        "/_sim/metrics",
        {vm_id: {"Percentage CPU": [[stamp, float(n % 100)]]} for n, vm_id in enumerate(ids)},
    )
    metrics = metrics_client(world)

    found = metrics.activity(ids, region="eastus", start=end - RULES.lookback, end=end)

    assert len(world.armsim.requests_log(method="POST", path=GETBATCH)) == 3  # 50 + 50 + 20
    assert set(found) == {vm_id.lower() for vm_id in ids}
    assert found[ids[42].lower()].max_cpu_percent == 42.0
    assert found[ids[7].lower()].network_bytes == 0.0


def test_a_short_cpu_spike_counts_as_work(world: World, sweep: Sweep) -> None:
    # The hourly maximum, not the average: five busy minutes in an idle hour are real work.
    vm = deploy(world, ALICE, "beast-spiky")
    end = now()
    samples = [[(end - timedelta(minutes=5 * i)).isoformat(), 1.0] for i in range(1, 24)]
    samples[3][1] = 95.0
    world.armsim.sim_put("/_sim/metrics", {vm.vm_id: {"Percentage CPU": samples}})

    report = sweep.warn(now=end, stop_at=end + timedelta(hours=1))

    assert report.left == [vm.name] and report.acted == []


def test_a_long_download_with_idle_cpu_is_not_warned(world: World, sweep: Sweep) -> None:
    vm = deploy(world, ALICE, "beast-download")
    cpu(world, vm, 1.0, network_bytes=50 * 1024 * 1024)  # 23 samples each way: over 2 GiB

    report = sweep.warn(now=now(), stop_at=now() + timedelta(hours=1))

    assert report.left == [vm.name] and world.notifier.named("idle_warning") == []


def test_a_keep_click_while_metrics_are_read_still_saves_the_vm(
    world: World, idle_and_busy: tuple[Vm, Vm]
) -> None:
    idle, _ = idle_and_busy
    evening = now()
    make_sweep(world).warn(now=evening, stop_at=evening + timedelta(hours=1))
    stop_time = evening + timedelta(hours=1)

    class KeepDuringFetch:
        """The real metrics client; the owner clicks Keep alive while it answers."""

        def activity(self, vm_ids: Any, **window: Any) -> Any:
            world.beast.keep(ALICE, idle.name, hours=4, now=stop_time)
            return metrics_client(world).activity(vm_ids, **window)

    report = make_sweep(world, metrics=KeepDuringFetch).stop(now=stop_time)

    assert idle.name not in report.acted
    assert stop_ops(world, idle) == []
    assert world.stores.vms.get(idle.name).state is VmState.RUNNING
