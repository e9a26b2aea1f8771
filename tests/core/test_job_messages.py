"""Queue messages the worker is handed: real jobs parse, anything else is set aside."""

from __future__ import annotations

import json

import pytest

from beast.jobs import parse_job
from beast.models import OperationKind, ReplyTo
from beast.ports import Job

JOB = Job(
    kind=OperationKind.DEPLOY,
    operation_id="0123456789abcdef0123456789abcdef",
    vm_name="beast-alice-1",
    reply=ReplyTo(front_end="slack", user_id="U0ALICE"),
    check=True,
    attempt=3,
)


def test_a_job_survives_the_trip_through_a_queue_message() -> None:
    assert parse_job(json.dumps(JOB.to_dict()).encode()) == JOB


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe",
        b"not json",
        b"[]",
        b"null",
        b'"deploy"',
        b'{"kind": "deploy"}',
        b'{"kind": "explode", "operation_id": "x", "vm_name": "y", "reply": {}}',
        json.dumps({**JOB.to_dict(), "reply": "slack"}).encode(),
        json.dumps({**JOB.to_dict(), "attempt": "many"}).encode(),
        b"[" * 100_000,
    ],
)
def test_a_message_that_is_no_job_gives_none_instead_of_failing_every_retry(body: bytes) -> None:
    assert parse_job(body) is None
