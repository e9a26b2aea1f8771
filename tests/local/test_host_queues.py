"""Queue triggers run from Azurite with the real host's encoding, retries and poison queue."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from local.azurite import Azurite
from local.host.launch import RunningHost, start_host, write_local_settings

MAX_DEQUEUE_COUNT = 3
WAIT_SECONDS = 30.0


@pytest.fixture(scope="module")
def queue_name() -> str:
    return "host-test-" + str(int(time.time() * 1000) % 10**9)


@pytest.fixture(scope="module")
def record_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("queues") / "record.jsonl"


@pytest.fixture(scope="module")
def queue_host(
    azurite: Azurite, queue_name: str, record_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningHost]:
    host_json = tmp_path_factory.mktemp("host") / "host.json"
    host_json.write_text(
        json.dumps(
            {
                "version": "2.0",
                "extensions": {
                    "queues": {
                        "maxPollingInterval": "00:00:00.200",
                        "visibilityTimeout": "00:00:00",
                        "batchSize": 2,
                        "maxDequeueCount": MAX_DEQUEUE_COUNT,
                        "messageEncoding": "base64",
                    }
                },
            }
        )
    )
    host = start_host(
        app="tests.local.host_apps.queue_app:app",
        host_json=host_json,
        settings=write_local_settings(host_json.with_name("local.settings.json")),
        overrides={
            "AzureWebJobsStorage": azurite.connection_string,
            "BEAST_HOST_TEST_QUEUE": queue_name,
            "BEAST_HOST_TEST_RECORD": str(record_file),
        },
    )
    yield host
    host.stop()


def _queue(azurite: Azurite, name: str, **options: Any) -> QueueClient:
    """A client for ``name``, creating the queue if needed (the host may not have yet)."""
    client = QueueClient.from_connection_string(azurite.connection_string, name, **options)
    with contextlib.suppress(ResourceExistsError):
        client.create_queue()
    return client


def _peek(client: QueueClient) -> list[Any]:
    """The visible messages; none while the host has not created the queue yet."""
    try:
        return list(client.peek_messages(max_messages=32))
    except ResourceNotFoundError:
        return []


def _notes(record_file: Path, body: str) -> list[dict[str, Any]]:
    if not record_file.exists():
        return []
    lines = record_file.read_text(encoding="utf-8").splitlines()
    return [note for note in map(json.loads, lines) if note["body"] == body]


def _eventually(check: Callable[[], Any]) -> Any:
    """Poll until ``check`` gives something truthy (queues are asynchronous by nature)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the queue trigger did not get there in time")


def test_base64_message_reaches_the_function_as_its_text(
    queue_host: RunningHost, azurite: Azurite, queue_name: str, record_file: Path
) -> None:
    sender = _queue(azurite, queue_name, message_encode_policy=TextBase64EncodePolicy())
    sender.send_message("hello beast")
    [note] = _eventually(lambda: _notes(record_file, "hello beast"))
    assert note["dequeue_count"] == 1
    assert note["id"]
    assert note["insertion_time"]
    assert note["has_pop_receipt"]


def test_successful_message_is_deleted(
    queue_host: RunningHost, azurite: Azurite, queue_name: str, record_file: Path
) -> None:
    _queue(azurite, queue_name).send_message(base64.b64encode(b"done once").decode())
    _eventually(lambda: _notes(record_file, "done once"))
    _eventually(
        lambda: _queue(azurite, queue_name).get_queue_properties().approximate_message_count == 0
    )


def test_failing_message_is_retried_with_growing_dequeue_count_then_poisoned(
    queue_host: RunningHost, azurite: Azurite, queue_name: str, record_file: Path
) -> None:
    text = base64.b64encode(b"fail always").decode()
    _queue(azurite, queue_name).send_message(text)
    poison = QueueClient.from_connection_string(azurite.connection_string, queue_name + "-poison")
    [poisoned] = _eventually(lambda: _peek(poison))
    assert poisoned.content == text
    counts = [note["dequeue_count"] for note in _notes(record_file, "fail always")]
    assert counts == list(range(1, MAX_DEQUEUE_COUNT + 1))


def test_listener_keeps_polling_after_a_message_it_cannot_complete(
    queue_host: RunningHost, azurite: Azurite, queue_name: str, record_file: Path
) -> None:
    sender = _queue(azurite, queue_name, message_encode_policy=TextBase64EncodePolicy())
    sender.send_message("vanish before completion")
    _eventually(lambda: _notes(record_file, "vanish before completion"))
    sender.send_message("after the vanished one")
    assert _eventually(lambda: _notes(record_file, "after the vanished one"))


def test_output_binding_sends_base64_text_to_its_queue(
    queue_host: RunningHost, azurite: Azurite, queue_name: str
) -> None:
    _queue(azurite, queue_name + "-in").send_message(base64.b64encode(b"pass it on").decode())
    out = QueueClient.from_connection_string(azurite.connection_string, queue_name + "-out")
    [message] = _eventually(lambda: _peek(out))
    assert base64.b64decode(message.content) == b"PASS IT ON"


def test_admin_invoke_runs_a_queue_function_with_the_input_as_body(
    queue_host: RunningHost, record_file: Path
) -> None:
    assert queue_host.run("work", "by hand") == "Succeeded"
    assert _notes(record_file, "by hand")
