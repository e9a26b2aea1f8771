"""Beast's own overhead per VM deployment: ``up`` until the VM is running, on the ARM simulator.

``Beast.request_vm`` records the VM and queues the job on the real Azurite queue; the
worker drains it as the Functions host would, calling the unchanged azure-mgmt
clients against the ARM simulator with every simulated delay at 0. Two things that
are policy rather than overhead are left out: Azure's own deployment time, and the
worker's polling delay (``BEAST_POLL_SECONDS``, at least 1 s, doubling), which the
queue given to the worker drops. What remains is Beast's work per VM lifecycle:
table and queue round trips, SDK calls, template parameters. The ARM calls each
``up`` makes are counted from the simulator's request log.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy
from pytest_benchmark.fixture import BenchmarkFixture

from beast.adapters.queue import build_job_queue
from beast.adapters.tables import TableStores
from beast.jobs import parse_job
from beast.models import Caller, Operation, OperationState, ReplyTo, VmState
from beast.notify import LogNotifier
from beast.ports import Job, JobQueue, QueueMessage
from beast.requests import build_request
from beast.service import Beast
from beast.settings import Settings, load_settings
from beast.wiring import Services
from beast.worker import Worker
from bench.support import fresh_user
from local.armsim.credential import StaticTokenCredential
from local.armsim.state import DEFAULT_DELAYS_MS
from local.armsim.testing import ArmSim

ROUNDS = 8
NO_DELAYS = dict.fromkeys(DEFAULT_DELAYS_MS, 0.0)


def now() -> datetime:
    """The wall clock, for code that takes ``now``."""
    return datetime.now(UTC)


class WithoutPollDelay:
    """The real jobs queue, with the worker's "check again in N s" delay dropped."""

    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue

    def enqueue(self, job: QueueMessage, *, delay_seconds: int = 0) -> None:
        """Queue ``job`` now, whatever delay was asked for."""
        self._queue.enqueue(job)


@dataclass
class Lifecycle:
    """Beast, its worker, and the reader of the jobs queue that plays the Functions host."""

    settings: Settings
    stores: TableStores
    beast: Beast
    worker: Worker
    reader: QueueClient

    def drain(self, op_id: str, *, timeout: float = 60) -> Operation:
        """Run queued jobs as the host would until ``op_id`` is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.reader.receive_messages(visibility_timeout=30):
                job = parse_job(message.content.encode())
                assert isinstance(job, Job)
                self.worker.run(job, now=now())
                self.reader.delete_message(message)
            op = self.stores.operations.get(op_id)
            if op.state.done:
                return op
        raise AssertionError(f"operation {op_id} did not finish in {timeout} s")

    def up(self, caller: Caller) -> Operation:
        """``/beast up E4s_v3 1000`` for ``caller``, through to a finished operation."""
        request = build_request(
            size="E4s_v3",
            disk_gb=1000,
            disk_type=None,
            variant=None,
            name=None,
            region=None,
            ttl=None,
            ssh_public_key=None,
            allowed_source_prefixes=None,
            settings=self.settings,
        )
        reply = ReplyTo(front_end="slack", user_id=caller.id.removeprefix("slack:"))
        _, op = self.beast.request_vm(caller, request, reply=reply, now=now())
        return self.drain(op.id)


@pytest.fixture
def lifecycle(beast_env: Callable[..., dict[str, str]], armsim: ArmSim) -> Iterator[Lifecycle]:
    """Beast wired by ``beast.wiring``, with a static token and notices to the log."""
    settings = load_settings(beast_env(BEAST_MAX_VMS_PER_USER="1000"))
    services = Services(settings)
    # Cached properties: set first, they replace what the factory would build.
    services.credential = StaticTokenCredential()
    services.notifier = LogNotifier()
    services.queue = WithoutPollDelay(build_job_queue(settings))  # type: ignore[assignment]
    stores, beast, worker = services.stores, services.beast, services.worker
    assert settings.storage_connection is not None
    reader = QueueClient.from_connection_string(
        settings.storage_connection.reveal(),
        settings.jobs_queue,
        message_decode_policy=TextBase64DecodePolicy(),
    )
    yield Lifecycle(settings, stores, beast, worker, reader)
    armsim.reset()


def arm_calls(armsim: ArmSim) -> list[dict[str, Any]]:
    """ARM requests in the simulator's log (its own /_sim control calls left out)."""
    return [r for r in armsim.requests_log() if not r["path"].lower().startswith("/_sim")]


def test_up_until_running_on_the_arm_simulator(
    benchmark: BenchmarkFixture, lifecycle: Lifecycle, armsim: ArmSim
) -> None:
    finished: list[Operation] = []
    calls_per_up: list[int] = []
    kinds: Counter[str] = Counter()

    def fresh() -> tuple[tuple[Caller], dict[str, Any]]:
        # A clean subscription per round: no quota used up by earlier rounds, an empty log.
        armsim.reset(delays_ms=NO_DELAYS)
        user_id, user_name = fresh_user()
        return (Caller(id=f"slack:{user_id}", name=user_name, front_end="slack"),), {}

    def up(caller: Caller) -> None:
        finished.append(lifecycle.up(caller))
        calls = arm_calls(armsim)
        calls_per_up.append(len(calls))
        kinds.update(r["method"] for r in calls)

    benchmark.group = "worker: up -> running (ARM simulator, no delays)"
    benchmark.pedantic(up, setup=fresh, rounds=ROUNDS, iterations=1, warmup_rounds=1)

    per_up = statistics.median(calls_per_up)
    methods = ", ".join(f"{m} {n / len(calls_per_up):g}" for m, n in sorted(kinds.items()))
    benchmark.extra_info["arm_calls_per_up"] = per_up
    benchmark.extra_info["note"] = f"{per_up:g} ARM calls per up ({methods})"
    assert {op.state for op in finished} == {OperationState.SUCCEEDED}
    assert all(lifecycle.stores.vms.get(op.vm_name).state is VmState.RUNNING for op in finished)
    assert per_up > 0
