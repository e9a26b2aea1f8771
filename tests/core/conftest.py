"""A Beast wired on the real local parts: Azurite tables and queue, the ARM simulator.

Only the notifier is a recording double (the Slack notifier has its own tests
against the Slack stand-in). ``world.drain(op_id)`` plays the Functions host:
it receives jobs from the real queue, honouring their visibility delays, and
runs the worker until the operation is done.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy

from beast.adapters.arm import AzureArm
from beast.adapters.tables import TableStores
from beast.jobs import parse_job
from beast.models import Caller, Operation, ReplyTo
from beast.ports import Job
from beast.service import Beast
from beast.settings import Settings, load_settings
from beast.wiring import Services
from beast.worker import Worker
from local.armsim.credential import StaticTokenCredential
from tests.doubles import RecordingNotifier
from tests.factories import parts_env

ALICE = Caller(id="slack:U0ALICE", name="alice", front_end="slack")
BOB = Caller(id="slack:U0BOB", name="bob", front_end="slack")
ADMIN = Caller(id="slack:U0CAROL", name="carol", front_end="slack", is_admin=True)


def reply_to(caller: Caller) -> ReplyTo:
    """Where the front end would want news for ``caller``."""
    return ReplyTo(front_end="slack", user_id=caller.id.split(":", 1)[1])


def now() -> datetime:
    """The wall clock, for code that takes ``now``."""
    return datetime.now(UTC)


@dataclass
class World:
    """Beast, its worker and the parts they run on."""

    settings: Settings
    stores: TableStores
    beast: Beast
    worker: Worker
    arm: AzureArm
    notifier: RecordingNotifier
    armsim: Any
    queue_client: QueueClient

    def drain(self, op_id: str, *, timeout: float = 60) -> Operation:
        """Run queued jobs as the host would until ``op_id`` is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.queue_client.receive_messages(visibility_timeout=30):
                job = parse_job(message.content)
                assert isinstance(job, Job)
                self.worker.run(job, now=now())
                self.queue_client.delete_message(message)
            op = self.stores.operations.get(op_id)
            if op.state.done:
                return op
            time.sleep(0.1)
        raise AssertionError(f"operation {op_id} did not finish in {timeout} s")

    def pending_jobs(self) -> int:
        """Messages in the queue, visible or not."""
        props = self.queue_client.get_queue_properties()
        return int(props.approximate_message_count or 0)


def world_settings(*, azurite: Any, armsim: Any, **extra: str) -> Settings:
    """Settings for a Beast on the local parts, with names unique to one test."""
    env = {"BEAST_ADMINS": "slack:U0CAROL", **extra}
    return load_settings(parts_env(azurite=azurite, armsim=armsim, stem="core", **env))


def build_world(settings: Settings, armsim: Any) -> World:
    """Beast wired by ``beast.wiring`` itself, with a static token and a recording notifier."""
    services = Services(settings)
    # Cached properties: set first, they replace what the factory would build.
    services.credential = StaticTokenCredential()
    notifier = RecordingNotifier()
    services.notifier = notifier
    arm = services.arm
    assert isinstance(arm, AzureArm)
    assert settings.storage_connection is not None
    reader = QueueClient.from_connection_string(
        settings.storage_connection.reveal(),
        settings.jobs_queue,
        message_decode_policy=TextBase64DecodePolicy(),
    )
    return World(
        settings, services.stores, services.beast, services.worker, arm, notifier, armsim, reader
    )


@pytest.fixture
def world(azurite: Any, armsim: Any) -> Iterator[World]:
    """A fresh Beast on Azurite and a reset ARM simulator."""
    armsim.reset()
    yield build_world(world_settings(azurite=azurite, armsim=armsim), armsim)
