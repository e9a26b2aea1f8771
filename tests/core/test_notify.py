"""Notices go to the front end they came from, and a failed notice never fails a job."""

from __future__ import annotations

import logging

import pytest

from beast.models import OperationKind, ReplyTo, Vm
from beast.notify import LogNotifier, RoutingNotifier
from beast.settings import Secret
from tests.doubles import RecordingNotifier
from tests.factories import make_vm

VM = make_vm()
SLACK = ReplyTo(front_end="slack", user_id="U0ALICE")
API = ReplyTo(front_end="api", user_id="alice@example.com")


class Broken(RecordingNotifier):
    def ready(self, reply: ReplyTo, *, vm: Vm) -> None:
        raise ConnectionError("slack is down")


def test_notices_go_to_the_notifier_of_their_front_end() -> None:
    slack, fallback = RecordingNotifier(), RecordingNotifier()
    notifier = RoutingNotifier({"slack": slack}, fallback=fallback)
    notifier.ready(SLACK, vm=VM)
    notifier.finished(API, vm=VM, kind=OperationKind.STOP)
    assert [c.method for c in slack.calls] == ["ready"]
    assert [c.method for c in fallback.calls] == ["finished"]


def test_a_notice_that_cannot_be_delivered_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notifier = RoutingNotifier({"slack": Broken()}, fallback=LogNotifier())
    with caplog.at_level(logging.ERROR):
        notifier.ready(SLACK, vm=VM)
    assert "could not deliver ready notice to slack" in caplog.text


def test_the_log_notifier_never_logs_a_password(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        LogNotifier().password(API, vm=VM, password=Secret("Sup3r-Secret-Value!"))
    assert "Sup3r-Secret-Value!" not in caplog.text
    assert "beast-alice-1" in caplog.text
