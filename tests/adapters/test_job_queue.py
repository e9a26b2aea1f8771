"""The jobs queue contract, on Azurite and on the in-memory double, plus the wire format."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64DecodePolicy

from beast.adapters.queue import build_job_queue, queue_client
from beast.errors import ConfigError
from beast.models import OperationKind, ReplyTo
from beast.ports import Job, JobQueue
from local.azurite import Azurite
from tests.adapters.storage_harness import storage_settings, unique_name
from tests.doubles import InMemoryJobQueue

JOB = Job(
    kind=OperationKind.DEPLOY,
    operation_id="op-1",
    vm_name="alice-e4s-1",
    reply=ReplyTo(
        front_end="slack",
        user_id="U024BE7LH",
        response_url="https://hooks.slack.example/commands/T1/2/x",
        channel_id="C1",
    ),
    check=True,
    attempt=2,
)


@dataclass
class QueueUnderTest:
    """A JobQueue, a way to read what the worker would see, and a way to let time pass."""

    queue: JobQueue
    receive: Callable[[], list[Job]]
    wait_until: Callable[[Callable[[], list[Job]], float], list[Job]]


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _azurite_queue(azurite: Azurite) -> QueueUnderTest:
    settings = storage_settings(
        azurite.connection_string, table_prefix="unused", jobs_queue=unique_name("jobs-")
    )
    queue = build_job_queue(settings)
    # The worker's view: a plain client that decodes Base64, as the Functions trigger does.
    reader = QueueClient.from_connection_string(
        azurite.connection_string,
        settings.jobs_queue,
        message_decode_policy=TextBase64DecodePolicy(),
    )

    def receive() -> list[Job]:
        return [Job.from_dict(json.loads(m.content)) for m in reader.receive_messages()]

    def wait_until(read: Callable[[], list[Job]], seconds: float) -> list[Job]:
        deadline = time.monotonic() + seconds + 5
        while time.monotonic() < deadline:
            if jobs := read():
                return jobs
            time.sleep(0.1)
        return []

    return QueueUnderTest(queue, receive, wait_until)


def _memory_queue() -> QueueUnderTest:
    clock = _FakeClock()
    queue = InMemoryJobQueue(clock)

    def wait_until(read: Callable[[], list[Job]], seconds: float) -> list[Job]:
        clock.now += seconds
        return read()

    return QueueUnderTest(queue, queue.receive, wait_until)


@pytest.fixture(params=["azurite", "memory"])
def jobs(request: pytest.FixtureRequest) -> QueueUnderTest:
    """The queue adapter on Azurite (a fresh queue per test), then the double."""
    if request.param == "memory":
        return _memory_queue()
    return _azurite_queue(request.getfixturevalue("azurite"))


def test_a_queued_job_reaches_the_worker_unchanged(jobs: QueueUnderTest) -> None:
    jobs.queue.enqueue(JOB)
    jobs.queue.enqueue(
        Job(kind=OperationKind.STOP, operation_id="op-2", vm_name="b", reply=JOB.reply)
    )

    received = jobs.receive()

    assert [job.operation_id for job in received] == ["op-1", "op-2"]
    assert received[0] == JOB


def test_a_delayed_job_stays_invisible_until_the_delay_passes(jobs: QueueUnderTest) -> None:
    delayed = Job(
        kind=OperationKind.DEPLOY,
        operation_id="op-1",
        vm_name="alice-e4s-1",
        reply=JOB.reply,
        check=True,
        attempt=3,
    )

    jobs.queue.enqueue(delayed, delay_seconds=1)

    assert jobs.receive() == []
    assert jobs.wait_until(jobs.receive, 1) == [delayed]


def test_messages_on_the_wire_are_base64_json_as_the_functions_trigger_expects(
    azurite: Azurite,
) -> None:
    settings = storage_settings(
        azurite.connection_string, table_prefix="unused", jobs_queue=unique_name("jobs-")
    )
    build_job_queue(settings).enqueue(JOB)
    raw_reader = QueueClient.from_connection_string(azurite.connection_string, settings.jobs_queue)

    [message] = raw_reader.peek_messages()

    raw = message.content
    assert isinstance(raw, str) and not raw.lstrip().startswith("{")
    assert json.loads(base64.b64decode(raw, validate=True)) == JOB.to_dict()


def test_the_queue_is_created_on_first_use_only(azurite: Azurite) -> None:
    settings = storage_settings(
        azurite.connection_string, table_prefix="unused", jobs_queue=unique_name("jobs-")
    )
    queue = build_job_queue(settings)
    probe = queue_client(settings)
    assert not _exists(probe)

    queue.enqueue(JOB)
    queue.enqueue(JOB)

    assert _exists(probe)
    assert len(probe.peek_messages(max_messages=32)) == 2


def _exists(client: QueueClient) -> bool:
    try:
        client.get_queue_properties()
    except ResourceNotFoundError:
        return False
    return True


@pytest.mark.parametrize("name", ["Beast-jobs", "beast--jobs", "-jobs", "jo", "beast_jobs"])
def test_an_illegal_queue_name_is_a_config_error(azurite: Azurite, name: str) -> None:
    settings = storage_settings(azurite.connection_string, table_prefix="unused", jobs_queue=name)

    with pytest.raises(ConfigError, match="BEAST_JOBS_QUEUE"):
        build_job_queue(settings)


@pytest.mark.parametrize("delay", [-1, 7 * 24 * 3600 + 1])
def test_a_delay_outside_what_the_queue_allows_is_refused(azurite: Azurite, delay: int) -> None:
    settings = storage_settings(
        azurite.connection_string, table_prefix="unused", jobs_queue=unique_name("jobs-")
    )

    with pytest.raises(ValueError, match="delay_seconds"):
        build_job_queue(settings).enqueue(JOB, delay_seconds=delay)
